// HTTP GET with retries on network errors and 5xx; 404 becomes a typed `not-on-mirror` error.
import { DebianError } from './errors.js';

/** Options shared by every fetch of the library. */
export interface FetchOptions {
  /** Attempts in all (default 3). */
  attempts?: number;
  /** First back-off delay in ms, doubled after each failure (default 500). */
  backoffMs?: number;
  signal?: AbortSignal;
}

/** GETs a URL and returns the response once it is 2xx; retries network errors and 5xx. */
export async function fetchOk(url: string, opts: FetchOptions = {}): Promise<Response> {
  const attempts = opts.attempts ?? 3;
  let delay = opts.backoffMs ?? 500;
  let lastError: DebianError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let response: Response | undefined;
    try {
      response = await fetch(url, { signal: opts.signal, redirect: 'follow' });
    } catch (error) {
      if (opts.signal?.aborted) throw error;
      lastError = new DebianError('network', `${url}: ${describe(error)}`, 'check the network and the mirror (R4L_DEBIAN_MIRROR)');
    }
    if (response) {
      if (response.ok) return response;
      await response.body?.cancel();
      if (response.status === 404 || response.status === 410) {
        throw new DebianError('not-on-mirror', `${url}: HTTP ${response.status}, the mirror does not serve this file`);
      }
      lastError = new DebianError('http-error', `${url}: HTTP ${response.status} ${response.statusText}`);
      if (response.status < 500) throw lastError;
    }
    if (attempt < attempts) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay *= 2;
    }
  }
  throw lastError ?? new DebianError('network', `${url}: download failed`);
}

/** GETs a URL into memory (with the retries of fetchOk). */
export async function fetchBytes(url: string, opts: FetchOptions = {}): Promise<Buffer> {
  const attempts = opts.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const response = await fetchOk(url, opts);
    try {
      return Buffer.from(await response.arrayBuffer());
    } catch (error) {
      // The body broke off mid-way: a network error, retried like the others.
      if (attempt >= attempts || opts.signal?.aborted) {
        throw new DebianError('network', `${url}: ${describe(error)}`, 'check the network and the mirror (R4L_DEBIAN_MIRROR)');
      }
    }
  }
}

/** A short text for an unknown thrown value (fetch hides the real cause in `cause`). */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

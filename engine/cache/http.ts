// The HTTP side of the remote cache: GET/HEAD/PUT on <base>/ac/<key> and <base>/cas/<sha256>, the
// protocol Bazel's HTTP caches speak (bazel-remote, nginx WebDAV, S3 gateways). The base URL may
// carry a path prefix (`https://host/team/r4l/`) and user:password (sent as Basic auth, never
// printed). Every error names the cache URL; small requests have a total timeout, transfers an
// idle timeout (R4L_CACHE_TIMEOUT seconds, default 30).
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { R4lError } from '../errors.js';

export interface CacheClientOptions {
  /** Total timeout of small requests and idle timeout of transfers, in ms. */
  timeoutMs?: number;
}

export function defaultTimeoutMs(): number {
  const seconds = Number(process.env.R4L_CACHE_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 30_000;
}

/** Checks and normalises a cache URL; throws a usage error naming the flag's value. */
export function parseCacheUrl(url: string): { base: URL; display: string; authorization?: string } {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new R4lError('usage', `\`${url}\` is not a URL`, 'give the cache as http(s)://HOST[:PORT][/PATH]');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new R4lError('usage', `cache URL ${url}: only http:// and https:// are supported`, 'give the cache as http(s)://HOST[:PORT][/PATH]');
  }
  let authorization: string | undefined;
  if (base.username || base.password) {
    authorization = 'Basic ' + Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64');
    base.username = '';
    base.password = '';
  }
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return { base, display: base.href.replace(/\/$/, ''), authorization };
}

function describe(error: unknown, timeoutMs: number): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${Math.round(timeoutMs / 1000)}s (timed out)`;
  const cause = e?.cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused (is the cache up?)';
  if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') return `host not found (${cause.code})`;
  if (cause?.code) return `${cause.message ?? e.message} (${cause.code})`;
  if (cause?.message) return `${e.message}: ${cause.message}`;
  return e?.message ?? String(error);
}

/** Aborts when no progress is reported for `ms`. */
class IdleTimer {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout;
  constructor(private readonly ms: number) {
    this.timer = setTimeout(() => this.controller.abort(new DOMException('idle', 'TimeoutError')), ms);
  }
  touch(): void {
    this.timer.refresh();
  }
  stop(): void {
    clearTimeout(this.timer);
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }
}

export class CacheClient {
  /** The cache's URL as people see it (no credentials, no trailing slash). */
  readonly url: string;
  private readonly base: URL;
  private readonly authorization?: string;
  private readonly timeoutMs: number;

  constructor(url: string, opts: CacheClientOptions = {}) {
    const parsed = parseCacheUrl(url);
    this.base = parsed.base;
    this.url = parsed.display;
    this.authorization = parsed.authorization;
    this.timeoutMs = opts.timeoutMs ?? defaultTimeoutMs();
  }

  /** The absolute URL of `ac/<key>` or `cas/<sha256>` under the base (which may have a path). */
  href(rel: string): string {
    return new URL(rel, this.base).href;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { 'user-agent': 'r4l', ...(this.authorization ? { authorization: this.authorization } : {}), ...extra };
  }

  /** Set once the cache could not be reached: later requests fail at once instead of waiting again. */
  private unreachable?: string;

  private fail(method: string, rel: string, error: unknown): R4lError {
    if (error instanceof R4lError) return error;
    const reason = describe(error, this.timeoutMs);
    const name = (error as Error | undefined)?.name;
    // fetch rejects with a TypeError when it cannot connect, and aborts on our timeouts.
    if (error instanceof TypeError || name === 'TimeoutError' || name === 'AbortError') this.unreachable ??= reason;
    return new R4lError('network', `remote cache ${this.url}: ${method} /${rel}: ${reason}`, 'check the URL and that the cache is up; realize builds what it cannot fetch');
  }

  private guard(method: string, rel: string): void {
    if (this.unreachable) throw new R4lError('network', `remote cache ${this.url}: ${method} /${rel}: not tried, the cache was unreachable earlier in this run (${this.unreachable})`);
  }

  private status(method: string, rel: string, response: Response): R4lError {
    const hint =
      response.status === 401 || response.status === 403
        ? 'the cache wants credentials: put them in the URL (https://USER:PASSWORD@host/…)'
        : response.status === 405 && method === 'PUT'
          ? 'the server refuses PUT: for nginx, enable WebDAV (`dav_methods PUT; create_full_put_path on;`)'
          : undefined;
    return new R4lError('network', `remote cache ${this.url}: ${method} /${rel}: HTTP ${response.status} ${response.statusText}`.trimEnd(), hint);
  }

  /** GETs a small document (an AC entry); undefined on 404. */
  async getSmall(rel: string, maxBytes = 1 << 20): Promise<Buffer | undefined> {
    this.guard('GET', rel);
    let response: Response;
    try {
      response = await fetch(this.href(rel), { headers: this.headers(), signal: AbortSignal.timeout(this.timeoutMs) });
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw this.status('GET', rel, response);
      }
      const bytes = Buffer.from(await response.arrayBuffer());
      if (bytes.length > maxBytes) throw new R4lError('cache-refused', `remote cache ${this.url}: /${rel} is ${bytes.length} bytes, more than an entry can be (${maxBytes})`);
      return bytes;
    } catch (error) {
      throw this.fail('GET', rel, error);
    }
  }

  /** HEAD: whether the cache holds this path. */
  async exists(rel: string): Promise<boolean> {
    this.guard('HEAD', rel);
    try {
      const response = await fetch(this.href(rel), { method: 'HEAD', headers: this.headers(), signal: AbortSignal.timeout(this.timeoutMs) });
      await response.body?.cancel();
      if (response.status === 404) return false;
      if (!response.ok) throw this.status('HEAD', rel, response);
      return true;
    } catch (error) {
      throw this.fail('HEAD', rel, error);
    }
  }

  async putBytes(rel: string, bytes: Buffer, contentType: string): Promise<void> {
    this.guard('PUT', rel);
    try {
      const response = await fetch(this.href(rel), {
        method: 'PUT',
        headers: this.headers({ 'content-type': contentType }),
        body: new Uint8Array(bytes) as Uint8Array<ArrayBuffer>,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await response.body?.cancel();
      if (!response.ok) throw this.status('PUT', rel, response);
    } catch (error) {
      throw this.fail('PUT', rel, error);
    }
  }

  /** PUTs a file, streamed, with its length (S3 gateways want one). */
  async putFile(rel: string, file: string, contentType: string): Promise<void> {
    this.guard('PUT', rel);
    const { size } = await fs.stat(file);
    const idle = new IdleTimer(this.timeoutMs);
    try {
      const stream = createReadStream(file, { highWaterMark: 1 << 20 });
      stream.on('data', () => idle.touch());
      const response = await fetch(this.href(rel), {
        method: 'PUT',
        headers: this.headers({ 'content-type': contentType, 'content-length': String(size) }),
        body: Readable.toWeb(stream) as ReadableStream<Uint8Array>,
        duplex: 'half',
        signal: idle.signal,
      } as RequestInit & { duplex: 'half' });
      await response.body?.cancel();
      if (!response.ok) throw this.status('PUT', rel, response);
    } catch (error) {
      throw this.fail('PUT', rel, error);
    } finally {
      idle.stop();
    }
  }

  /**
   * Streams a GET into a file while hashing it; undefined on 404. Stops as soon as the body
   * exceeds maxBytes (an archive larger than its entry says is refused without reading it all).
   */
  async download(rel: string, file: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<{ sha256: string; size: number } | undefined> {
    this.guard('GET', rel);
    const idle = new IdleTimer(this.timeoutMs);
    try {
      const response = await fetch(this.href(rel), { headers: this.headers(), signal: idle.signal });
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw this.status('GET', rel, response);
      }
      const hash = createHash('sha256');
      let size = 0;
      const handle = await fs.open(file, 'wx', 0o600);
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          idle.touch();
          size += chunk.byteLength;
          if (size > maxBytes) throw new R4lError('cache-refused', `remote cache ${this.url}: /${rel} is larger than the ${maxBytes} bytes its entry claims`);
          hash.update(chunk);
          await handle.write(chunk);
        }
      } finally {
        await handle.close();
      }
      return { sha256: hash.digest('hex'), size };
    } catch (error) {
      throw this.fail('GET', rel, error);
    } finally {
      idle.stop();
    }
  }
}

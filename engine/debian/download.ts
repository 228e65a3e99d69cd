// Verified downloads: stream to a temp file while hashing, rename into place only when it checks.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import PQueue from 'p-queue';
import { DebianError } from './errors.js';
import { describe, fetchOk, type FetchOptions } from './http.js';

/** One file to download: where from, what it must hash to, where to put it. */
export interface DownloadItem {
  url: string;
  sha256: string;
  size: number;
  dest: string;
}

/** Options of downloads; `reuse` keeps an existing dest file whose hash already checks (default true). */
export interface DownloadOptions extends FetchOptions {
  reuse?: boolean;
}

const LOCK_HINT = 'run `r4l lock --update` to pin the versions the mirror serves now';

/** Downloads url into destFile, checking sha256 and size; retries network errors and 5xx. */
export async function downloadVerified(url: string, sha256: string, size: number, destFile: string, opts: DownloadOptions = {}): Promise<void> {
  if ((opts.reuse ?? true) && (await fileMatches(destFile, sha256, size))) return;
  await mkdir(dirname(destFile), { recursive: true });
  const attempts = opts.attempts ?? 3;
  let delay = opts.backoffMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetchOk(url, opts);
    } catch (error) {
      if (error instanceof DebianError && error.reason === 'not-on-mirror') {
        throw new DebianError('not-on-mirror', `${url}: not on the mirror (HTTP 404): the mirror no longer serves this pinned version; run \`r4l lock --update\``, LOCK_HINT);
      }
      throw error;
    }
    const tmp = `${destFile}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const hash = createHash('sha256');
    let received = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        if (received > size) {
          callback(new DebianError('size-mismatch', `${url}: refused, more than the ${size} bytes the lock pins`, LOCK_HINT));
          return;
        }
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      if (!response.body) throw new DebianError('network', `${url}: empty response`);
      await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), meter, createWriteStream(tmp));
    } catch (error) {
      await rm(tmp, { force: true });
      if (error instanceof DebianError) throw error;
      if (opts.signal?.aborted || attempt >= attempts) {
        throw new DebianError('network', `${url}: download broke off: ${describe(error)}`, 'check the network and the mirror (R4L_DEBIAN_MIRROR)');
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay *= 2;
      continue;
    }
    const actual = hash.digest('hex');
    if (received !== size || actual !== sha256) {
      await rm(tmp, { force: true });
      const what = received !== size ? `size ${received} instead of ${size}, ` : '';
      throw new DebianError(received !== size ? 'size-mismatch' : 'hash-mismatch', `${url}: refused, ${what}sha256 ${actual} but the lock pins ${sha256}`, `the file was tampered with or the mirror is broken; if the archive really changed, ${LOCK_HINT}`);
    }
    await rename(tmp, destFile);
    return;
  }
}

/** Downloads many files, at most `concurrency` at a time; the first failure cancels the rest. */
export async function downloadAll(items: DownloadItem[], opts: DownloadOptions & { concurrency?: number } = {}): Promise<void> {
  const queue = new PQueue({ concurrency: opts.concurrency ?? 4 });
  const controller = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal;
  const tasks = items.map((item) => queue.add(() => downloadVerified(item.url, item.sha256, item.size, item.dest, { ...opts, signal })));
  try {
    await Promise.all(tasks);
  } catch (error) {
    queue.clear();
    controller.abort();
    await Promise.allSettled(tasks);
    throw error;
  }
}

/** Whether a file exists with the given size and sha256. */
export async function fileMatches(file: string, sha256: string, size: number): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  if (!info || !info.isFile() || info.size !== size) return false;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex') === sha256;
}

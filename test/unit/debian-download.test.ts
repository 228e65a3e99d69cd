// downloadVerified / downloadAll against a local HTTP server: retries, refusals, reuse, concurrency.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadAll, downloadVerified } from '../../engine/debian/download.js';
import { DebianError } from '../../engine/debian/errors.js';

const body = Buffer.from('a pinned .deb, in spirit\n'.repeat(1000));
const sha = createHash('sha256').update(body).digest('hex');

let server: Server;
let base: string;
let work: string;
/** Requests seen per path, and how many 503s a path answers before its body. */
const hits = new Map<string, number>();
const failFirst = new Map<string, number>();
let running = 0;
let maxRunning = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    const n = (hits.get(path) ?? 0) + 1;
    hits.set(path, n);
    if (n <= (failFirst.get(path) ?? 0)) return void res.writeHead(503).end();
    if (path.startsWith('/missing')) return void res.writeHead(404).end();
    running++;
    maxRunning = Math.max(maxRunning, running);
    setTimeout(() => {
      running--;
      res.writeHead(200, { 'content-length': body.length }).end(body);
    }, 30);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  hits.clear();
  failFirst.clear();
  maxRunning = 0;
  work = mkdtempSync(join(tmpdir(), 'r4l-dl-'));
  return () => rmSync(work, { recursive: true, force: true });
});

describe('downloadVerified', () => {
  it('retries a 5xx and renames into place once verified', async () => {
    failFirst.set('/flaky.deb', 2);
    const dest = join(work, 'flaky.deb');
    await downloadVerified(`${base}/flaky.deb`, sha, body.length, dest, { backoffMs: 10 });
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(hits.get('/flaky.deb')).toBe(3);
    expect(readdirSync(work)).toEqual(['flaky.deb']);
  });

  it('gives up after three 5xx', async () => {
    failFirst.set('/down.deb', 5);
    const error = await downloadVerified(`${base}/down.deb`, sha, body.length, join(work, 'down.deb'), { backoffMs: 10 }).catch((e: unknown) => e);
    expect((error as DebianError).reason).toBe('http-error');
    expect((error as Error).message).toBe(`${base}/down.deb: HTTP 503 Service Unavailable`);
    expect(hits.get('/down.deb')).toBe(3);
  });

  it('refuses a wrong hash, naming the URL and both hashes, and leaves nothing', async () => {
    const wrong = 'f'.repeat(64);
    const error = await downloadVerified(`${base}/x.deb`, wrong, body.length, join(work, 'x.deb')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DebianError);
    expect((error as DebianError).reason).toBe('hash-mismatch');
    expect((error as Error).message).toBe(`${base}/x.deb: refused, sha256 ${sha} but the lock pins ${wrong}`);
    expect(readdirSync(work)).toEqual([]);
  });

  it('refuses a wrong size', async () => {
    const short = await downloadVerified(`${base}/x.deb`, sha, body.length + 1, join(work, 'x.deb')).catch((e: unknown) => e);
    expect((short as Error).message).toBe(`${base}/x.deb: refused, size ${body.length} instead of ${body.length + 1}, sha256 ${sha} but the lock pins ${sha}`);
    const long = await downloadVerified(`${base}/x.deb`, sha, 10, join(work, 'x.deb')).catch((e: unknown) => e);
    expect((long as DebianError).reason).toBe('size-mismatch');
    expect((long as Error).message).toBe(`${base}/x.deb: refused, more than the 10 bytes the lock pins`);
    expect(readdirSync(work)).toEqual([]);
  });

  it('says to re-lock on 404', async () => {
    const error = await downloadVerified(`${base}/missing/x.deb`, sha, 1, join(work, 'x.deb')).catch((e: unknown) => e);
    expect((error as DebianError).reason).toBe('not-on-mirror');
    expect((error as DebianError).hint).toBe('run `r4l lock --update` to pin the versions the mirror serves now');
  });

  it('keeps an existing file that already checks, and replaces one that does not', async () => {
    const dest = join(work, 'have.deb');
    writeFileSync(dest, body);
    await downloadVerified(`${base}/have.deb`, sha, body.length, dest);
    expect(hits.get('/have.deb')).toBeUndefined();
    writeFileSync(dest, 'stale');
    await downloadVerified(`${base}/have.deb`, sha, body.length, dest);
    expect(readFileSync(dest).equals(body)).toBe(true);
  });
});

describe('downloadAll', () => {
  it('runs at most `concurrency` downloads at a time', async () => {
    const items = Array.from({ length: 8 }, (_, i) => ({ url: `${base}/p${i}.deb`, sha256: sha, size: body.length, dest: join(work, `p${i}.deb`) }));
    await downloadAll(items, { concurrency: 3 });
    expect(readdirSync(work).sort()).toEqual(items.map((_, i) => `p${i}.deb`).sort());
    expect(maxRunning).toBe(3);
  });

  it('fails with the first failure', async () => {
    const items = [
      { url: `${base}/ok.deb`, sha256: sha, size: body.length, dest: join(work, 'ok.deb') },
      { url: `${base}/missing/gone.deb`, sha256: sha, size: body.length, dest: join(work, 'gone.deb') },
    ];
    const error = await downloadAll(items, { concurrency: 2 }).catch((e: unknown) => e);
    expect((error as DebianError).reason).toBe('not-on-mirror');
  });
});

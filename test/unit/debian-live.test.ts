// Against the real Debian mirror (read from the host's apt sources): lock, download, unpack, and
// refusal of tampered InRelease, Packages.xz and .deb served from a local HTTP server.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadAll, downloadVerified } from '../../engine/debian/download.js';
import { unpackDebs } from '../../engine/debian/deb.js';
import { DebianError } from '../../engine/debian/errors.js';
import { fetchBytes } from '../../engine/debian/http.js';
import { inReleaseUrl } from '../../engine/debian/inrelease.js';
import { lockNode, renderLockFile, type LockEntry, type LockRequest } from '../../engine/debian/lockfile.js';
import { packageUrl, resolveMirrors, type Mirrors } from '../../engine/debian/mirror.js';

const keyringDir = join(import.meta.dirname, '../../recipes/keys');
const suites = ['trixie', 'trixie-updates', 'trixie-security'];
const request: LockRequest = { suites, architecture: 'amd64', packages: ['hello', 'busybox-static'] };

let work: string;
let mirrors: Mirrors;
let cacheDir: string;
let lock: LockEntry;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'r4l-debian-live-'));
  cacheDir = join(work, 'index-cache');
  // Env first, then the host's apt sources: what the code does.
  mirrors = resolveMirrors();
  lock = await lockNode(request, { keyringDir, mirrors, cacheDir });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Fails the test unless the promise rejects with a DebianError; returns it. */
async function rejection(promise: Promise<unknown>): Promise<DebianError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DebianError);
  return error as DebianError;
}

describe('locking against the mirror', () => {
  it('locks hello and busybox-static: Depends and Pre-Depends only, base-files added', () => {
    const names = lock.packages.map((p) => p.name);
    expect(names).toContain('hello');
    expect(names).toContain('busybox-static');
    expect(names).toContain('libc6');
    expect(names).toContain('base-files');
    // libc6 Recommends libidn2-0: never followed.
    expect(names).not.toContain('libidn2-0');
    expect(names).toEqual([...names].sort());
    expect(lock.requested).toEqual(['busybox-static', 'hello']);
    expect(Object.keys(lock.inRelease).sort()).toEqual([...suites].sort());
    for (const p of lock.packages) expect(p.filename).toMatch(/^pool\//);
  });

  it('locks twice to the same bytes', async () => {
    const again = await lockNode(request, { keyringDir, mirrors, cacheDir });
    expect(renderLockFile({ lockVersion: 1, nodes: { qemu: again } })).toBe(renderLockFile({ lockVersion: 1, nodes: { qemu: lock } }));
  });

  it('downloads and unpacks the closure; hello runs from the tree', async () => {
    const debs = join(work, 'debs');
    const root = join(work, 'root');
    const items = lock.packages.map((p) => ({ url: packageUrl(mirrors, p), sha256: p.sha256, size: p.size, dest: join(debs, `${p.name}.deb`) }));
    await downloadAll(items, { concurrency: 4 });
    // base-files first: its merged-/usr links must exist before anything is written through them.
    const written = await unpackDebs(items.map((i) => i.dest), root, { first: [join(debs, 'base-files.deb')], concurrency: 2 });
    expect(written.length).toBeGreaterThan(100);
    expect(written).toContain('usr/bin/hello');
    const hello = join(root, 'usr/bin/hello');
    expect(statSync(hello).mode & 0o111).toBe(0o111);
    const lib = join(root, 'usr/lib/x86_64-linux-gnu');
    const { stdout } = await promisify(execFile)(join(lib, 'ld-linux-x86-64.so.2'), ['--library-path', lib, hello], { env: { LANG: 'C' } });
    expect(stdout).toBe('Hello, world!\n');
  });
});

describe('tampered files from a local server are refused', () => {
  let server: Server;
  let base: string;
  const routes = new Map<string, Buffer>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = routes.get(req.url ?? '');
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const flip = (bytes: Buffer, at: number) => {
    const copy = Buffer.from(bytes);
    copy[at] = (copy[at] as number) ^ 1;
    return copy;
  };
  const local = { archive: '', security: '' };

  it('refuses an InRelease with one byte changed', async () => {
    routes.clear();
    const real = await fetchBytes(inReleaseUrl(mirrors.archive, 'trixie'));
    // A digit of the Date: field, inside the signed text.
    routes.set('/debian/dists/trixie/InRelease', flip(real, real.indexOf('Date: ') + 12));
    const error = await rejection(lockNode({ ...request, suites: ['trixie'] }, { keyringDir, mirror: `${base}/debian`, cacheDir: join(work, 'c1') }));
    expect(error.reason).toBe('bad-signature');
    expect(error.message).toBe(`${base}/debian/dists/trixie/InRelease: refused, no valid signature from a trusted key`);
  });

  it('refuses an InRelease signed for another suite (a replay)', async () => {
    routes.clear();
    routes.set('/debian/dists/trixie/InRelease', await fetchBytes(inReleaseUrl(mirrors.archive, 'trixie-updates')));
    const error = await rejection(lockNode({ ...request, suites: ['trixie'] }, { keyringDir, mirror: `${base}/debian`, cacheDir: join(work, 'c3') }));
    expect(error.reason).toBe('wrong-suite');
    expect(error.message).toBe(`${base}/debian/dists/trixie/InRelease: signed for suite trixie-updates/stable-updates, not trixie`);
  });

  it('refuses a Packages.xz with one byte changed', async () => {
    routes.clear();
    routes.set('/debian/dists/trixie/InRelease', await fetchBytes(inReleaseUrl(mirrors.archive, 'trixie')));
    const real = await fetchBytes(`${mirrors.archive}/dists/trixie/main/binary-amd64/Packages.xz`);
    routes.set('/debian/dists/trixie/main/binary-amd64/Packages.xz', flip(real, 1000));
    const error = await rejection(lockNode({ ...request, suites: ['trixie'] }, { keyringDir, mirror: `${base}/debian`, cacheDir: join(work, 'c2') }));
    expect(error.reason).toBe('hash-mismatch');
    expect(error.message).toMatch(new RegExp(`^${base}/debian/dists/trixie/main/binary-amd64/Packages.xz: refused, sha256 [0-9a-f]{64} but InRelease says [0-9a-f]{64}$`));
  });

  it('refuses a .deb with one byte changed, leaving nothing behind', async () => {
    routes.clear();
    const hello = lock.packages.find((p) => p.name === 'hello');
    if (!hello) throw new Error('hello not locked');
    const real = await fetchBytes(packageUrl(mirrors, hello));
    const tampered = flip(real, real.length - 10);
    routes.set(`/debian/${hello.filename}`, tampered);
    local.archive = `${base}/debian`;
    local.security = `${base}/debian-security`;
    const url = packageUrl(local, hello);
    const dir = join(work, 'tampered');
    const error = await rejection(downloadVerified(url, hello.sha256, hello.size, join(dir, 'hello.deb')));
    const { createHash } = await import('node:crypto');
    const actual = createHash('sha256').update(tampered).digest('hex');
    expect(error.reason).toBe('hash-mismatch');
    expect(error.message).toBe(`${url}: refused, sha256 ${actual} but the lock pins ${hello.sha256}`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('says to re-lock when the mirror no longer serves a pinned .deb', async () => {
    routes.clear();
    const url = `${base}/debian/pool/main/h/hello/hello_0.0-0_amd64.deb`;
    const error = await rejection(downloadVerified(url, 'a'.repeat(64), 1, join(work, 'gone', 'hello.deb')));
    expect(error.reason).toBe('not-on-mirror');
    expect(error.message).toBe(`${url}: not on the mirror (HTTP 404): the mirror no longer serves this pinned version; run \`r4l lock --update\``);
    expect(existsSync(join(work, 'gone', 'hello.deb'))).toBe(false);
  });
});

describe('the Rust toolchain closure', () => {
  it('resolves on trixie', async () => {
    const packages = 'rustc libstd-rust-dev rust-src bindgen clang-19 lld-19 llvm-19 make gcc libc6-dev flex bison bc libelf-dev cpio kmod rustfmt perl-base gzip xz-utils coreutils bash sed grep gawk diffutils findutils tar dash'.split(' ');
    const started = performance.now();
    const entry = await lockNode({ suites, architecture: 'amd64', packages }, { keyringDir, mirrors, cacheDir });
    const ms = performance.now() - started;
    const names = entry.packages.map((p) => p.name);
    for (const name of [...packages, 'base-files', 'libclang-19-dev', 'libllvm19']) expect(names).toContain(name);
    const mib = entry.packages.reduce((sum, p) => sum + p.size, 0) / 2 ** 20;
    console.log(`toolchain closure: ${names.length} packages, ${mib.toFixed(1)} MiB of .debs, locked in ${ms.toFixed(0)} ms (indexes cached)`);
    expect(names.length).toBeGreaterThan(80);
  });
});

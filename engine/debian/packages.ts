// Fetches a suite's Packages index (checked against InRelease), decompresses and parses it.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { xz } from '@napi-rs/lzma';
import { DebianError } from './errors.js';
import { fetchBytes, type FetchOptions } from './http.js';
import type { InRelease, IndexFile } from './inrelease.js';

/** One binary package stanza, reduced to what resolving and downloading need. */
export interface DebPackage {
  name: string;
  version: string;
  architecture: string;
  depends?: string;
  preDepends?: string;
  provides?: string;
  essential: boolean;
  multiArch?: string;
  filename: string;
  size: number;
  sha256: string;
  /** The suite whose index listed it. */
  suite: string;
}

/** The parsed Packages index of one suite, component and architecture. */
export interface PackageIndex {
  suite: string;
  architecture: string;
  /** The URL (or name) of the index file, for messages. */
  source: string;
  packages: DebPackage[];
}

/** Options of fetchPackages. */
export interface PackagesOptions extends FetchOptions {
  /** Component (default `main`). */
  component?: string;
  /** A directory to keep downloaded indexes in, named by their sha256 (re-checked on read). */
  cacheDir?: string;
}

const COMPRESSIONS = ['.xz', '.gz', ''] as const;

/** Downloads `<component>/binary-<arch>/Packages.xz` (else .gz, else plain), checks it against InRelease, parses it. */
export async function fetchPackages(release: InRelease, architecture: string, opts: PackagesOptions = {}): Promise<PackageIndex> {
  const component = opts.component ?? 'main';
  const dir = `${component}/binary-${architecture}`;
  const ext = COMPRESSIONS.find((e) => release.files.has(`${dir}/Packages${e}`));
  if (ext === undefined) {
    throw new DebianError('index-missing', `${release.source} lists no ${dir}/Packages index`, `check the suite (${release.suite}) and the architecture (${architecture})`);
  }
  const path = `${dir}/Packages${ext}`;
  const expected = release.files.get(path) as IndexFile;
  const url = `${release.base}/dists/${release.suite}/${path}`;
  const compressed = await fetchIndexFile(release, path, expected, url, opts);
  const data = await decompress(compressed, ext, url);
  const plain = release.files.get(`${dir}/Packages`);
  if (ext !== '' && plain) checkBytes(data, plain, `${url} (decompressed)`);
  return { suite: release.suite, architecture, source: url, packages: parsePackages(data.toString('utf8'), release.suite) };
}

/** Checks bytes against the size and sha256 that InRelease gives; refuses naming the file. */
export function checkBytes(bytes: Uint8Array, expected: IndexFile, source: string): void {
  if (bytes.length !== expected.size) {
    throw new DebianError('size-mismatch', `${source}: refused, size ${bytes.length} but InRelease says ${expected.size}`, 'the file was tampered with or the mirror is mid-update; retry later or use another mirror');
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected.sha256) {
    throw new DebianError('hash-mismatch', `${source}: refused, sha256 ${actual} but InRelease says ${expected.sha256}`, 'the file was tampered with or the mirror is mid-update; retry later or use another mirror');
  }
}

/** Parses Packages text into packages (only the fields the resolver and downloader use). */
export function parsePackages(text: string, suite: string): DebPackage[] {
  const out: DebPackage[] = [];
  let fields = new Map<string, string>();
  let last: string | undefined;
  const flush = () => {
    if (fields.size > 0) {
      const pkg = toPackage(fields, suite);
      if (pkg) out.push(pkg);
    }
    fields = new Map();
    last = undefined;
  };
  for (const line of text.split('\n')) {
    if (line === '') {
      flush();
      continue;
    }
    const first = line.charCodeAt(0);
    if (first === 32 || first === 9) {
      if (last !== undefined) fields.set(last, `${fields.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    last = KEPT.has(name) ? name : undefined;
    if (last !== undefined) fields.set(last, line.slice(colon + 1).trim());
  }
  flush();
  return out;
}

const KEPT = new Set(['Package', 'Version', 'Architecture', 'Depends', 'Pre-Depends', 'Provides', 'Essential', 'Multi-Arch', 'Filename', 'Size', 'SHA256']);

function toPackage(f: Map<string, string>, suite: string): DebPackage | undefined {
  const name = f.get('Package');
  const version = f.get('Version');
  const architecture = f.get('Architecture');
  const filename = f.get('Filename');
  const sha256 = f.get('SHA256');
  const size = f.get('Size');
  if (!name || !version || !architecture || !filename || !sha256 || !size) return undefined;
  const pkg: DebPackage = { name, version, architecture, essential: f.get('Essential') === 'yes', filename, size: Number(size), sha256, suite };
  const depends = f.get('Depends');
  const preDepends = f.get('Pre-Depends');
  const provides = f.get('Provides');
  const multiArch = f.get('Multi-Arch');
  if (depends) pkg.depends = depends;
  if (preDepends) pkg.preDepends = preDepends;
  if (provides) pkg.provides = provides;
  if (multiArch) pkg.multiArch = multiArch;
  return pkg;
}

async function fetchIndexFile(release: InRelease, path: string, expected: IndexFile, url: string, opts: PackagesOptions): Promise<Buffer> {
  const cached = opts.cacheDir ? join(opts.cacheDir, expected.sha256) : undefined;
  if (cached) {
    const bytes = await readFile(cached).catch(() => undefined);
    if (bytes && bytes.length === expected.size && createHash('sha256').update(bytes).digest('hex') === expected.sha256) return bytes;
  }
  let bytes: Buffer | undefined;
  if (release.acquireByHash) {
    // The by-hash name cannot change under us while the mirror updates; fall back to the plain name.
    const dir = path.slice(0, path.lastIndexOf('/'));
    bytes = await fetchBytes(`${release.base}/dists/${release.suite}/${dir}/by-hash/SHA256/${expected.sha256}`, opts).catch((error: unknown) => {
      if (error instanceof DebianError && error.reason === 'not-on-mirror') return undefined;
      throw error;
    });
  }
  bytes ??= await fetchBytes(url, opts);
  checkBytes(bytes, expected, url);
  if (cached && opts.cacheDir) {
    await mkdir(opts.cacheDir, { recursive: true });
    await writeFile(`${cached}.tmp-${process.pid}`, bytes);
    await rename(`${cached}.tmp-${process.pid}`, cached);
  }
  return bytes;
}

async function decompress(bytes: Buffer, ext: (typeof COMPRESSIONS)[number], source: string): Promise<Buffer> {
  try {
    if (ext === '.xz') return await xz.decompress(bytes);
    if (ext === '.gz') return await promisify(gunzip)(bytes);
    return bytes;
  } catch (error) {
    throw new DebianError('bad-index', `${source}: cannot decompress: ${(error as Error).message}`);
  }
}

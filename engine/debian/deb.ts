// Unpacks a .deb's data.tar into a directory tree, refusing anything that could escape it.
import { closeSync, fchmodSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, symlinkSync, writeSync, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { lzma, xz } from '@napi-rs/lzma';
import { decompress as zstdDecompress } from 'fzstd';
import PQueue from 'p-queue';
import { readAr } from './ar.js';
import { DebianError } from './errors.js';
import { readTar, type TarEntry } from './tar.js';

/** Decompresses an xz stream; the default runs @napi-rs/lzma off the main thread. */
export type XzDecoder = (data: Buffer) => Promise<Buffer>;

/** Extracts the data of `debFile` into `destDir` (merging with what is there); returns the paths written. */
export async function unpackDeb(debFile: string, destDir: string, xzDecoder?: XzDecoder): Promise<string[]> {
  const tar = await readDataTar(debFile, xzDecoder);
  const tree = new Tree(resolve(destDir), debFile);
  mkdirSync(tree.root, { recursive: true });
  const written: string[] = [];
  let n = 0;
  for (const entry of readTar(tar, debFile)) {
    const path = tree.extract(entry);
    if (path !== undefined) written.push(path);
    // Let other work (downloads, other unpacks' decompression) run now and then.
    if (++n % 512 === 0) await new Promise((r) => setImmediate(r));
  }
  return written;
}

/**
 * Unpacks several .debs into one tree, `concurrency` at a time (decompression runs off the main
 * thread); the files in `first` (e.g. base-files, whose merged-/usr links others write through)
 * are unpacked before all others. Returns every path written.
 */
export async function unpackDebs(debFiles: string[], destDir: string, opts: { concurrency?: number; first?: string[]; xz?: XzDecoder } = {}): Promise<string[]> {
  const first = opts.first ?? [];
  const written: string[] = [];
  for (const file of first) written.push(...(await unpackDeb(file, destDir, opts.xz)));
  const queue = new PQueue({ concurrency: opts.concurrency ?? 2 });
  const rest = debFiles.filter((f) => !first.includes(f));
  const tasks = rest.map((file) => queue.add(() => unpackDeb(file, destDir, opts.xz), { throwOnTimeout: true }));
  try {
    for (const paths of await Promise.all(tasks)) written.push(...paths);
  } catch (error) {
    // Stop starting new ones and let the running ones finish before reporting the first failure.
    queue.clear();
    await Promise.allSettled(tasks);
    throw error;
  }
  return written;
}

/** The decompressed data.tar of a .deb. */
export async function readDataTar(debFile: string, xzDecoder: XzDecoder = (data) => xz.decompress(data)): Promise<Buffer> {
  const members = readAr(await readFile(debFile), debFile);
  if (members[0]?.name !== 'debian-binary' || !members[0].data.toString('latin1').startsWith('2.')) {
    throw new DebianError('bad-deb', `${debFile}: not a Debian binary package (no debian-binary 2.x first member)`);
  }
  const data = members.find((m) => m.name.startsWith('data.tar'));
  if (!data) throw new DebianError('bad-deb', `${debFile}: no data.tar member`);
  try {
    switch (data.name) {
      case 'data.tar': return data.data;
      case 'data.tar.xz': return await xzDecoder(data.data);
      case 'data.tar.lzma': return await lzma.decompress(data.data);
      case 'data.tar.gz': return await promisify(gunzip)(data.data);
      case 'data.tar.zst': return Buffer.from(zstdDecompress(data.data));
    }
  } catch (error) {
    throw new DebianError('bad-deb', `${debFile}: cannot decompress ${data.name}: ${(error as Error).message}`);
  }
  throw new DebianError('bad-deb', `${debFile}: unsupported data member ${data.name}`);
}

/** Splits a member path into components, refusing one that climbs above the root. */
function normalize(path: string, what: () => Error): string[] {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw what();
      out.pop();
    } else out.push(part);
  }
  return out;
}

/** The destination tree: every path is resolved inside it, following its symlinks as if it were `/`. */
class Tree {
  private readonly dirs = new Map<string, string[]>();

  constructor(
    readonly root: string,
    private readonly deb: string,
  ) {}

  /** Writes one member; returns its path when something was written, undefined for dirs and identical files. */
  extract(entry: TarEntry): string | undefined {
    const member = entry.path;
    const unsafe = (why: string) => new DebianError('unsafe-member', `${this.deb}: refused member ${member}: ${why}`, 'this package is malformed or malicious; nothing outside the destination was written');
    const parts = normalize(member, () => unsafe('its path escapes the destination'));
    if (entry.type === 'char' || entry.type === 'block' || entry.type === 'fifo') throw unsafe(`it is a ${entry.type === 'fifo' ? 'fifo' : `${entry.type} device`} node`);
    if (parts.length === 0) return undefined;
    const rel = parts.join('/');
    if (entry.type === 'dir') {
      this.dir(parts, member, true);
      return undefined;
    }
    const name = parts[parts.length - 1] as string;
    const parent = this.dir(parts.slice(0, -1), member, true) as string[];
    const target = join(this.root, ...parent, name);
    const existing = lstatOrUndefined(target);
    switch (entry.type) {
      case 'file': {
        const mode = (entry.mode & 0o777) | 0o200;
        if (existing) return this.same(existing, target, member, () => existing.isFile() && readFileSync(target).equals(entry.data) && ((existing.mode & 0o111) !== 0) === ((mode & 0o111) !== 0));
        const fd = openSync(target, 'wx', mode);
        try {
          let at = 0;
          while (at < entry.data.length) at += writeSync(fd, entry.data, at, entry.data.length - at);
          fchmodSync(fd, mode);
        } finally {
          closeSync(fd);
        }
        return rel;
      }
      case 'symlink': {
        // Absolute targets mean the tree's own root; only a climb above it is refused.
        const base = entry.linkname.startsWith('/') ? [] : parts.slice(0, -1);
        normalize([...base, entry.linkname].join('/'), () => unsafe(`its symlink target ${entry.linkname} escapes the destination`));
        if (existing) return this.same(existing, target, member, () => existing.isSymbolicLink() && readlinkSync(target) === entry.linkname);
        symlinkSync(entry.linkname, target);
        return rel;
      }
      case 'hardlink': {
        const linkParts = normalize(entry.linkname, () => unsafe(`its hard link target ${entry.linkname} escapes the destination`));
        const linkDir = this.dir(linkParts.slice(0, -1), member, false);
        const source = linkDir && linkParts.length > 0 ? join(this.root, ...linkDir, linkParts[linkParts.length - 1] as string) : undefined;
        const sourceStat = source ? lstatOrUndefined(source) : undefined;
        if (!source || !sourceStat?.isFile()) throw new DebianError('bad-deb', `${this.deb}: member ${member} is a hard link to ${entry.linkname}, which is not a file unpacked before it`);
        if (existing) return this.same(existing, target, member, () => existing.isFile() && readFileSync(target).equals(readFileSync(source)));
        linkSync(source, target);
        return rel;
      }
    }
  }

  /** An existing path is fine only when identical to the member (then nothing is written). */
  private same(existing: Stats, target: string, member: string, identical: () => boolean): undefined {
    if (existing.isDirectory() || !identical()) {
      throw new DebianError('file-conflict', `${this.deb}: member ${member} would overwrite a different existing ${existing.isDirectory() ? 'directory' : existing.isSymbolicLink() ? 'symlink' : 'file'} at ${target}`, 'two packages of the closure ship the same path; unpack them into separate trees or drop one');
    }
    return undefined;
  }

  /**
   * Resolves a directory path inside the tree to its real components (no symlinks left), following
   * symlinks with absolute targets taken from the tree's root; creates missing directories when asked.
   * Refuses a path that leaves the tree through a symlink.
   */
  private dir(parts: string[], member: string, create: boolean): string[] | undefined {
    const key = parts.join('/');
    const known = this.dirs.get(key);
    if (known) return known;
    const pending = [...parts];
    const real: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (real.length === 0) throw new DebianError('unsafe-member', `${this.deb}: refused member ${member}: it would be written through a symlink that points outside the destination`, 'this package is malformed or malicious; nothing outside the destination was written');
        real.pop();
        continue;
      }
      const path = join(this.root, ...real, part);
      const info = lstatOrUndefined(path);
      if (!info) {
        if (!create) return undefined;
        mkdirSync(path, { mode: 0o755 });
        real.push(part);
      } else if (info.isSymbolicLink()) {
        if (++hops > 40) throw new DebianError('unsafe-member', `${this.deb}: refused member ${member}: too many levels of symlinks`);
        const link = readlinkSync(path);
        if (link.startsWith('/')) real.length = 0;
        pending.unshift(...link.split('/'));
      } else if (info.isDirectory()) {
        real.push(part);
      } else {
        throw new DebianError('file-conflict', `${this.deb}: member ${member} needs ${[...real, part].join('/')} to be a directory, but it is a file`);
      }
    }
    this.dirs.set(key, real);
    return real;
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

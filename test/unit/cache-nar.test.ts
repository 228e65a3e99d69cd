// The cache's archive format: NAR writer and safe reader, gzip packing, and hostile archives.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArchiveError, narStream, unpackNar } from '../../engine/cache/nar-archive.js';
import { packArchive, unpackArchive } from '../../engine/cache/archive.js';
import { narHash } from '../../engine/store/nar.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'r4l-cache-nar-'));
});
afterEach(async () => {
  await fs.chmod(dir, 0o755).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(p);
  return Buffer.concat(parts);
}

async function* once(bytes: Buffer, chunk = 7): AsyncGenerator<Buffer> {
  // Small, odd-sized chunks exercise every boundary of the reader.
  for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
}

async function sampleTree(root: string): Promise<void> {
  await fs.mkdir(join(root, 'sub', 'deeper'), { recursive: true });
  await fs.writeFile(join(root, 'sub', 'greeting'), 'hello\n');
  await fs.writeFile(join(root, 'empty'), '');
  await fs.writeFile(join(root, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  await fs.writeFile(join(root, 'big.bin'), randomBytes(3 * 1024 * 1024 + 5));
  await fs.writeFile(join(root, 'sub', 'deeper', 'ünïcode name'), 'x');
  await fs.symlink('sub/greeting', join(root, 'link'));
  await fs.symlink('../greeting', join(root, 'sub', 'deeper', 'up'));
  await fs.symlink('/usr/bin/env', join(root, 'absolute'));
  await fs.mkdir(join(root, 'emptydir'));
}

// A tiny NAR writer for hostile inputs.
function s(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(bytes.length));
  return Buffer.concat([len, bytes, Buffer.alloc((8 - (bytes.length % 8)) % 8)]);
}
const file = (contents: string, executable = false): Buffer =>
  Buffer.concat([s('('), s('type'), s('regular'), ...(executable ? [s('executable'), s('')] : []), s('contents'), s(contents), s(')')]);
const link = (target: string): Buffer => Buffer.concat([s('('), s('type'), s('symlink'), s('target'), s(target), s(')')]);
const directory = (entries: [string | Buffer, Buffer][]): Buffer =>
  Buffer.concat([s('('), s('type'), s('directory'), ...entries.flatMap(([name, node]) => [s('entry'), s('('), s('name'), s(name), s('node'), node, s(')')]), s(')')]);
const nar = (node: Buffer): Buffer => Buffer.concat([s('nix-archive-1'), node]);

describe('NAR writer', () => {
  it('streams exactly the bytes whose sha256 is the store hash (narHash)', async () => {
    const root = join(dir, 'tree');
    await sampleTree(root);
    const bytes = await collect(narStream(root));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(await narHash(root));
  });

  it('serialises a single file and a symlink as the object itself', async () => {
    await fs.writeFile(join(dir, 'f'), 'data', { mode: 0o755 });
    await fs.symlink('/nowhere', join(dir, 'l'));
    for (const name of ['f', 'l']) {
      const bytes = await collect(narStream(join(dir, name)));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(await narHash(join(dir, name)));
    }
  });
});

describe('NAR reader', () => {
  it('round-trips a tree: modes, links, empty files and dirs, large and unicode files', async () => {
    const root = join(dir, 'tree');
    await sampleTree(root);
    const bytes = await collect(narStream(root));
    const out = join(dir, 'out');
    const got = await unpackNar(once(bytes, 4093), out);
    expect(got.narHash).toBe(await narHash(root));
    expect(got.narSize).toBe(bytes.length);
    expect(await narHash(out)).toBe(await narHash(root));
    expect((await fs.stat(join(out, 'run.sh'))).mode & 0o111).toBeTruthy();
    expect((await fs.stat(join(out, 'empty'))).mode & 0o111).toBe(0);
    expect(await fs.readlink(join(out, 'absolute'))).toBe('/usr/bin/env');
  });

  it('reads a stream cut into 1-byte chunks', async () => {
    const bytes = nar(directory([['a', file('abc', true)], ['b', link('a')], ['c', directory([])]]));
    const out = join(dir, 'out');
    await unpackNar(once(bytes, 1), out);
    expect(await fs.readFile(join(out, 'a'), 'utf8')).toBe('abc');
    expect(await fs.readlink(join(out, 'b'))).toBe('a');
  });

  it('unpacks a top-level file and an absolute top-level symlink', async () => {
    await unpackNar(once(nar(file('x'))), join(dir, 'f'));
    expect(await fs.readFile(join(dir, 'f'), 'utf8')).toBe('x');
    await unpackNar(once(nar(link('/bin/sh'))), join(dir, 'l'));
    expect(await fs.readlink(join(dir, 'l'))).toBe('/bin/sh');
  });

  const hostile: [string, Buffer, RegExp][] = [
    ['an entry named ..', nar(directory([['..', file('pwned')]])), /single file name|traversal/],
    ['an entry named .', nar(directory([['.', file('pwned')]])), /single file name/],
    ['an entry with a slash', nar(directory([['a/../../escape', file('pwned')]])), /traversal/],
    ['an empty entry name', nar(directory([['', file('x')]])), /single file name/],
    ['a NUL in a name', nar(directory([['a\0b', file('x')]])), /single file name/],
    ['unsorted entries', nar(directory([['b', file('1')], ['a', file('2')]])), /not sorted/],
    ['a repeated entry (a file, then a link of the same name)', nar(directory([['a', file('1')], ['a', link('/etc/passwd')]])), /not sorted or repeat/],
    ['a relative link that climbs out', nar(directory([['sub', directory([['evil', link('../../etc/passwd')]])]])), /escaping link/],
    ['a link climbing out through a later ..', nar(directory([['evil', link('a/../../x')]])), /escaping link/],
    ['a relative top-level link', nar(link('sibling')), /escaping link/],
    ['an empty link target', nar(directory([['l', link('')]])), /empty or NUL/],
    ['a device node type', nar(Buffer.concat([s('('), s('type'), s('chardev'), s(')')])), /not regular, symlink or directory/],
    ['a wrong magic', Buffer.concat([s('nix-archive-2'), file('x')]), /not a NAR/],
    ['a truncated archive', nar(file('abcdef')).subarray(0, 60), /truncated/],
    ['trailing bytes', Buffer.concat([nar(file('x')), s('more')]), /trailing/],
    ['a 1 MiB entry name', nar(directory([[Buffer.alloc(1 << 20, 0x61), file('x')]])), /at most/],
    ['a non-UTF-8 name', nar(directory([[Buffer.from([0xff, 0xfe]), file('x')]])), /UTF-8/],
    ['a contents length beyond the data', Buffer.concat([s('nix-archive-1'), s('('), s('type'), s('regular'), s('contents'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])]), /truncated/],
    ['an impossible length', Buffer.concat([s('nix-archive-1'), Buffer.alloc(8, 0xff)]), /impossible|not a NAR/],
  ];
  for (const [what, bytes, message] of hostile) {
    it(`refuses ${what}, writing nothing outside the destination`, async () => {
      const outside = join(dir, 'outside');
      await fs.mkdir(outside);
      const dest = join(outside, 'dest');
      const error = await unpackNar(once(bytes, 13), dest).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArchiveError);
      expect((error as Error).message).toMatch(message);
      const names = await fs.readdir(outside);
      expect(names.filter((n) => n !== 'dest')).toEqual([]);
      expect(await fs.readdir(dir)).toEqual(['outside']);
    });
  }

  it('refuses non-zero padding', async () => {
    const good = nar(file('abc'));
    const bad = Buffer.from(good);
    // The contents `abc` are followed by 5 padding bytes; the last string is `)` (8+8 bytes).
    bad[bad.length - 17] = 1;
    const error = await unpackNar(once(bad), join(dir, 'x')).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/padding is not zero/);
  });

  it('never writes through a link that is already at the destination', async () => {
    await fs.mkdir(join(dir, 'target'));
    await fs.symlink(join(dir, 'target'), join(dir, 'dest'));
    const error = await unpackNar(once(nar(directory([['x', file('pwned')]]))), join(dir, 'dest')).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('EEXIST');
    expect(await fs.readdir(join(dir, 'target'))).toEqual([]);
  });
});

describe('compressed archives', () => {
  it('pack → unpack gives back the object; packing is deterministic', async () => {
    const root = join(dir, 'tree');
    await sampleTree(root);
    const one = await packArchive(root, join(dir, 'one.nar.gz'));
    const two = await packArchive(root, join(dir, 'two.nar.gz'));
    expect(one.narHash).toBe(await narHash(root));
    expect(two.cas).toBe(one.cas);
    const bytes = await fs.readFile(join(dir, 'one.nar.gz'));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(one.cas);
    expect(bytes.length).toBe(one.size);
    const got = await unpackArchive(join(dir, 'one.nar.gz'), join(dir, 'out'));
    expect(got.narHash).toBe(one.narHash);
    expect(await narHash(join(dir, 'out'))).toBe(one.narHash);
  });

  it('refuses bytes that are not gzip', async () => {
    await fs.writeFile(join(dir, 'bad.gz'), nar(file('x')));
    await expect(unpackArchive(join(dir, 'bad.gz'), join(dir, 'out'))).rejects.toThrow(/not valid gzip/);
  });

  it('refuses trailing bytes after the NAR inside the gzip stream', async () => {
    await fs.writeFile(join(dir, 'x.gz'), gzipSync(Buffer.concat([nar(file('x')), Buffer.alloc(1 << 16)])));
    await expect(unpackArchive(join(dir, 'x.gz'), join(dir, 'out'))).rejects.toThrow(/trailing/);
  });
});

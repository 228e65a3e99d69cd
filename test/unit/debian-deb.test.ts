// unpackDeb on small .deb files built here: a normal tree, long names, and every refusal.
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DebianError } from '../../engine/debian/errors.js';
import { unpackDeb } from '../../engine/debian/deb.js';
import { makeDeb, type TestEntry } from '../fixtures/debian/debfile.js';

let work: string;
let dest: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'r4l-deb-'));
  dest = join(work, 'root');
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

async function deb(name: string, entries: TestEntry[], compression: 'gz' | 'xz' | 'none' = 'gz'): Promise<string> {
  const file = join(work, name);
  writeFileSync(file, await makeDeb(entries, compression));
  return file;
}

async function refusal(file: string): Promise<DebianError> {
  const error = await unpackDeb(file, dest).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DebianError);
  return error as DebianError;
}

/** Everything in the work dir except the dest tree and the .deb files: must stay empty. */
function outside(): string[] {
  return readdirSync(work).filter((n) => n !== 'root' && !n.endsWith('.deb'));
}

const longDir = `./usr/share/${'d'.repeat(90)}/${'e'.repeat(40)}`;

const normalTree: TestEntry[] = [
  { path: './', type: 'dir' },
  { path: './usr/', type: 'dir' },
  { path: './usr/bin/', type: 'dir' },
  { path: './usr/bin/hello', data: '#!/bin/sh\necho hi\n', mode: 0o755 },
  { path: './usr/lib/x86_64-linux-gnu/libfoo.so.1', data: 'ELF', mode: 0o444 },
  { path: './usr/lib/x86_64-linux-gnu/libfoo.so', type: 'symlink', linkname: '/usr/lib/x86_64-linux-gnu/libfoo.so.1' },
  { path: './usr/bin/hello-again', type: 'hardlink', linkname: './usr/bin/hello' },
  { path: './usr/share/doc/hello/link', type: 'symlink', linkname: '../../../bin/hello' },
  { path: `${longDir}/gnu-long-name.txt`, data: 'gnu' },
  { path: `${longDir}/pax-long-name.txt`, data: 'pax', longName: 'pax' },
  { path: './usr/share/empty/', type: 'dir', mode: 0o700 },
];

describe('unpackDeb', () => {
  it('unpacks a normal tree: modes, symlinks, hard links, long names', async () => {
    const written = await unpackDeb(await deb('ok.deb', normalTree), dest);
    expect(written.sort()).toEqual([
      'usr/bin/hello',
      'usr/bin/hello-again',
      'usr/lib/x86_64-linux-gnu/libfoo.so',
      'usr/lib/x86_64-linux-gnu/libfoo.so.1',
      `${longDir.slice(2)}/gnu-long-name.txt`,
      `${longDir.slice(2)}/pax-long-name.txt`,
      'usr/share/doc/hello/link',
    ].sort());
    expect(readFileSync(join(dest, 'usr/bin/hello'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(statSync(join(dest, 'usr/bin/hello')).mode & 0o777).toBe(0o755);
    // Read-only files become owner-writable; no exec bit is invented.
    expect(statSync(join(dest, 'usr/lib/x86_64-linux-gnu/libfoo.so.1')).mode & 0o777).toBe(0o644);
    expect(readlinkSync(join(dest, 'usr/lib/x86_64-linux-gnu/libfoo.so'))).toBe('/usr/lib/x86_64-linux-gnu/libfoo.so.1');
    expect(statSync(join(dest, 'usr/bin/hello-again')).ino).toBe(statSync(join(dest, 'usr/bin/hello')).ino);
    expect(readFileSync(join(dest, longDir, 'gnu-long-name.txt'), 'utf8')).toBe('gnu');
    expect(readFileSync(join(dest, longDir, 'pax-long-name.txt'), 'utf8')).toBe('pax');
    expect(lstatSync(join(dest, 'usr/share/empty')).isDirectory()).toBe(true);
  });

  it('reads xz and uncompressed data members too', async () => {
    await unpackDeb(await deb('xz.deb', [{ path: './a/x', data: 'xz' }], 'xz'), dest);
    await unpackDeb(await deb('none.deb', [{ path: './a/y', data: 'plain' }], 'none'), dest);
    expect(readFileSync(join(dest, 'a/x'), 'utf8')).toBe('xz');
    expect(readFileSync(join(dest, 'a/y'), 'utf8')).toBe('plain');
  });

  it('merges several packages into one tree and writes through in-tree symlinks (merged /usr)', async () => {
    await unpackDeb(await deb('base-files.deb', [{ path: './usr/lib/', type: 'dir' }, { path: './lib', type: 'symlink', linkname: 'usr/lib' }, { path: './lib64', type: 'symlink', linkname: '/usr/lib64' }]), dest);
    await unpackDeb(await deb('libc.deb', [{ path: './lib/', type: 'dir' }, { path: './lib/ld.so', data: 'ld' }, { path: './lib64/ld-linux.so', data: 'ld64' }]), dest);
    expect(lstatSync(join(dest, 'lib')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dest, 'usr/lib/ld.so'), 'utf8')).toBe('ld');
    // The absolute link /usr/lib64 means the tree's own usr/lib64, not the host's.
    expect(readFileSync(join(dest, 'usr/lib64/ld-linux.so'), 'utf8')).toBe('ld64');
    expect(outside()).toEqual([]);
  });

  it('accepts an identical file twice and refuses a different one', async () => {
    await unpackDeb(await deb('a.deb', [{ path: './etc/same', data: 'x' }, { path: './etc/other', data: 'one' }]), dest);
    expect(await unpackDeb(await deb('b.deb', [{ path: './etc/same', data: 'x' }]), dest)).toEqual([]);
    const error = await refusal(await deb('c.deb', [{ path: './etc/other', data: 'two' }]));
    expect(error.reason).toBe('file-conflict');
    expect(error.message).toBe(`${join(work, 'c.deb')}: member ./etc/other would overwrite a different existing file at ${join(dest, 'etc/other')}`);
  });

  it('refuses a member whose path climbs out with ../', async () => {
    const file = await deb('evil.deb', [{ path: './usr/', type: 'dir' }, { path: '../evil', data: 'pwned' }]);
    const error = await refusal(file);
    expect(error.reason).toBe('unsafe-member');
    expect(error.message).toBe(`${file}: refused member ../evil: its path escapes the destination`);
    expect(existsSync(join(work, 'evil'))).toBe(false);
    expect(outside()).toEqual([]);
  });

  it('refuses ../ hidden in the middle of a path', async () => {
    const file = await deb('evil2.deb', [{ path: './usr/../../evil', data: 'pwned' }]);
    expect((await refusal(file)).message).toBe(`${file}: refused member ./usr/../../evil: its path escapes the destination`);
    expect(outside()).toEqual([]);
  });

  it('refuses a symlink that climbs out of the tree', async () => {
    const file = await deb('link.deb', [{ path: './usr/share/etc', type: 'symlink', linkname: '../../../etc' }]);
    const error = await refusal(file);
    expect(error.reason).toBe('unsafe-member');
    expect(error.message).toBe(`${file}: refused member ./usr/share/etc: its symlink target ../../../etc escapes the destination`);
    expect(existsSync(join(dest, 'usr/share/etc'))).toBe(false);
  });

  it('refuses an absolute symlink target that climbs above the root', async () => {
    const file = await deb('abs.deb', [{ path: './usr/x', type: 'symlink', linkname: '/../etc/passwd' }]);
    expect((await refusal(file)).message).toBe(`${file}: refused member ./usr/x: its symlink target /../etc/passwd escapes the destination`);
  });

  it('refuses to write through a symlink that points outside (planted before)', async () => {
    // A link left in the tree by something else: its target leaves the tree.
    await unpackDeb(await deb('ok.deb', [{ path: './usr/', type: 'dir' }]), dest);
    const { symlinkSync } = await import('node:fs');
    symlinkSync('../../outside', join(dest, 'usr/out'));
    const file = await deb('through.deb', [{ path: './usr/out/file', data: 'pwned' }]);
    const error = await refusal(file);
    expect(error.reason).toBe('unsafe-member');
    expect(error.message).toBe(`${file}: refused member ./usr/out/file: it would be written through a symlink that points outside the destination`);
    expect(outside()).toEqual([]);
  });

  it('writes through an absolute in-tree symlink inside the tree, never on the host', async () => {
    const file = await deb('etc.deb', [{ path: './etc', type: 'symlink', linkname: '/srv/etc' }, { path: './etc/passwd', data: 'root:x:0:0::/root:/bin/sh\n' }]);
    await unpackDeb(file, dest);
    expect(readFileSync(join(dest, 'srv/etc/passwd'), 'utf8')).toBe('root:x:0:0::/root:/bin/sh\n');
  });

  it('refuses a character device member', async () => {
    const file = await deb('dev.deb', [{ path: './dev/', type: 'dir' }, { path: './dev/console', type: 'char' }]);
    const error = await refusal(file);
    expect(error.reason).toBe('unsafe-member');
    expect(error.message).toBe(`${file}: refused member ./dev/console: it is a char device node`);
    expect(existsSync(join(dest, 'dev/console'))).toBe(false);
  });

  it('refuses a fifo member', async () => {
    const file = await deb('fifo.deb', [{ path: './run/pipe', type: 'fifo' }]);
    expect((await refusal(file)).message).toBe(`${file}: refused member ./run/pipe: it is a fifo node`);
  });

  it('refuses a file that is not a .deb', async () => {
    const file = join(work, 'junk.deb');
    writeFileSync(file, 'not an archive');
    const error = await refusal(file);
    expect(error.reason).toBe('bad-deb');
    expect(error.message).toBe(`${file}: not an ar archive (bad magic)`);
  });
});

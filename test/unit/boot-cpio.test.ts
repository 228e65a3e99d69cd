// The newc writer: parsed back with a strict reader written from the format (and the kernel's
// init/initramfs.c alignment rules), deterministic bytes, and a gzip with a fixed header.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compareCpioPaths, CPIO_HEADER_SIZE, gzipDeterministic, normalizeCpioPath, writeCpio, type CpioEntry } from '../../engine/boot/cpio.js';
import { initramfsEntries } from '../../engine/boot/initramfs-layout.js';
import { renderInit } from '../../engine/boot/init-script.js';

interface Parsed {
  name: string;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  devmajor: number;
  devminor: number;
  rdevmajor: number;
  rdevminor: number;
  check: number;
  data: Buffer;
  /** Offset of the header in the archive. */
  offset: number;
}

const align4 = (n: number): number => (n + 3) & ~3;
/** The kernel's N_ALIGN (init/initramfs.c): bytes of name plus padding after the 110-byte header. */
const kernelNameAlign = (len: number): number => ((len + 1) & ~3) + 2;

/** A strict newc reader: magic, 13 fields of 8 hex digits, NUL-terminated names, zero padding. */
function readNewc(archive: Buffer): Parsed[] {
  const out: Parsed[] = [];
  let offset = 0;
  for (;;) {
    expect(offset % 4, `header at ${offset} is 4-aligned`).toBe(0);
    expect(archive.toString('ascii', offset, offset + 6)).toBe('070701');
    const fields: number[] = [];
    for (let i = 0; i < 13; i++) {
      const text = archive.toString('ascii', offset + 6 + i * 8, offset + 14 + i * 8);
      expect(text).toMatch(/^[0-9A-F]{8}$/);
      fields.push(parseInt(text, 16));
    }
    const [ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check] = fields as [
      number, number, number, number, number, number, number, number, number, number, number, number, number,
    ];
    const nameStart = offset + CPIO_HEADER_SIZE;
    expect(namesize).toBeGreaterThan(1);
    expect(archive[nameStart + namesize - 1], 'name ends with NUL').toBe(0);
    const name = archive.toString('utf8', nameStart, nameStart + namesize - 1);
    expect(name.includes('\0')).toBe(false);
    const dataStart = align4(nameStart + namesize);
    expect(dataStart - nameStart, 'name padding matches the kernel N_ALIGN').toBe(kernelNameAlign(namesize));
    expect(archive.subarray(nameStart + namesize, dataStart).every((b) => b === 0)).toBe(true);
    const data = archive.subarray(dataStart, dataStart + filesize);
    const next = align4(dataStart + filesize);
    expect(archive.subarray(dataStart + filesize, next).every((b) => b === 0)).toBe(true);
    out.push({ name, ino, mode, uid, gid, nlink, mtime, devmajor, devminor, rdevmajor, rdevminor, check, data, offset });
    offset = next;
    if (name === 'TRAILER!!!') break;
  }
  expect(archive.length % 512).toBe(0);
  expect(archive.subarray(offset).every((b) => b === 0)).toBe(true);
  return out;
}

const sample: CpioEntry[] = [
  { path: '/init', type: 'file', mode: 0o755, data: Buffer.from('#!/bin/busybox sh\necho hi\n') },
  { path: '/bin/sh', type: 'symlink', mode: 0o777, target: 'busybox' },
  { path: '/bin/busybox', type: 'file', mode: 0o755, data: Buffer.from('\x7fELF fake busybox') },
  { path: '/dev/console', type: 'char', mode: 0o600, major: 5, minor: 1 },
  { path: '/dev', type: 'dir', mode: 0o755 },
  { path: '/lib/modules-r4l/hello_world.ko', type: 'file', mode: 0o644, data: Buffer.alloc(7) },
  { path: '/tmp', type: 'dir', mode: 0o1777 },
  { path: '/empty', type: 'file', mode: 0o644 },
];

describe('writeCpio', () => {
  it('writes a newc archive that parses back, sorted, with fixed owners, times and inodes', () => {
    const parsed = readNewc(writeCpio(sample, { mtime: 1700000000 }));
    expect(parsed.map((e) => e.name)).toEqual([
      'bin', 'bin/busybox', 'bin/sh', 'dev', 'dev/console', 'empty', 'init', 'lib', 'lib/modules-r4l',
      'lib/modules-r4l/hello_world.ko', 'tmp', 'TRAILER!!!',
    ]);
    const members = parsed.slice(0, -1);
    expect(members.map((e) => e.ino)).toEqual(members.map((_, i) => i + 1));
    for (const e of members) {
      expect([e.uid, e.gid, e.mtime, e.check, e.devmajor, e.devminor]).toEqual([0, 0, 1700000000, 0, 0, 0]);
      expect(e.nlink).toBe((e.mode & 0o170000) === 0o040000 ? 2 : 1);
    }
    const byName = new Map(parsed.map((e) => [e.name, e]));
    expect(byName.get('bin')?.mode).toBe(0o040755); // added parent
    expect(byName.get('lib/modules-r4l')?.mode).toBe(0o040755);
    expect(byName.get('tmp')?.mode).toBe(0o041777);
    expect(byName.get('init')?.mode).toBe(0o100755);
    expect(byName.get('init')?.data.toString()).toBe('#!/bin/busybox sh\necho hi\n');
    expect(byName.get('bin/sh')?.mode).toBe(0o120777);
    expect(byName.get('bin/sh')?.data.toString()).toBe('busybox'); // no NUL in the body
    expect(byName.get('dev/console')).toMatchObject({ mode: 0o020600, rdevmajor: 5, rdevminor: 1, data: Buffer.alloc(0) });
    expect(byName.get('empty')?.data.length).toBe(0);
    expect(byName.get('lib/modules-r4l/hello_world.ko')?.data).toEqual(Buffer.alloc(7));
    expect(byName.get('TRAILER!!!')).toMatchObject({ ino: 0, mode: 0, nlink: 1, mtime: 0 });
  });

  it('writes the same bytes every time, whatever the input order', () => {
    const one = writeCpio(sample, { mtime: 42 });
    expect(writeCpio(sample, { mtime: 42 }).equals(one)).toBe(true);
    expect(writeCpio([...sample].reverse(), { mtime: 42 }).equals(one)).toBe(true);
    expect(writeCpio(sample, { mtime: 43 }).equals(one)).toBe(false);
  });

  it('lays out the first header byte for byte', () => {
    const archive = writeCpio([{ path: 'a', type: 'file', mode: 0o644, data: Buffer.from('xyz') }], { mtime: 0x10 });
    // magic, ino 1, mode 0100644, uid, gid, nlink 1, mtime 0x10, size 3, dev 0:0, rdev 0:0, namesize 2, check 0
    expect(archive.toString('ascii', 0, 110)).toBe(
      '070701' + '00000001' + '000081A4' + '00000000' + '00000000' + '00000001' + '00000010' + '00000003' +
        '00000000' + '00000000' + '00000000' + '00000000' + '00000002' + '00000000',
    );
    // name "a" + NUL ends at 112 (aligned), body "xyz" + 1 byte of padding, then the trailer header at 116.
    expect([...archive.subarray(110, 120)]).toEqual([0x61, 0, 0x78, 0x79, 0x7a, 0, 0x30, 0x37, 0x30, 0x37]);
    expect(archive.length).toBe(512);
  });

  it('pads names so that header + name is a multiple of 4, for every name length', () => {
    for (let length = 1; length <= 9; length++) {
      const parsed = readNewc(writeCpio([{ path: 'n'.repeat(length), type: 'file', mode: 0o644, data: Buffer.from('d'.repeat(length)) }]));
      expect(parsed[0]?.name).toBe('n'.repeat(length));
      expect(parsed[0]?.data.toString()).toBe('d'.repeat(length));
    }
  });

  it('orders component by component, so a directory is followed by its contents', () => {
    expect(['a-b', 'a/b', 'a', 'a/b/c', 'a.b'].sort(compareCpioPaths)).toEqual(['a', 'a/b', 'a/b/c', 'a-b', 'a.b']);
  });

  it('refuses what the kernel would not unpack as meant', () => {
    expect(() => normalizeCpioPath('/')).toThrow(/archive root/);
    expect(() => normalizeCpioPath('a/../b')).toThrow(/"\.\."/);
    expect(normalizeCpioPath('//bin/./sh/')).toBe('bin/sh');
    expect(() => writeCpio([{ path: 'x', type: 'file', mode: 0o644 }, { path: '/x', type: 'file', mode: 0o644 }])).toThrow(/listed twice/);
    expect(() => writeCpio([{ path: 'f', type: 'file', mode: 0o644 }, { path: 'f/g', type: 'file', mode: 0o644 }])).toThrow(/needs it to be a directory/);
    expect(() => writeCpio([{ path: 'f', type: 'file', mode: 0o100644 }])).toThrow(/beyond 07777/);
    expect(() => writeCpio([{ path: 'l', type: 'symlink', mode: 0o777 }])).toThrow(/no target/);
    expect(() => writeCpio([{ path: 'x', type: 'file', mode: 0o644 }], { mtime: -1 })).toThrow(/does not fit/);
  });
});

describe('initramfsEntries', () => {
  it('lays out busybox, its applet links, /dev/console, /init and the modules', () => {
    const init = renderInit({ script: ['insmod $R4L_MODULES/hello_world.ko'] });
    const entries = initramfsEntries({
      busybox: Buffer.from('busybox'),
      applets: ['sh', 'insmod', 'rmmod', 'reboot', 'mount', 'sh'],
      init,
      modules: [{ name: 'hello_world.ko', data: Buffer.from('ko') }],
    });
    const parsed = readNewc(writeCpio(entries));
    const names = parsed.map((e) => e.name);
    expect(names).toEqual([
      'bin', 'bin/busybox', 'bin/insmod', 'bin/mount', 'bin/reboot', 'bin/rmmod', 'bin/sh', 'dev', 'dev/console', 'init', 'lib',
      'lib/modules-r4l', 'lib/modules-r4l/hello_world.ko', 'proc', 'root', 'sbin', 'sys', 'tmp', 'usr', 'usr/bin', 'usr/sbin', 'TRAILER!!!',
    ]);
    const byName = new Map(parsed.map((e) => [e.name, e]));
    expect(byName.get('bin/insmod')?.data.toString()).toBe('busybox');
    expect(byName.get('init')?.data.toString()).toBe(init);
    expect(byName.get('dev/console')).toMatchObject({ rdevmajor: 5, rdevminor: 1, mode: 0o020600 });
    expect(() => initramfsEntries({ busybox: Buffer.alloc(0), applets: ['../x'], init, modules: [] })).toThrow(/not an applet name/);
    expect(() => initramfsEntries({ busybox: Buffer.alloc(0), applets: [], init, modules: [{ name: 'a/b.ko', data: Buffer.alloc(0) }] })).toThrow(/plain file name/);
  });
});

describe('gzipDeterministic', () => {
  it('writes a fixed header (no name, mtime 0, OS Unix) and round-trips', () => {
    const archive = writeCpio(sample);
    const gz = gzipDeterministic(archive);
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
    expect(gunzipSync(gz).equals(archive)).toBe(true);
    expect(gzipDeterministic(archive).equals(gz)).toBe(true);
  });
});

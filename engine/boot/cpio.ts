// A deterministic cpio "newc" writer (the initramfs format the kernel unpacks, see the kernel's
// Documentation/driver-api/early-userspace/buffer-format.rst and usr/gen_init_cpio.c), and a
// gzip with a fixed header. Pure: bytes in, bytes out.
import { gzipSync } from 'node:zlib';

/** The kinds of entry an initramfs needs. */
export type CpioEntryType = 'dir' | 'file' | 'symlink' | 'char';

/** One archive member. `mode` is the permission bits only (e.g. 0o755); the type bits come from `type`. */
export interface CpioEntry {
  /** Path inside the archive; a leading `/` is optional (`/bin/busybox` and `bin/busybox` are the same). */
  path: string;
  type: CpioEntryType;
  mode: number;
  /** File contents (`file` only; absent means empty). */
  data?: Buffer;
  /** Link target, stored as the symlink's body without a NUL (`symlink` only). */
  target?: string;
  /** Device numbers (`char` only). */
  major?: number;
  minor?: number;
}

/** Options of {@link writeCpio}. */
export interface CpioOptions {
  /** The mtime of every entry, in seconds since the epoch (SOURCE_DATE_EPOCH); default 0. */
  mtime?: number;
}

/** The newc magic (no checksums); the kernel also accepts 070702, which r4l never writes. */
export const CPIO_NEWC_MAGIC = '070701';
/** Size of a newc header: 6 bytes of magic and 13 fields of 8 hex digits. */
export const CPIO_HEADER_SIZE = 110;
/** The name of the end-of-archive entry. */
export const CPIO_TRAILER = 'TRAILER!!!';

const TYPE_BITS: Record<CpioEntryType, number> = {
  dir: 0o040000,
  file: 0o100000,
  symlink: 0o120000,
  char: 0o020000,
};
const MAX_FIELD = 0xffffffff;
/** The kernel ignores entries whose name (with its NUL) is longer than PATH_MAX. */
const PATH_MAX = 4096;

/** Normalises an archive path: no leading `/`, no empty, `.` or `..` components. */
export function normalizeCpioPath(input: string): string {
  const parts = input.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0) throw new Error(`cpio: path ${JSON.stringify(input)} names the archive root; the root exists already`);
  if (parts.includes('..')) throw new Error(`cpio: path ${JSON.stringify(input)} contains "..": archive paths must stay inside the archive`);
  return parts.join('/');
}

/** Orders paths component by component (bytewise), so a directory comes right before its contents. */
export function compareCpioPaths(a: string, b: string): number {
  const left = a.split('/');
  const right = b.split('/');
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const order = Buffer.compare(Buffer.from(left[i] ?? '', 'utf8'), Buffer.from(right[i] ?? '', 'utf8'));
    if (order !== 0) return order;
  }
  return left.length - right.length;
}

function field(value: number, what: string, path: string): string {
  if (!Number.isInteger(value) || value < 0 || value > MAX_FIELD) {
    throw new Error(`cpio: ${what} ${value} of ${JSON.stringify(path)} does not fit a newc header field (0..0xFFFFFFFF)`);
  }
  return value.toString(16).toUpperCase().padStart(8, '0');
}

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

interface Member {
  name: string;
  ino: number;
  mode: number;
  nlink: number;
  mtime: number;
  body: Buffer;
  rdevMajor: number;
  rdevMinor: number;
}

/** Header, NUL-terminated name padded so that header + name is a multiple of 4, body padded to 4. */
function member(m: Member): Buffer[] {
  const name = Buffer.from(m.name + '\0', 'utf8');
  if (name.length > PATH_MAX) throw new Error(`cpio: path ${JSON.stringify(m.name)} is longer than PATH_MAX (${PATH_MAX})`);
  const header =
    CPIO_NEWC_MAGIC +
    field(m.ino, 'inode', m.name) +
    field(m.mode, 'mode', m.name) +
    field(0, 'uid', m.name) +
    field(0, 'gid', m.name) +
    field(m.nlink, 'nlink', m.name) +
    field(m.mtime, 'mtime', m.name) +
    field(m.body.length, 'size', m.name) +
    field(0, 'devmajor', m.name) +
    field(0, 'devminor', m.name) +
    field(m.rdevMajor, 'rdevmajor', m.name) +
    field(m.rdevMinor, 'rdevminor', m.name) +
    field(name.length, 'namesize', m.name) +
    field(0, 'check', m.name);
  const parts = [Buffer.from(header, 'ascii'), name, pad4(CPIO_HEADER_SIZE + name.length)];
  if (m.body.length > 0) parts.push(m.body, pad4(m.body.length));
  return parts;
}

/** Fills in the parent directories an entry list leaves out (mode 0755), checks for duplicates. */
function complete(entries: CpioEntry[]): Map<string, CpioEntry> {
  const byPath = new Map<string, CpioEntry>();
  for (const entry of entries) {
    const path = normalizeCpioPath(entry.path);
    if (byPath.has(path)) throw new Error(`cpio: ${JSON.stringify(path)} is listed twice`);
    byPath.set(path, { ...entry, path });
  }
  for (const path of [...byPath.keys()]) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const existing = byPath.get(parent);
      if (existing === undefined) byPath.set(parent, { path: parent, type: 'dir', mode: 0o755 });
      else if (existing.type !== 'dir') throw new Error(`cpio: ${JSON.stringify(parent)} is a ${existing.type} but ${JSON.stringify(path)} needs it to be a directory`);
    }
  }
  return byPath;
}

/**
 * Writes a newc archive: entries sorted by path (parents first), uid/gid 0, one fixed mtime, inodes
 * 1, 2, … in that order, nlink 2 for directories and 1 otherwise (as gen_init_cpio does), the
 * `TRAILER!!!` entry, and zero padding to a 512-byte multiple (as gen_init_cpio and GNU cpio do).
 */
export function writeCpio(entries: CpioEntry[], options: CpioOptions = {}): Buffer {
  const mtime = options.mtime ?? 0;
  const sorted = [...complete(entries).values()].sort((a, b) => compareCpioPaths(a.path, b.path));
  const parts: Buffer[] = [];
  let ino = 1;
  for (const entry of sorted) {
    if ((entry.mode & ~0o7777) !== 0) throw new Error(`cpio: mode ${entry.mode.toString(8)} of ${JSON.stringify(entry.path)} has bits beyond 07777; give the permissions only`);
    if (entry.type !== 'file' && entry.data !== undefined) throw new Error(`cpio: ${JSON.stringify(entry.path)} is a ${entry.type} but has data`);
    if (entry.type !== 'symlink' && entry.target !== undefined) throw new Error(`cpio: ${JSON.stringify(entry.path)} is a ${entry.type} but has a link target`);
    let body: Buffer = Buffer.alloc(0);
    if (entry.type === 'file') body = entry.data ?? body;
    if (entry.type === 'symlink') {
      if (!entry.target) throw new Error(`cpio: symlink ${JSON.stringify(entry.path)} has no target`);
      body = Buffer.from(entry.target, 'utf8');
    }
    parts.push(...member({
      name: entry.path,
      ino: ino++,
      mode: TYPE_BITS[entry.type] | entry.mode,
      nlink: entry.type === 'dir' ? 2 : 1,
      mtime,
      body,
      rdevMajor: entry.type === 'char' ? entry.major ?? 0 : 0,
      rdevMinor: entry.type === 'char' ? entry.minor ?? 0 : 0,
    }));
  }
  parts.push(...member({ name: CPIO_TRAILER, ino: 0, mode: 0, nlink: 1, mtime: 0, body: Buffer.alloc(0), rdevMajor: 0, rdevMinor: 0 }));
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  parts.push(Buffer.alloc((512 - (length % 512)) % 512));
  return Buffer.concat(parts);
}

/** Offset of the OS byte in a gzip member header (RFC 1952, section 2.3). */
const GZIP_OS_OFFSET = 9;
/** OS = 3 (Unix), what zlib writes on every Unix; forced so the bytes never depend on the host. */
const GZIP_OS_UNIX = 3;

/**
 * Gzip with a fixed header: node:zlib's gzipSync writes no file name, no comment, no header CRC and
 * mtime 0 (bytes 4..7), XFL 2 at level 9; only the OS byte is platform-dependent in zlib (3 on Unix),
 * so it is forced to 3. The deflate stream itself is a function of the input and the zlib build
 * (process.versions.zlib): bit-identical for one Node build, not promised across zlib versions.
 */
export function gzipDeterministic(input: Buffer): Buffer {
  const out = gzipSync(input, { level: 9 });
  out[GZIP_OS_OFFSET] = GZIP_OS_UNIX;
  return out;
}

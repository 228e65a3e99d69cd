// The archive format of the remote cache: a store object serialised as a Nix Archive (NAR), the
// very bytes whose sha256 names the object (engine/store/nar.ts), so an archive checks itself.
//
// The writer streams (a kernel build tree does not fit in memory). The reader unpacks into a
// directory that must not exist yet and is built to be safe on hostile input:
//   - every entry name is one path component (no `/`, `.`, `..`, NUL, empty), valid UTF-8, and
//     names in a directory are strictly increasing (as NAR requires), so there are no duplicates;
//   - nothing is ever created through a link: files are opened O_CREAT|O_EXCL, directories and
//     links are created fresh, inside directories the reader itself just made;
//   - a relative symlink target may not climb out of the object (`../../etc`), and a top-level
//     symlink may not be relative at all. Absolute targets are kept as data: a root-filesystem
//     tree (debian-packages) is full of them, and they resolve inside the sandbox, where the tree
//     is `/`;
//   - strings have size limits, padding must be zero, trailing bytes are refused.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

const MAGIC = 'nix-archive-1';
const CHUNK = 1 << 20;
const MAX_NAME = 255;
const MAX_TARGET = 4095;
const MAX_TOKEN = 64;
const MAX_DEPTH = 512;
/** Files up to this size are written in the background (see WritePool). */
const SMALL_FILE = 256 * 1024;
const WRITES_IN_FLIGHT = 32;

function lengthBytes(length: number): Buffer {
  const header = Buffer.alloc(8);
  header.writeBigUInt64LE(BigInt(length));
  return header;
}

function padding(length: number): Buffer {
  const rest = length % 8;
  return rest ? Buffer.alloc(8 - rest) : Buffer.alloc(0);
}

function str(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([lengthBytes(bytes.length), bytes, padding(bytes.length)]);
}

/** The NAR serialisation of a file, directory or symlink, as a stream of chunks. */
export async function* narStream(target: string): AsyncGenerator<Buffer> {
  yield str(MAGIC);
  yield* narNode(target);
}

async function* narNode(target: string): AsyncGenerator<Buffer> {
  const st = await fs.lstat(target);
  if (st.isSymbolicLink()) {
    yield Buffer.concat([str('('), str('type'), str('symlink'), str('target'), str(await fs.readlink(target, { encoding: 'buffer' })), str(')')]);
  } else if (st.isFile()) {
    const head = [str('('), str('type'), str('regular')];
    if (st.mode & 0o100) head.push(str('executable'), str(''));
    head.push(str('contents'), lengthBytes(st.size));
    yield Buffer.concat(head);
    const handle = await fs.open(target, 'r');
    try {
      let done = 0;
      while (done < st.size) {
        const buffer = Buffer.allocUnsafe(Math.min(CHUNK, st.size - done));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, done);
        if (bytesRead === 0) throw new Error(`${target} shrank while it was being archived`);
        done += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
    yield Buffer.concat([padding(st.size), str(')')]);
  } else if (st.isDirectory()) {
    yield Buffer.concat([str('('), str('type'), str('directory')]);
    const names = (await fs.readdir(target, { encoding: 'buffer' })).sort(Buffer.compare);
    for (const name of names) {
      yield Buffer.concat([str('entry'), str('('), str('name'), str(name), str('node')]);
      yield* narNode(path.join(target, name.toString('utf8')));
      yield str(')');
    }
    yield str(')');
  } else {
    throw new Error(`${target}: only files, directories and symlinks can be archived (found a special file)`);
  }
}

/**
 * File creations run a few at a time in the background while the parser reads on: a tree of
 * 100,000 small files is bound by file system round trips, not by parsing. Parents exist first,
 * since directories are created in order by the parser itself.
 */
class WritePool {
  private readonly running = new Set<Promise<void>>();
  private failure: unknown;

  constructor(private readonly limit: number) {}

  async add(write: () => Promise<void>): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.running.size >= this.limit) await Promise.race(this.running);
    const task: Promise<void> = write()
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  /** Waits for every write, without throwing. */
  async settle(): Promise<void> {
    await Promise.all(this.running);
  }

  /** Waits for every write; throws the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    if (this.failure) throw this.failure;
  }
}

async function writeNewFile(file: string, contents: Buffer, mode: number): Promise<void> {
  const handle = await fs.open(file, 'wx', mode);
  try {
    await handle.writeFile(contents);
    await handle.chmod(mode); // exact bits whatever the umask
  } finally {
    await handle.close();
  }
}

/** A refusal to unpack: the archive is malformed or unsafe. */
export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveError';
  }
}

/** Pulls exact byte counts out of a stream of chunks, hashing everything it consumes. */
class ChunkReader {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly iterator: AsyncIterator<Buffer | Uint8Array | string>;
  private readonly hash = createHash('sha256');
  consumed = 0;

  constructor(source: AsyncIterable<Buffer | Uint8Array | string>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  private async more(): Promise<boolean> {
    const next = await this.iterator.next();
    if (next.done) return false;
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    this.hash.update(chunk);
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    return true;
  }

  async take(n: number): Promise<Buffer> {
    while (this.buffer.length < n) {
      if (!(await this.more())) throw new ArchiveError(`archive truncated at byte ${this.consumed + this.buffer.length}`);
    }
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    this.consumed += n;
    return out;
  }

  /** Hands n bytes to sink in chunks, without holding them all. */
  async pipe(n: number, sink: (chunk: Buffer) => Promise<void>): Promise<void> {
    let left = n;
    while (left > 0) {
      if (!this.buffer.length && !(await this.more())) throw new ArchiveError(`archive truncated at byte ${this.consumed}`);
      const part = this.buffer.subarray(0, Math.min(left, this.buffer.length));
      this.buffer = this.buffer.subarray(part.length);
      this.consumed += part.length;
      left -= part.length;
      await sink(part);
    }
  }

  /** Requires the end of the stream; returns the sha256 (hex) of every byte read. */
  async finish(): Promise<string> {
    if (this.buffer.length || (await this.more())) throw new ArchiveError(`archive has trailing bytes after byte ${this.consumed}`);
    return this.hash.digest('hex');
  }
}

async function readLength(reader: ChunkReader): Promise<number> {
  const value = (await reader.take(8)).readBigUInt64LE();
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ArchiveError(`archive string length ${value} is impossible`);
  return Number(value);
}

async function readPadding(reader: ChunkReader, length: number): Promise<void> {
  const rest = length % 8;
  if (!rest) return;
  const pad = await reader.take(8 - rest);
  if (pad.some((b) => b !== 0)) throw new ArchiveError(`archive padding is not zero at byte ${reader.consumed}`);
}

async function readBytes(reader: ChunkReader, max: number, what: string): Promise<Buffer> {
  const length = await readLength(reader);
  if (length > max) throw new ArchiveError(`archive ${what} is ${length} bytes long (at most ${max} allowed)`);
  const bytes = Buffer.from(await reader.take(length));
  await readPadding(reader, length);
  return bytes;
}

async function readToken(reader: ChunkReader): Promise<string> {
  return (await readBytes(reader, MAX_TOKEN, 'token')).toString('latin1');
}

async function expect(reader: ChunkReader, token: string): Promise<void> {
  const got = await readToken(reader);
  if (got !== token) throw new ArchiveError(`archive malformed: expected \`${token}\`, found \`${printable(got)}\` at byte ${reader.consumed}`);
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 40);
}

function utf8(bytes: Buffer, what: string): string {
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) throw new ArchiveError(`archive ${what} is not valid UTF-8`);
  return text;
}

function checkName(name: Buffer): string {
  const text = utf8(name, 'entry name');
  if (!text.length || text === '.' || text === '..' || text.includes('/') || text.includes('\0')) {
    throw new ArchiveError(`archive entry name \`${printable(text)}\` is not a single file name (path traversal refused)`);
  }
  return text;
}

/** Refuses link targets that point out of the object (relative ones that climb above its root). */
function checkLinkTarget(target: Buffer, at: string[]): string {
  const text = utf8(target, 'symlink target');
  if (!text.length || text.includes('\0')) throw new ArchiveError(`archive symlink ${at.join('/') || '(top level)'} has an empty or NUL target`);
  if (text.startsWith('/')) return text;
  const where = `${at.join('/') || '(the top level)'} → ${printable(text)}`;
  if (!at.length) throw new ArchiveError(`archive symlink ${where} points out of the object (escaping link refused)`);
  let depth = at.length - 1;
  for (const part of text.split('/')) {
    if (part === '..') depth--;
    else if (part !== '.' && part !== '') depth++;
    if (depth < 0) throw new ArchiveError(`archive symlink ${where} points out of the object (escaping link refused)`);
  }
  return text;
}

async function unpackNode(reader: ChunkReader, writes: WritePool, dest: string, at: string[]): Promise<void> {
  if (at.length > MAX_DEPTH) throw new ArchiveError(`archive nests deeper than ${MAX_DEPTH} directories`);
  await expect(reader, '(');
  await expect(reader, 'type');
  const type = await readToken(reader);
  if (type === 'regular') {
    let token = await readToken(reader);
    let executable = false;
    if (token === 'executable') {
      const empty = await readBytes(reader, 0, 'executable marker');
      void empty;
      executable = true;
      token = await readToken(reader);
    }
    if (token !== 'contents') throw new ArchiveError(`archive malformed: expected \`contents\`, found \`${printable(token)}\``);
    const size = await readLength(reader);
    const mode = executable ? 0o755 : 0o644;
    if (size <= SMALL_FILE) {
      // Most files of a tree are small: written in the background while parsing goes on.
      const contents = await reader.take(size);
      await writes.add(() => writeNewFile(dest, contents, mode));
    } else {
      const handle = await fs.open(dest, 'wx', mode);
      try {
        await reader.pipe(size, async (chunk) => {
          await handle.write(chunk);
        });
        await handle.chmod(mode);
      } finally {
        await handle.close();
      }
    }
    await readPadding(reader, size);
    await expect(reader, ')');
  } else if (type === 'symlink') {
    await expect(reader, 'target');
    const target = checkLinkTarget(await readBytes(reader, MAX_TARGET, 'symlink target'), at);
    await writes.add(() => fs.symlink(target, dest));
    await expect(reader, ')');
  } else if (type === 'directory') {
    await fs.mkdir(dest, { mode: 0o755 });
    await fs.chmod(dest, 0o755);
    let previous: Buffer | undefined;
    for (;;) {
      const token = await readToken(reader);
      if (token === ')') break;
      if (token !== 'entry') throw new ArchiveError(`archive malformed: expected \`entry\` or \`)\`, found \`${printable(token)}\``);
      await expect(reader, '(');
      await expect(reader, 'name');
      const nameBytes = await readBytes(reader, MAX_NAME, 'entry name');
      const name = checkName(nameBytes);
      if (previous && Buffer.compare(previous, nameBytes) >= 0) throw new ArchiveError(`archive entries of ${at.join('/') || 'the top directory'} are not sorted or repeat \`${printable(name)}\``);
      previous = nameBytes;
      await expect(reader, 'node');
      await unpackNode(reader, writes, path.join(dest, name), [...at, name]);
      await expect(reader, ')');
    }
  } else {
    throw new ArchiveError(`archive node type \`${printable(type)}\` is not regular, symlink or directory`);
  }
}

/**
 * Unpacks a NAR stream into dest (which must not exist). Returns the sha256 of the NAR bytes,
 * which is the store hash of what was unpacked. Throws ArchiveError on anything malformed or
 * unsafe; the caller removes dest then.
 */
export async function unpackNar(source: AsyncIterable<Buffer | Uint8Array | string>, dest: string): Promise<{ narHash: string; narSize: number }> {
  const reader = new ChunkReader(source);
  await expect(reader, MAGIC).catch((error: unknown) => {
    throw error instanceof ArchiveError ? new ArchiveError(`not a NAR archive (${error.message})`) : error;
  });
  const writes = new WritePool(WRITES_IN_FLIGHT);
  try {
    await unpackNode(reader, writes, dest, []);
  } finally {
    // Never return (or let the caller remove dest) while a write is still under way.
    await writes.settle();
  }
  await writes.drain();
  const narSize = reader.consumed;
  return { narHash: await reader.finish(), narSize };
}

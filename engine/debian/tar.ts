// Reader of tar archives held in memory: ustar, GNU long names (L/K) and pax headers (path, linkpath, size).
import { DebianError } from './errors.js';

/** What a tar member is. */
export type TarType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

/** One member: its path and link target as written, its mode bits and (for files) its bytes. */
export interface TarEntry {
  path: string;
  type: TarType;
  mode: number;
  linkname: string;
  data: Buffer;
}

const TYPES: Record<string, TarType> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo' };

/** Yields the members of a tar archive; `source` names it in errors. */
export function* readTar(tar: Buffer, source: string): Generator<TarEntry> {
  let offset = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) return;
    checkChecksum(header, offset, source);
    const flag = String.fromCharCode(header[156] ?? 0);
    const size = pax['size'] !== undefined ? Number(pax['size']) : readNumber(header, 124, 12);
    const start = offset + 512;
    if (!Number.isSafeInteger(size) || size < 0 || start + size > tar.length) throw new DebianError('bad-deb', `${source}: tar member at byte ${offset} is truncated`);
    const data = tar.subarray(start, start + size);
    offset = start + Math.ceil(size / 512) * 512;
    if (flag === 'L') { longName = cString(data); continue; }
    if (flag === 'K') { longLink = cString(data); continue; }
    if (flag === 'x') { pax = parsePax(data, source); continue; }
    if (flag === 'g') continue;
    const type = TYPES[flag];
    const name = cString(header.subarray(0, 100));
    const prefix = header.toString('latin1', 257, 263) === 'ustar\0' ? cString(header.subarray(345, 500)) : '';
    const path = pax['path'] ?? longName ?? (prefix ? `${prefix}/${name}` : name);
    const linkname = pax['linkpath'] ?? longLink ?? cString(header.subarray(157, 257));
    longName = undefined;
    longLink = undefined;
    pax = {};
    if (type === undefined) throw new DebianError('bad-deb', `${source}: member ${path} has the unsupported tar type "${flag}"`);
    yield { path, type, mode: readNumber(header, 100, 8) & 0o7777, linkname, data: type === 'file' ? data : data.subarray(0, 0) };
  }
}

/** A numeric header field: octal text, or GNU base-256 when the high bit is set. */
function readNumber(header: Buffer, at: number, length: number): number {
  const first = header[at] ?? 0;
  if (first & 0x80) {
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + (header[at + i] ?? 0);
    return value;
  }
  const text = header.toString('latin1', at, at + length).replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function checkChecksum(header: Buffer, offset: number, source: string): void {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] ?? 0);
  if (sum !== readNumber(header, 148, 8)) throw new DebianError('bad-deb', `${source}: bad tar header checksum at byte ${offset}`);
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.toString('utf8', 0, end < 0 ? bytes.length : end);
}

/** pax extended header records: `<length> <key>=<value>\n`. */
function parsePax(data: Buffer, source: string): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = Number(data.toString('latin1', at, space));
    if (space < 0 || !Number.isSafeInteger(length) || length <= 0 || at + length > data.length) throw new DebianError('bad-deb', `${source}: corrupt pax header`);
    const record = data.toString('utf8', space + 1, at + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return out;
}

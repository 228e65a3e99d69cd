// Reader of `ar` archives (the outer format of a .deb): members as slices of one buffer.
import { DebianError } from './errors.js';

/** One member of an ar archive. */
export interface ArMember {
  name: string;
  data: Buffer;
}

const MAGIC = '!<arch>\n';

/** Lists the members of an ar archive held in memory; `source` names it in errors. */
export function readAr(archive: Buffer, source: string): ArMember[] {
  if (archive.subarray(0, 8).toString('latin1') !== MAGIC) throw new DebianError('bad-deb', `${source}: not an ar archive (bad magic)`);
  const members: ArMember[] = [];
  let offset = 8;
  while (offset + 60 <= archive.length) {
    const header = archive.subarray(offset, offset + 60);
    if (header.toString('latin1', 58, 60) !== '`\n') throw new DebianError('bad-deb', `${source}: corrupt ar header at byte ${offset}`);
    const name = header.toString('latin1', 0, 16).trimEnd().replace(/\/$/, '');
    const size = Number(header.toString('latin1', 48, 58).trim());
    if (!Number.isSafeInteger(size) || size < 0 || offset + 60 + size > archive.length) {
      throw new DebianError('bad-deb', `${source}: ar member ${name} is truncated`);
    }
    members.push({ name, data: archive.subarray(offset + 60, offset + 60 + size) });
    offset += 60 + size + (size % 2);
  }
  return members;
}

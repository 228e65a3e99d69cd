// The content hash of a store object: sha256 of its Nix Archive (NAR) serialisation, exactly as
// Nix computes it (docs/store.md), so `nix hash path` and `r4l hash` agree on every tree.
import { createHash, type Hash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { OutputHash } from '../util/hash.js';

const PAD = Buffer.alloc(8);

/** Writes one NAR string: u64 little-endian length, the bytes, zero padding to 8. */
function putString(hash: Hash, value: string | Buffer): void {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  putLength(hash, bytes.length);
  hash.update(bytes);
  putPadding(hash, bytes.length);
}

function putLength(hash: Hash, length: number): void {
  const header = Buffer.alloc(8);
  header.writeBigUInt64LE(BigInt(length));
  hash.update(header);
}

function putPadding(hash: Hash, length: number): void {
  const rest = length % 8;
  if (rest) hash.update(PAD.subarray(0, 8 - rest));
}

async function putFileContents(hash: Hash, file: string, size: number): Promise<void> {
  putLength(hash, size);
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(Math.min(Math.max(size, 1), 1 << 20));
    let done = 0;
    while (done < size) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - done), done);
      if (bytesRead === 0) throw new Error(`${file} shrank while it was being hashed`);
      hash.update(buffer.subarray(0, bytesRead));
      done += bytesRead;
    }
  } finally {
    await handle.close();
  }
  putPadding(hash, size);
}

async function putNode(hash: Hash, target: string): Promise<void> {
  const st = await fs.lstat(target);
  putString(hash, '(');
  if (st.isSymbolicLink()) {
    putString(hash, 'type');
    putString(hash, 'symlink');
    putString(hash, 'target');
    putString(hash, await fs.readlink(target, { encoding: 'buffer' }));
  } else if (st.isFile()) {
    putString(hash, 'type');
    putString(hash, 'regular');
    if (st.mode & 0o100) {
      putString(hash, 'executable');
      putString(hash, '');
    }
    putString(hash, 'contents');
    await putFileContents(hash, target, st.size);
  } else if (st.isDirectory()) {
    putString(hash, 'type');
    putString(hash, 'directory');
    // NAR sorts entries by the bytes of their names.
    const names = (await fs.readdir(target, { encoding: 'buffer' })).sort(Buffer.compare);
    for (const name of names) {
      putString(hash, 'entry');
      putString(hash, '(');
      putString(hash, 'name');
      putString(hash, name);
      putString(hash, 'node');
      await putNode(hash, path.join(target, name.toString('utf8')));
      putString(hash, ')');
    }
  } else {
    throw new Error(`${target}: only files, directories and symlinks can be hashed (found a special file)`);
  }
  putString(hash, ')');
}

/** sha256 (hex) of the NAR serialisation of a file, directory or symlink. */
export async function narHash(target: string): Promise<OutputHash> {
  const hash = createHash('sha256');
  putString(hash, 'nix-archive-1');
  await putNode(hash, target);
  return hash.digest('hex') as OutputHash;
}

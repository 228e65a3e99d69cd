// Packing a store object into a compressed archive (for /cas/) and unpacking one into scratch.
// Version 1 archives are gzip(NAR); the NAR's sha256 is the object's store hash.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, constants as zlib } from 'node:zlib';
import { narStream, unpackNar } from './nar-archive.js';

export const ARCHIVE_CONTENT_TYPE = 'application/x-nix-archive+gzip';

export interface PackedArchive {
  /** sha256 of the compressed bytes (the name under /cas/). */
  cas: string;
  /** Bytes of the compressed archive. */
  size: number;
  /** sha256 of the NAR (must equal the object's store hash). */
  narHash: string;
  narSize: number;
}

/** Writes gzip(NAR(object)) to file, hashing both the NAR and the compressed bytes. */
export async function packArchive(object: string, file: string): Promise<PackedArchive> {
  const nar = createHash('sha256');
  const gz = createHash('sha256');
  let narSize = 0;
  let size = 0;
  await pipeline(
    Readable.from(narStream(object)),
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        nar.update(chunk);
        narSize += chunk.length;
        done(null, chunk);
      },
    }),
    createGzip({ level: zlib.Z_DEFAULT_COMPRESSION }),
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        gz.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    }),
    createWriteStream(file, { flags: 'wx', mode: 0o600 }),
  );
  return { cas: gz.digest('hex'), size, narHash: nar.digest('hex'), narSize };
}

/** Unpacks a gzip(NAR) file into dest (which must not exist); returns the NAR's sha256. */
export async function unpackArchive(file: string, dest: string): Promise<{ narHash: string; narSize: number }> {
  const source = createReadStream(file).pipe(createGunzip());
  try {
    return await unpackNar(source, dest);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new Error(`archive is not valid gzip (${(error as Error).message})`);
    throw error;
  } finally {
    source.destroy();
  }
}

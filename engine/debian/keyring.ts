// Loads the trusted OpenPGP keys: every key of every binary keyring (`*.gpg`) in a directory.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { DebianError } from './errors.js';

/** Reads all keys of all `*.gpg` files in `dir` (binary keyrings, several keys concatenated). */
export async function loadKeyring(dir: string): Promise<openpgp.Key[]> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.gpg')).sort();
  } catch (error) {
    throw new DebianError('no-keyring', `cannot read the keyring directory ${dir}: ${(error as Error).message}`, 'copy the Debian archive keyring files (*.gpg) into it');
  }
  const keys: openpgp.Key[] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      keys.push(...(await openpgp.readKeys({ binaryKeys: readFileSync(file) })));
    } catch (error) {
      throw new DebianError('no-keyring', `cannot read the OpenPGP keyring ${file}: ${(error as Error).message}`);
    }
  }
  if (keys.length === 0) {
    throw new DebianError('no-keyring', `no OpenPGP keys in ${dir} (expected *.gpg keyrings)`, 'copy the Debian archive keyring files (*.gpg) into it');
  }
  return keys;
}

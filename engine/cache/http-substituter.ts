// A substituter over the HTTP remote cache. fetch(key): GET /ac/<key>, check the entry against the
// schema and the trusted keys, then for every output GET /cas/<cas>, check the sha256 of the
// compressed bytes, unpack safely into scratch while hashing the NAR, check that hash and add the
// tree to the store under it. Any refusal throws an Error saying why (realize prints it and
// builds instead).
import path from 'node:path';
import type { Substituter } from './substituter.js';
import type { Realisation } from '../index/index.js';
import type { Store } from '../store/store.js';
import type { NodeKey, OutputHash } from '../util/hash.js';
import { short } from '../util/hash.js';
import { removeTree } from '../util/fs.js';
import { R4lError } from '../errors.js';
import { CacheClient, type CacheClientOptions } from './http.js';
import { outputHashes, parseCacheEntry, verifyEntry, type CacheEntry } from './entry.js';
import type { PublicKey } from './keys.js';
import { unpackArchive } from './archive.js';

export function acPath(key: string): string {
  return `ac/${key}`;
}

export function casPath(sha256: string): string {
  return `cas/${sha256}`;
}

function refuse(message: string): R4lError {
  return new R4lError('cache-refused', message);
}

function mib(bytes: number): string {
  return bytes < 1 << 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

export class HttpSubstituter implements Substituter {
  readonly client: CacheClient;
  readonly url: string;

  constructor(url: string, private readonly trusted: PublicKey[], opts: CacheClientOptions = {}) {
    this.client = new CacheClient(url, opts);
    this.url = this.client.url;
  }

  /** The verified entry of a key; undefined when the cache has none; throws when it is refused. */
  async lookup(key: NodeKey): Promise<CacheEntry | undefined> {
    const bytes = await this.client.getSmall(acPath(key));
    if (!bytes) return undefined;
    const where = `${this.url}/${acPath(key)}`;
    let entry: CacheEntry;
    try {
      entry = parseCacheEntry(bytes.toString('utf8'), where);
    } catch (error) {
      throw refuse(`refused ${where}: ${(error as Error).message.replace(`${where}: `, '')}`);
    }
    if (entry.key !== key) throw refuse(`refused ${where}: the entry is for key ${short(entry.key)}, not ${short(key)}`);
    const verdict = verifyEntry(entry, this.trusted);
    if (!verdict.ok) throw refuse(`refused ${where}: ${verdict.reason}`);
    return entry;
  }

  async has(key: NodeKey): Promise<boolean> {
    return (await this.lookup(key)) !== undefined;
  }

  /** The output hashes the cache vouches for (lets a plan key the nodes after a substitution). */
  async outputsOf(key: NodeKey): Promise<Record<string, OutputHash> | undefined> {
    const entry = await this.lookup(key);
    return entry ? outputHashes(entry) : undefined;
  }

  async fetch(key: NodeKey, store: Store, say: (line: string) => void): Promise<Realisation | undefined> {
    const started = Date.now();
    const entry = await this.lookup(key);
    if (!entry) return undefined;
    const wanted: [string, CacheEntry['outputs'][string]][] = [];
    for (const [name, output] of Object.entries(entry.outputs)) if (!(await store.has(output.hash as OutputHash))) wanted.push([name, output]);
    if (wanted.length) {
      const total = wanted.reduce((sum, [, o]) => sum + o.size, 0);
      say(`fetching ${entry.kind} ${short(key)} from ${this.url} (${wanted.map(([n]) => n).join(', ')}: ${mib(total)})`);
    }
    for (const [name, output] of wanted) await this.fetchOutput(key, name, output, store);
    return {
      key,
      outputs: outputHashes(entry),
      kind: entry.kind,
      builderVersion: entry.builderVersion,
      durationMs: Date.now() - started,
      builtAt: new Date().toISOString(),
    };
  }

  private async fetchOutput(key: NodeKey, name: string, output: CacheEntry['outputs'][string], store: Store): Promise<void> {
    const where = `${this.url}/${casPath(output.cas)} (output ${name} of ${short(key)})`;
    const scratch = await store.newScratch(`fetch-${short(key)}`);
    try {
      const file = path.join(scratch, 'archive');
      const got = await this.client.download(casPath(output.cas), file, output.size);
      if (!got) throw refuse(`refused ${this.url}/${acPath(key)}: its archive ${casPath(output.cas)} is missing from the cache`);
      if (got.sha256 !== output.cas) throw refuse(`refused ${where}: the archive hashes to ${short(got.sha256)}, not to the ${short(output.cas)} it is named by (corrupt or tampered)`);
      if (got.size !== output.size) throw refuse(`refused ${where}: the archive is ${got.size} bytes, its entry says ${output.size}`);
      const dest = path.join(scratch, 'out');
      let nar: { narHash: string };
      try {
        nar = await unpackArchive(file, dest);
      } catch (error) {
        throw refuse(`refused ${where}: ${(error as Error).message}`);
      }
      if (nar.narHash !== output.hash) throw refuse(`refused ${where}: the archive unpacks to ${short(nar.narHash)}, not to the output ${short(output.hash)} the entry claims`);
      // The unpacker hashed the very NAR bytes it wrote out, so the tree is not read a second
      // time (as Nix does when it substitutes); `r4l verify` re-hashes the store at any time.
      await store.addHashed(dest, nar.narHash as OutputHash);
    } finally {
      await removeTree(scratch).catch(() => undefined);
    }
  }
}

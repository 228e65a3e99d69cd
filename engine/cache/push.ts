// `r4l push`: uploads realised nodes to the remote cache. For each node: every output's archive
// goes to /cas/<sha256> (skipped when HEAD finds it), then the signed entry to /ac/<key>, so a
// reader never sees an entry whose archives are not there yet. An entry already present with
// the same content gets our signature added (several signers, as in Nix); one with different
// outputs is replaced (and said: the node is not reproducible, or someone else pushed first).
import path from 'node:path';
import PQueue from 'p-queue';
import type { Realisation } from '../index/index.js';
import type { Store } from '../store/store.js';
import type { OutputHash } from '../util/hash.js';
import { short } from '../util/hash.js';
import { canonicalJson } from '../util/canonical-json.js';
import { removeTree } from '../util/fs.js';
import { R4lError } from '../errors.js';
import type { CacheClient } from './http.js';
import { bodyOf, parseCacheEntry, signEntry, verifyEntry, type CacheEntry, type CacheEntryBody } from './entry.js';
import type { SecretKey } from './keys.js';
import { ARCHIVE_CONTENT_TYPE, packArchive } from './archive.js';
import { acPath, casPath } from './http-substituter.js';

export interface PushItem {
  /** The node name (for messages). */
  name: string;
  realisation: Realisation;
}

export interface PushResult {
  name: string;
  key: string;
  /** uploaded: a new entry; signed: our signature added to an equal entry; present: nothing to do. */
  status: 'uploaded' | 'signed' | 'present';
  /** Archives uploaded (not already in the cache). */
  archives: number;
  bytes: number;
}

export interface PushOptions {
  client: CacheClient;
  store: Store;
  secret: SecretKey;
  say: (line: string) => void;
  jobs?: number;
}

/** Pushes one realisation. Throws (naming the cache) when an upload fails. */
export async function pushRealisation(item: PushItem, opts: PushOptions): Promise<PushResult> {
  const { client, store, secret, say } = opts;
  const { realisation } = item;
  const key = realisation.key;
  let existing: CacheEntry | undefined;
  const text = await client.getSmall(acPath(key));
  if (text) {
    try {
      existing = parseCacheEntry(text.toString('utf8'), `${client.url}/${acPath(key)}`);
    } catch (error) {
      say(`${item.name}: replacing an unreadable entry: ${(error as Error).message}`);
    }
  }
  const outputs: CacheEntryBody['outputs'] = {};
  let archives = 0;
  let bytes = 0;
  for (const [name, hash] of Object.entries(realisation.outputs).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!(await store.has(hash))) {
      throw new R4lError('store-corrupt', `${item.name}: output ${name} (${short(hash)}) is in the index but not in the store ${store.root}`, 'realize the node again, then push');
    }
    const known = existing?.outputs[name];
    if (known && known.hash === hash && (await client.exists(casPath(known.cas)))) {
      outputs[name] = known;
      continue;
    }
    const scratch = await store.newScratch(`push-${short(key)}`);
    try {
      const file = path.join(scratch, 'archive.nar.gz');
      const packed = await packArchive(store.objectPath(hash as OutputHash), file);
      if (packed.narHash !== hash) {
        throw new R4lError('store-corrupt', `${item.name}: the store object ${store.objectPath(hash)} hashes to ${short(packed.narHash)}, not its name`, 'run `r4l verify`, remove the corrupt object and realize again; nothing was pushed for this node');
      }
      if (!(await client.exists(casPath(packed.cas)))) {
        await client.putFile(casPath(packed.cas), file, ARCHIVE_CONTENT_TYPE);
        archives++;
        bytes += packed.size;
      }
      outputs[name] = { hash, cas: packed.cas, size: packed.size };
    } finally {
      await removeTree(scratch).catch(() => undefined);
    }
  }
  const body: CacheEntryBody = { version: 1, key, kind: realisation.kind, builderVersion: realisation.builderVersion, outputs };
  let entry: CacheEntry;
  let status: PushResult['status'] = 'uploaded';
  if (existing && canonicalJson(bodyOf(existing)) === canonicalJson(body)) {
    const ours = verifyEntry(existing, [secret.publicKey]);
    if (ours.ok) return { name: item.name, key, status: 'present', archives, bytes };
    entry = signEntry(existing, secret);
    status = 'signed';
  } else {
    if (existing) {
      const differs = Object.keys({ ...existing.outputs, ...outputs }).filter((n) => existing!.outputs[n]?.hash !== outputs[n]?.hash);
      if (differs.length) say(`${item.name}: the cache had other outputs for key ${short(key)} (${differs.join(', ')}); replacing them with ours (is the node reproducible? try \`r4l check\`)`);
    }
    entry = signEntry(body, secret);
  }
  await client.putBytes(acPath(key), Buffer.from(JSON.stringify(entry, null, 2) + '\n'), 'application/json');
  return { name: item.name, key, status, archives, bytes };
}

export interface PushFailure {
  name: string;
  key: string;
  status: 'failed';
  message: string;
}

/** Pushes several realisations, a few at a time; results in the order given, failures included. */
export async function pushAll(items: PushItem[], opts: PushOptions): Promise<(PushResult | PushFailure)[]> {
  const queue = new PQueue({ concurrency: Math.max(1, opts.jobs ?? 4) });
  return Promise.all(
    items.map(
      (item) =>
        queue.add(() =>
          pushRealisation(item, opts).catch((error: unknown): PushFailure => ({ name: item.name, key: item.realisation.key, status: 'failed', message: (error as Error).message })),
        ) as Promise<PushResult | PushFailure>,
    ),
  );
}

// Garbage collection (`r4l gc`): objects no live result-* link holds and nobody used within the
// keep window go, and so do the embedded index entries, key records and logs that pointed at them.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Store } from './store.js';
import type { OutputHash } from '../util/hash.js';
import type { Realisation } from '../index/index.js';
import { embeddedEntries } from '../index/file-adapter.js';
import { removeTree } from '../util/fs.js';

export interface GcOptions {
  keepDays: number;
  dryRun: boolean;
  /** Prune the embedded index too (not a shared one: other stores may hold those objects). */
  embeddedIndex: boolean;
}

export interface GcResult {
  objects: number;
  bytes: number;
  /** Index entries (with their records and logs) dropped because an output is gone. */
  entries: number;
}

export async function collectGarbage(store: Store, opts: GcOptions): Promise<GcResult> {
  await store.cleanAbandonedScratch();
  const keep = new Set<string>(await liveRoots(store.root));
  const cutoff = Date.now() - opts.keepDays * 86_400_000;
  const doomed = new Set<OutputHash>();
  let bytes = 0;
  for (const hash of await store.listObjects()) {
    if (keep.has(hash)) continue;
    const st = await fs.lstat(store.objectPath(hash));
    if (st.mtimeMs >= cutoff) continue;
    bytes += await sizeOf(store.objectPath(hash));
    doomed.add(hash);
  }
  // Index entries first: an entry whose object is gone is useless (lookups check the store), but
  // an object without its entry is merely unreachable until rebuilt, so this order is crash-safe.
  const entries = opts.embeddedIndex ? await pruneEmbeddedIndex(store, doomed, opts.dryRun) : 0;
  if (!opts.dryRun) for (const hash of doomed) await removeTree(store.objectPath(hash));
  return { objects: doomed.size, bytes, entries };
}

/** Drops the embedded index entries whose outputs are doomed or already missing, with their
 * key's record and log. */
async function pruneEmbeddedIndex(store: Store, doomed: Set<OutputHash>, dryRun: boolean): Promise<number> {
  let pruned = 0;
  for await (const { file, value } of embeddedEntries(path.join(store.root, 'index'))) {
    const realisation = value as Partial<Realisation> | undefined;
    if (typeof realisation?.key !== 'string' || typeof realisation.outputs !== 'object' || realisation.outputs === null) continue;
    let gone = false;
    for (const hash of Object.values(realisation.outputs)) {
      if (doomed.has(hash) || !(await store.has(hash))) gone = true;
    }
    if (!gone) continue;
    pruned++;
    if (dryRun) continue;
    await fs.rm(file, { force: true });
    await fs.rm(store.recordPath(realisation.key), { force: true });
    await fs.rm(store.logPath(realisation.key), { force: true });
  }
  return pruned;
}

/** Hashes of objects held by result-* links that still exist; dead root entries are dropped. */
async function liveRoots(storeRoot: string): Promise<OutputHash[]> {
  const dir = path.join(storeRoot, 'roots');
  const live: OutputHash[] = [];
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const entry = path.join(dir, name);
    const link = await fs.readlink(entry).catch(() => undefined);
    const target = link ? await fs.readlink(link).catch(() => undefined) : undefined;
    const match = target && path.dirname(target) === path.join(storeRoot, 'o') ? path.basename(target) : undefined;
    if (match) live.push(match as OutputHash);
    else await fs.rm(entry, { force: true });
  }
  return live;
}

async function sizeOf(target: string): Promise<number> {
  const st = await fs.lstat(target);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of await fs.readdir(target)) total += await sizeOf(path.join(target, name));
  return total;
}

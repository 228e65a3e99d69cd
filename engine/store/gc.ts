// Garbage collection (`r4l gc`): objects no live result-* link holds and nobody used within the
// keep window go, and so do the embedded index entries, key records and logs that pointed at them.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Store } from './store.js';
import type { NodeKey, OutputHash } from '../util/hash.js';
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

/**
 * Drops the embedded index entries whose outputs are doomed or already missing, with the key's
 * record and log. The entry files are named by a hash of the key, so each one is read for its key.
 */
async function pruneEmbeddedIndex(store: Store, doomed: Set<OutputHash>, dryRun: boolean): Promise<number> {
  const dir = path.join(store.root, 'index');
  let pruned = 0;
  for (const shard of await fs.readdir(dir).catch(() => [] as string[])) {
    for (const name of await fs.readdir(path.join(dir, shard)).catch(() => [] as string[])) {
      const file = path.join(dir, shard, name);
      const realisation = await readEntry(file);
      if (!realisation) continue;
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
  }
  return pruned;
}

/** An embedded index file's realisation (keyv stores `{value: JSON of {value: realisation}}`). */
async function readEntry(file: string): Promise<{ key: NodeKey; outputs: Record<string, OutputHash> } | undefined> {
  try {
    const outer = JSON.parse(await fs.readFile(file, 'utf8')) as { value: string };
    const inner = JSON.parse(outer.value) as { value?: { key?: unknown; outputs?: unknown } };
    const value = inner.value;
    if (typeof value?.key !== 'string' || typeof value.outputs !== 'object' || value.outputs === null) return undefined;
    return value as { key: NodeKey; outputs: Record<string, OutputHash> };
  } catch {
    return undefined; // torn or foreign: leave it (reads treat it as absent)
  }
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

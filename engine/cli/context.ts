// What every command needs: the store, the index, bwrap, the loaded graph.
import path from 'node:path';
import { Store } from '../store/store.js';
import { openIndex, type Index } from '../index/index.js';
import { loadRecipe } from '../recipe/load.js';
import { analyze, type Graph } from '../graph/graph.js';
import { hostBwrap, type BwrapCommand } from '../sandbox/bwrap.js';
import { bootstrapBwrap } from '../sandbox/bootstrap.js';

export interface GlobalOptions {
  store?: string;
  index?: string;
  mirror?: string;
}

/** The store root: --store, else R4L_STORE, else ./store. */
export function storeRoot(opts: GlobalOptions): string {
  return path.resolve(opts.store ?? process.env.R4L_STORE ?? 'store');
}

export async function openStore(opts: GlobalOptions): Promise<Store> {
  const store = new Store(storeRoot(opts));
  await store.init();
  return store;
}

export async function openStoreIndex(store: Store, opts: GlobalOptions): Promise<Index> {
  return openIndex(store.root, opts.index ?? process.env.R4L_INDEX);
}

export async function loadGraph(recipeFile: string, store: Store): Promise<Graph> {
  const recipe = await loadRecipe(recipeFile, { importCache: path.join(store.root, 'imports') });
  return analyze(recipe);
}

/** bwrap, found once per process: the host's, or bootstrapped from the pinned closure. */
export function bwrapProvider(store: Store, index: Index, opts: GlobalOptions, say: (line: string) => void): () => Promise<BwrapCommand> {
  let found: Promise<BwrapCommand> | undefined;
  return () => {
    found ??= (async () => (await hostBwrap()) ?? (await bootstrapBwrap(store, index, opts.mirror, say)))();
    return found;
  };
}

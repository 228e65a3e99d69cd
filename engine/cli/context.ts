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

/** The options of commands that consult remote caches (realize, plan, graph, check). */
export interface SubstituterFlags {
  substituter?: string[];
  trustedKey?: string[];
}

/** Adds --substituter and --trusted-key to a command. */
export function substituterOptions(command: import('commander').Command): import('commander').Command {
  const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
  return command
    .option('--substituter <url>', 'remote cache to fetch from before building (repeatable; else R4L_SUBSTITUTERS or r4l.config.json)', collect)
    .option('--trusted-key <key>', 'public key whose cache signatures are trusted: NAME:BASE64 or a NAME.public file (repeatable; also R4L_TRUSTED_KEYS and config trustedKeys)', collect);
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

/** Runs `fn` with the store, its index and the recipe's graph; closes the index afterwards. */
export async function withGraph<T>(recipe: string, opts: GlobalOptions, fn: (graph: Graph, store: Store, index: Index) => Promise<T>): Promise<T> {
  const store = await openStore(opts);
  const index = await openStoreIndex(store, opts);
  try {
    return await fn(await loadGraph(recipe, store), store, index);
  } finally {
    await index.close();
  }
}

/** Loads a recipe (a YAML file, or a bundle made by `r4l export`) and analyses it. */
export async function loadGraph(recipeFile: string, store: Store): Promise<Graph> {
  if (recipeFile.endsWith('.tar')) {
    const { openBundle } = await import('../share/bundle.js');
    recipeFile = await openBundle(recipeFile, path.join(store.root, 'bundles'));
  }
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

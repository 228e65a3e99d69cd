// `r4l pull`: substitutes every node of a recipe that a cache has, without building anything.
// Nodes go in dependency order; a node's key is computed once its dependencies' outputs are known
// (from the local index or from what was just fetched), exactly as realize computes it, so a
// node whose dependency is in no cache stays unknown (`after-deps`).
import PQueue from 'p-queue';
import type { Graph } from '../graph/graph.js';
import { closureOf } from '../graph/graph.js';
import { keyOf } from '../graph/inputs.js';
import type { Index } from '../index/index.js';
import type { Store } from '../store/store.js';
import type { NodeKey, OutputHash } from '../util/hash.js';
import type { Substituter } from './substituter.js';

export interface PullNodeResult {
  name: string;
  kind: string;
  /**
   * cached: already realised locally; fetched: substituted now; missing: no cache has it;
   * refused: a cache had it but the entry or an archive did not check (message says why);
   * after-deps: its key is unknown because a dependency is neither local nor in a cache.
   */
  status: 'cached' | 'fetched' | 'missing' | 'refused' | 'after-deps';
  key?: NodeKey;
  from?: string;
  message?: string;
  durationMs: number;
}

export interface PullOptions {
  store: Store;
  index: Index;
  substituters: Substituter[];
  /** Nodes to pull (and what they need); default: every node of the recipe. */
  targets?: string[];
  say: (line: string) => void;
  /** Called as each node finishes. */
  onNode?: (result: PullNodeResult) => void;
  jobs?: number;
}

export async function pullGraph(graph: Graph, opts: PullOptions): Promise<PullNodeResult[]> {
  const names = closureOf(graph, opts.targets ?? []);
  const known = new Map<string, Record<string, OutputHash>>();
  const queue = new PQueue({ concurrency: Math.max(1, opts.jobs ?? 4) });
  const done = new Map<string, Promise<PullNodeResult>>();

  const pullOne = async (name: string): Promise<PullNodeResult> => {
    const node = graph.nodes.get(name)!;
    const started = Date.now();
    const result = (r: Omit<PullNodeResult, 'name' | 'kind' | 'durationMs'>): PullNodeResult => ({ name, kind: node.kind, ...r, durationMs: Date.now() - started });
    const keyed = await keyOf(node, (n) => known.get(n));
    if (!keyed) return result({ status: 'after-deps' });
    const hit = await opts.index.get(keyed.key);
    let present = Boolean(hit);
    for (const hash of Object.values(hit?.outputs ?? {})) present &&= await opts.store.has(hash);
    if (hit && present) {
      known.set(name, hit.outputs);
      return result({ status: 'cached', key: keyed.key });
    }
    const refusals: string[] = [];
    for (const substituter of opts.substituters) {
      let got;
      try {
        got = await substituter.fetch(keyed.key, opts.store, opts.say);
      } catch (error) {
        refusals.push((error as Error).message);
        continue;
      }
      if (!got) continue;
      await opts.index.set({ ...got, substitutedFrom: substituter.url });
      await opts.store.writeRecord(keyed.key, { node: name, recipe: graph.recipe.rootFile, record: keyed.record });
      known.set(name, got.outputs);
      return result({ status: 'fetched', key: keyed.key, from: substituter.url });
    }
    if (refusals.length) return result({ status: 'refused', key: keyed.key, message: refusals.join('; ') });
    return result({ status: 'missing', key: keyed.key });
  };

  for (const name of names) {
    const node = graph.nodes.get(name)!;
    done.set(
      name,
      (async () => {
        await Promise.all(node.deps.map((d) => done.get(d)));
        const r = (await queue.add(() => pullOne(name))) as PullNodeResult;
        opts.onNode?.(r);
        return r;
      })(),
    );
  }
  return Promise.all(names.map((n) => done.get(n)!));
}

// The plan: for every node, its key (when its inputs are known) and whether realize would find
// it cached, substitute it, or build it. Reads only the index; builds nothing.
import type { Graph } from './graph.js';
import { closureOf } from './graph.js';
import { keyOf } from './inputs.js';
import type { Index } from '../index/index.js';
import type { Store } from '../store/store.js';
import type { NodeKey, OutputHash } from '../util/hash.js';
import type { Substituter } from '../cache/substituter.js';

export interface PlanEntry {
  name: string;
  kind: string;
  /** null while a dependency must be built first (its output hash, hence this key, is unknown). */
  key: NodeKey | null;
  state: 'cached' | 'build' | 'substitute';
  deps: string[];
}

export async function planGraph(graph: Graph, store: Store, index: Index, targets: string[] = [], substituters: Substituter[] = []): Promise<PlanEntry[]> {
  const known = new Map<string, Record<string, OutputHash>>();
  const entries: PlanEntry[] = [];
  for (const name of closureOf(graph, targets)) {
    const node = graph.nodes.get(name)!;
    const keyed = await keyOf(node, (n) => known.get(n));
    let state: PlanEntry['state'] = 'build';
    if (keyed) {
      const hit = await index.get(keyed.key);
      let present = Boolean(hit);
      for (const hash of Object.values(hit?.outputs ?? {})) present &&= await store.has(hash);
      if (hit && present) {
        state = 'cached';
        known.set(name, hit.outputs);
      } else {
        for (const s of substituters) {
          if (await s.has(keyed.key).catch(() => false)) {
            state = 'substitute';
            // Its outputs are known from the entry: the nodes after it can be keyed too.
            const outputs = await s.outputsOf?.(keyed.key).catch(() => undefined);
            if (outputs) known.set(name, outputs);
            break;
          }
        }
      }
    }
    entries.push({ name, kind: node.kind, key: keyed?.key ?? null, state, deps: node.deps });
  }
  return entries;
}

/** Text rendering: one line per node, dependencies first. */
export function renderPlanText(entries: PlanEntry[]): string {
  const width = Math.max(...entries.map((e) => e.name.length), 4);
  return entries
    .map((e) => `${e.state.padEnd(10)} ${e.name.padEnd(width)}  ${e.kind.padEnd(15)} ${e.key ? e.key.slice(0, 12) : '(after deps)'}${e.deps.length ? `  ← ${e.deps.join(', ')}` : ''}`)
    .join('\n');
}

/** Graphviz DOT rendering; cached nodes grey, nodes to build bold. */
export function renderPlanDot(entries: PlanEntry[]): string {
  const lines = ['digraph r4l {', '  rankdir=LR;', '  node [shape=box, fontname="monospace"];'];
  for (const e of entries) {
    const style = e.state === 'cached' ? 'color=gray, fontcolor=gray' : e.state === 'substitute' ? 'color=blue' : 'style=bold';
    lines.push(`  "${e.name}" [label="${e.name}\\n${e.kind}\\n${e.state}", ${style}];`);
  }
  for (const e of entries) for (const d of e.deps) lines.push(`  "${d}" -> "${e.name}";`);
  lines.push('}');
  return lines.join('\n');
}

// Inspection: `r4l lint`, `r4l log`, `r4l why`.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadGraph, openStore, withGraph, type GlobalOptions } from '../context.js';
import { keyOf } from '../../graph/inputs.js';
import type { Graph } from '../../graph/graph.js';
import type { Index } from '../../index/index.js';
import type { Store } from '../../store/store.js';
import { sha256Hex, type NodeKey, type OutputHash } from '../../util/hash.js';
import { R4lError, EXIT } from '../../errors.js';
import { validateRecipeFiles } from '../../recipe/lint.js';
import { closureOf } from '../../graph/graph.js';

export function registerInspect(program: Command): void {
  program
    .command('lint')
    .description('check a recipe and everything it imports against the published schema and the graph rules')
    .argument('<recipe>', 'recipe file')
    .action(async (recipe: string, _o: unknown, command: Command) => {
      const store = await openStore(command.optsWithGlobals<GlobalOptions>());
      const graph = await loadGraph(recipe, store);
      await validateRecipeFiles(graph.recipe.files.map((f) => f.source));
      process.stdout.write(`ok: ${graph.nodes.size} nodes in ${graph.recipe.files.length} files\n`);
    });

  program
    .command('log')
    .description('print the build log of a node (its current key, else its last realisation)')
    .argument('<recipe>', 'recipe file')
    .argument('<node>', 'node name')
    .action(async (recipe: string, node: string, _o: unknown, command: Command) => {
      await withGraph(recipe, command.optsWithGlobals<GlobalOptions>(), async (graph, store, index) => {
        // The current key's log when it has one (also a failed build's), else the last realisation's.
        let text: string | undefined;
        for (const key of [await currentKey(graph, store, index, node), await lastKey(store, graph, node)]) {
          if (!key || text !== undefined) continue;
          const hit = await index.get(key);
          text = await fs.readFile(hit?.log ?? store.logPath(key), 'utf8').catch(() => undefined);
        }
        if (text === undefined) throw new R4lError('unknown-node', `no log for ${node} yet`, `realize it first: r4l realize ${recipe} ${node}`);
        process.stdout.write(text);
      });
    });

  program
    .command('why')
    .description('explain why a node would be rebuilt: diff its current key record against its last realised one')
    .argument('<recipe>', 'recipe file')
    .argument('<node>', 'node name')
    .action(async (recipe: string, node: string, _o: unknown, command: Command) => {
      await withGraph(recipe, command.optsWithGlobals<GlobalOptions>(), async (graph, store, index) => {
        const current = await currentRecord(graph, store, index, node);
        const last = await lastKey(store, graph, node);
        const lastRecord = last ? ((await store.readRecord(last)) as { record?: unknown } | undefined)?.record : undefined;
        if (!current) {
          process.stdout.write(`${node}: its key is not known yet: a dependency must be built first (${current === undefined ? 'see r4l plan' : ''})\n`);
          return;
        }
        if (!lastRecord) {
          process.stdout.write(`${node}: never realised from this recipe; current key ${current.key}\n`);
          return;
        }
        if (last === current.key) {
          process.stdout.write(`${node}: up to date (key ${current.key})\n`);
          return;
        }
        const changes = diffRecords(lastRecord, current.record);
        process.stdout.write(`${node}: key ${last!.slice(0, 12)} → ${current.key.slice(0, 12)}; what changed:\n${changes.map((c) => `  ${c}`).join('\n')}\n`);
        process.exitCode = EXIT.ok;
      });
    });
}

/** The node's key record given what the index knows of its dependencies. */
async function currentRecord(graph: Graph, store: Store, index: Index, name: string): Promise<{ key: NodeKey; record: unknown } | undefined> {
  const known = new Map<string, Record<string, OutputHash>>();
  for (const n of closureOf(graph, [name])) {
    const keyed = await keyOf(graph.nodes.get(n)!, (d) => known.get(d));
    if (!keyed) return undefined;
    if (n === name) return keyed;
    const hit = await index.get(keyed.key);
    if (!hit) return undefined;
    known.set(n, hit.outputs);
  }
  void store;
  return undefined;
}

async function currentKey(graph: Graph, store: Store, index: Index, name: string): Promise<NodeKey | undefined> {
  return (await currentRecord(graph, store, index, name))?.key;
}

/** The last key realised for this recipe's node (store/last). */
export async function lastKey(store: Store, graph: Graph, name: string): Promise<NodeKey | undefined> {
  if (!graph.nodes.has(name)) throw new R4lError('unknown-node', `no node \`${name}\` in ${graph.recipe.rootFile}`, `nodes: ${[...graph.nodes.keys()].sort().join(', ')}`);
  const file = path.join(store.root, 'last', sha256Hex(`${graph.recipe.rootFile}\0${name}`) + '.json');
  const data = await fs.readFile(file, 'utf8').catch(() => undefined);
  return data ? (JSON.parse(data) as { key: NodeKey }).key : undefined;
}

/** Lines `path: old → new` for every leaf that differs between two records. */
export function diffRecords(before: unknown, after: unknown): string[] {
  const a = flatten(before);
  const b = flatten(after);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  const out: string[] = [];
  for (const k of keys) {
    const x = a.get(k);
    const y = b.get(k);
    if (x === y) continue;
    out.push(`${k}: ${x ?? '(absent)'} → ${y ?? '(absent)'}`);
  }
  return out;
}

function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, JSON.stringify(value));
  }
  return out;
}

// Analysis: a loaded recipe → a graph ready to run. Every reference is resolved, every local path
// exists, every builder's extra data (lock entries) is loaded, and cycles are reported whole.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Recipe, RecipeNode } from '../recipe/load.js';
import { resolveRef } from '../recipe/load.js';
import { RecipeError, type Diagnostic } from '../recipe/diagnostic.js';
import type { AnyBuilder } from '../builders/types.js';
import { builderFor } from '../builders/registry.js';
import { R4lError } from '../errors.js';

export type ResolvedInput = { node: string; outputs?: string[] } | { path: string; label: string };

export interface GraphNode {
  name: string;
  kind: string;
  recipeNode: RecipeNode;
  builder: AnyBuilder;
  inputs: Map<string, ResolvedInput>;
  /** Names of the nodes this one depends on, sorted. */
  deps: string[];
  extra: unknown;
}

export interface Graph {
  recipe: Recipe;
  nodes: Map<string, GraphNode>;
  /** Node names in dependency order (dependencies first), ties broken by name. */
  order: string[];
}

/** Builds the graph; throws RecipeError with every problem at once. */
export async function analyze(recipe: Recipe): Promise<Graph> {
  const diagnostics: Diagnostic[] = [];
  const nodes = new Map<string, GraphNode>();
  const pending = new Map<string, Record<string, ReturnType<AnyBuilder['inputs']>[string]>>();

  for (const [name, rn] of recipe.nodes) {
    const builder = builderFor(rn.kind);
    pending.set(name, builder.inputs(rn.params as never));
    nodes.set(name, { name, kind: rn.kind, recipeNode: rn, builder, inputs: new Map(), deps: [], extra: undefined });
  }

  // Direct references and paths first; `through` inputs (an input of an input) afterwards.
  for (const [name, specs] of pending) {
    const node = nodes.get(name)!;
    const scope = node.recipeNode.scope;
    for (const [inputName, spec] of Object.entries(specs)) {
      if ('ref' in spec) {
        const target = resolveRef(scope, spec.ref);
        if (!target) {
          diagnostics.push(scope.source.diagnosticFor(['nodes', node.recipeNode.localName, ...spec.field], unknownRefMessage(spec.ref, scope, recipe)));
        } else {
          node.inputs.set(inputName, spec.outputs ? { node: target, outputs: spec.outputs } : { node: target });
        }
      } else if ('path' in spec) {
        if (!scope.dir) {
          diagnostics.push(scope.source.diagnosticFor(['nodes', node.recipeNode.localName, ...spec.field], `a recipe fetched by URL cannot name local paths (${spec.path})`));
          continue;
        }
        const full = path.resolve(scope.dir, spec.path);
        try {
          await fs.lstat(full);
          node.inputs.set(inputName, { path: full, label: path.relative(process.cwd(), full) || spec.path });
        } catch {
          diagnostics.push(scope.source.diagnosticFor(['nodes', node.recipeNode.localName, ...spec.field], `no such file or directory: ${spec.path} (looked at ${full})`));
        }
      }
    }
  }
  const resolveThrough = (name: string, inputName: string, seen: Set<string>): ResolvedInput | undefined => {
    const node = nodes.get(name);
    if (!node || seen.has(`${name}/${inputName}`)) return undefined;
    const done = node.inputs.get(inputName);
    if (done) return done;
    const spec = pending.get(name)?.[inputName];
    if (!spec || !('through' in spec)) return undefined;
    const via = node.inputs.get(spec.through);
    if (!via || !('node' in via)) return undefined;
    const found = resolveThrough(via.node, spec.input, new Set([...seen, `${name}/${inputName}`]));
    if (found) node.inputs.set(inputName, found);
    return found;
  };
  for (const [name, specs] of pending) {
    for (const [inputName, spec] of Object.entries(specs)) {
      if ('through' in spec && !resolveThrough(name, inputName, new Set())) {
        const node = nodes.get(name)!;
        if (node.inputs.has(spec.through)) {
          diagnostics.push(node.recipeNode.scope.source.diagnosticFor(['nodes', node.recipeNode.localName], `node \`${name}\` needs input \`${inputName}\`, taken from its \`${spec.through}\`, which has none`, 'key'));
        }
      }
    }
  }
  for (const node of nodes.values()) {
    node.deps = [...new Set([...node.inputs.values()].flatMap((i) => ('node' in i ? [i.node] : [])))].sort();
  }
  if (diagnostics.length) throw new RecipeError(diagnostics);

  const order = topologicalOrder(nodes);

  for (const node of nodes.values()) {
    if (!node.builder.load) continue;
    const scope = node.recipeNode.scope;
    if (!scope.dir) continue;
    node.extra = await node.builder.load(node.recipeNode.params as never, {
      recipeFile: scope.file,
      recipeDir: scope.dir,
      nodeName: node.name,
      localName: node.recipeNode.localName,
    });
  }
  return { recipe, nodes, order };
}

function unknownRefMessage(ref: string, scope: RecipeNode['scope'], recipe: Recipe): string {
  const dot = ref.indexOf('.');
  if (dot > 0 && !scope.aliases.has(ref.slice(0, dot))) {
    const aliases = [...scope.aliases.keys()];
    return `unknown import alias \`${ref.slice(0, dot)}\` in reference \`${ref}\`${aliases.length ? ` (imports: ${aliases.join(', ')})` : ' (this file imports nothing)'}`;
  }
  const names = dot > 0 ? [...(scope.aliases.get(ref.slice(0, dot))?.localNames ?? [])].map((n) => `${ref.slice(0, dot)}.${n}`) : [...scope.localNames];
  const close = names.filter((n) => looksLike(n, ref));
  void recipe;
  return `unknown node \`${ref}\`${close.length ? ` (did you mean ${close.map((n) => `\`${n}\``).join(', ')}?)` : names.length ? ` (nodes here: ${names.sort().join(', ')})` : ''}`;
}

/** Whether `name` is a plausible meant-to-be for the mistyped `ref`: a few edits apart, or one contains the other. */
function looksLike(name: string, ref: string): boolean {
  const a = name.split('.').pop() ?? name;
  const b = ref.split('.').pop() ?? ref;
  if (Math.min(a.length, b.length) >= 3 && (a.includes(b) || b.includes(a))) return true;
  // Levenshtein distance, one row at a time.
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]! <= Math.min(2, Math.floor(Math.max(a.length, b.length) / 3));
}

/** Kahn's algorithm; a cycle is reported with its whole path and where each node is defined. */
function topologicalOrder(nodes: Map<string, GraphNode>): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  const stack: string[] = [];
  const visit = (name: string): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(name)), name];
      const where = cycle.slice(0, -1).map((n) => {
        const rn = nodes.get(n)!.recipeNode;
        const d = rn.scope.source.diagnosticFor(['nodes', rn.localName], '', 'key');
        return `  ${n} (${path.relative(process.cwd(), d.file) || d.file}:${d.line}:${d.col})`;
      });
      throw new R4lError('dependency-cycle', `dependency cycle: ${cycle.join(' → ')}\n${where.join('\n')}`, 'remove one of these references');
    }
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of nodes.get(name)!.deps) visit(dep);
    stack.pop();
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of [...nodes.keys()].sort()) visit(name);
  return order;
}

/**
 * The names of `targets` and everything they depend on. No targets: the root file's own nodes
 * (imported nodes only when something needs them).
 */
export function closureOf(graph: Graph, targets: string[]): string[] {
  if (!targets.length) targets = graph.order.filter((n) => graph.nodes.get(n)!.recipeNode.scope.prefix === '');
  const wanted = new Set<string>();
  const add = (name: string): void => {
    if (wanted.has(name)) return;
    const node = graph.nodes.get(name);
    if (!node) {
      throw new R4lError('unknown-node', `no node \`${name}\` in ${graph.recipe.rootFile}`, `nodes: ${[...graph.nodes.keys()].sort().join(', ')}`);
    }
    wanted.add(name);
    node.deps.forEach(add);
  };
  targets.forEach(add);
  return graph.order.filter((n) => wanted.has(n));
}

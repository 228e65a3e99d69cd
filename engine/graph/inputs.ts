// Computes a node's key record from its inputs' output hashes (shared by plan and realize).
import type { GraphNode } from './graph.js';
import { defaultKeyParams, fixedRecord, KEY_SCHEME, nodeKey, type FixedKeyRecord, type KeyRecord } from './key.js';
import type { NodeKey, OutputHash } from '../util/hash.js';
import { narHash } from '../store/nar.js';

/** Output hashes of already known inputs: node name → output name → hash. */
export type KnownOutputs = (node: string) => Record<string, OutputHash> | undefined;

export interface KeyedNode {
  key: NodeKey;
  record: KeyRecord | FixedKeyRecord;
  /** Local paths: input name → content hash (they are added to the store before a build). */
  pathHashes: Record<string, OutputHash>;
}

const pathHashCache = new Map<string, Promise<OutputHash>>();

/** narHash of a local path, computed once per process. */
export function hashLocalPath(full: string): Promise<OutputHash> {
  let hit = pathHashCache.get(full);
  if (!hit) {
    hit = narHash(full);
    pathHashCache.set(full, hit);
  }
  return hit;
}

/** The key of a node, or undefined while a dependency's outputs are unknown. */
export async function keyOf(node: GraphNode, known: KnownOutputs): Promise<KeyedNode | undefined> {
  const params = node.recipeNode.params as never;
  const fixed = node.builder.fixedOutput?.(params);
  const pathHashes: Record<string, OutputHash> = {};
  const inputs: KeyRecord['inputs'] = {};
  for (const [name, input] of [...node.inputs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if ('path' in input) {
      const hash = await hashLocalPath(input.path);
      pathHashes[name] = hash;
      inputs[name] = { out: hash };
    } else {
      const outputs = known(input.node);
      if (!outputs) return undefined;
      // Only the outputs this node reads enter its key (a config's audit report does not rebuild the kernel).
      inputs[name] = input.outputs ? Object.fromEntries(input.outputs.map((o) => [o, outputs[o]!])) : outputs;
    }
  }
  if (fixed) {
    const record = fixedRecord(fixed);
    return { key: nodeKey(record), record, pathHashes };
  }
  const specs = node.builder.inputs(params);
  const fields = new Set(Object.values(specs).flatMap((s) => ('field' in s && s.field[0] !== undefined ? [String(s.field[0])] : [])));
  const record: KeyRecord = {
    scheme: KEY_SCHEME,
    system: 'x86_64-linux',
    kind: node.kind,
    builderVersion: node.builder.version,
    params: node.builder.keyParams ? node.builder.keyParams(params) : defaultKeyParams(params as Record<string, unknown>, fields),
    extra: node.extra ?? null,
    inputs,
  };
  return { key: nodeKey(record), record, pathHashes };
}

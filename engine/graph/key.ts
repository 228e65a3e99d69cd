// The node key (docs/keys.md): sha256 of the canonical JSON of one documented record.
import { canonicalJson } from '../util/canonical-json.js';
import { sha256Hex, type NodeKey, type OutputHash } from '../util/hash.js';

/** Bump when the record's shape or meaning changes: every key changes with it (golden tests). */
export const KEY_SCHEME = 'r4l-key/1';

/** Everything a node's output may depend on, and nothing else. */
export interface KeyRecord {
  /** The scheme version, so two schemes never share a key. */
  scheme: typeof KEY_SCHEME;
  /** Outputs are only comparable on one platform. */
  system: 'x86_64-linux';
  /** Which builder runs, and its version: a builder change rebuilds its nodes. */
  kind: string;
  builderVersion: number;
  /** The node's own parameters, without references, paths and descriptions (their content enters via `inputs`). */
  params: unknown;
  /** Builder data read beside the recipe (a lock entry), or null. */
  extra: unknown;
  /** Input name → output name → content hash. Dependencies enter by what they produced, not by their keys: early cutoff. */
  inputs: Record<string, Record<string, OutputHash>>;
}

/** A fixed-output object is named by the content it declares (and its file name), whatever produces it. */
export interface FixedKeyRecord {
  scheme: typeof KEY_SCHEME;
  fixed: string;
  name: string;
}

export function nodeKey(record: KeyRecord | FixedKeyRecord): NodeKey {
  return sha256Hex(canonicalJson(record)) as NodeKey;
}

/** A fixed output's identity: the declared sha256 of a file, and the name it has in the output. */
export interface FixedOutput {
  sha256: string;
  name: string;
}

/** The record naming a fixed-output object (a .deb, a fetched file). */
export function fixedRecord(fixed: FixedOutput): FixedKeyRecord {
  return { scheme: KEY_SCHEME, fixed: `sha256:${fixed.sha256}`, name: fixed.name };
}

/** The key of a fixed-output object. */
export function fixedKey(fixed: FixedOutput): NodeKey {
  return nodeKey(fixedRecord(fixed));
}

/** Default key parameters: every field but references, local paths and the description. */
export function defaultKeyParams(params: Record<string, unknown>, inputFields: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (k === 'description' || inputFields.has(k)) continue;
    out[k] = v;
  }
  return out;
}

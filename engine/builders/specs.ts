// Helpers for builders declaring inputs.
import type { InputSpec } from './types.js';

/** A Source field: a local path (./x) or a node reference. */
export function sourceSpec(value: string, field: (string | number)[]): InputSpec {
  return value.startsWith('./') || value.startsWith('../') ? { path: value, field } : { ref: value, field };
}

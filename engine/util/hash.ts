// Hash helpers and the branded hash types that keep the kinds of hash apart.
import { createHash } from 'node:crypto';

/** sha256 of a node's key record: names a realisation, never content. */
export type NodeKey = string & { readonly __brand: 'NodeKey' };
/** sha256 of a store object's NAR serialisation: names content. */
export type OutputHash = string & { readonly __brand: 'OutputHash' };

/** Hex sha256 of a string or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The SRI form (`sha256-<base64>`) of a hex sha256, as `nix hash path` prints it. */
export function toSri(hex: string): string {
  return 'sha256-' + Buffer.from(hex, 'hex').toString('base64');
}

/** A hash shown to people: the first 12 hex digits are enough to tell outputs apart. */
export function short(hash: string): string {
  return hash.slice(0, 12);
}

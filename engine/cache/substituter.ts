// A source of prebuilt realisations (the remote cache): asked before a node is built.
import type { Realisation } from '../index/index.js';
import type { Store } from '../store/store.js';
import type { NodeKey, OutputHash } from '../util/hash.js';

export interface Substituter {
  url: string;
  /** Fetches and checks a realisation and its outputs into the store; undefined when absent. */
  fetch(key: NodeKey, store: Store, say: (line: string) => void): Promise<Realisation | undefined>;
  /** Whether the cache has an entry for the key (plan's `substitute` state). */
  has(key: NodeKey): Promise<boolean>;
  /**
   * The output hashes a checked entry vouches for, without fetching them: lets a plan compute
   * the keys of the nodes after a substitutable one. Undefined when absent; throws when refused.
   */
  outputsOf?(key: NodeKey): Promise<Record<string, OutputHash> | undefined>;
}

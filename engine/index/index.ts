// The index: node key → realisation (output hashes and metadata), behind keyv, so the embedded
// file backend and a team's Redis share one contract (test/unit/index-contract.test.ts).
import Keyv from 'keyv';
import path from 'node:path';
import { FileStoreAdapter } from './file-adapter.js';
import type { NodeKey, OutputHash } from '../util/hash.js';
import { R4lError } from '../errors.js';

/** What a realised node left behind. */
export interface Realisation {
  key: NodeKey;
  /** Output name (`out`, `dev`, …) → content hash of the store object. */
  outputs: Record<string, OutputHash>;
  kind: string;
  builderVersion: number;
  durationMs: number;
  /** Host path of the build log at the time of the build. */
  log?: string;
  builtAt: string;
  /** Set when the output came from a substituter rather than a local build. */
  substitutedFrom?: string;
}

export interface Index {
  get(key: NodeKey): Promise<Realisation | undefined>;
  set(realisation: Realisation): Promise<void>;
  delete(key: NodeKey): Promise<void>;
  close(): Promise<void>;
  readonly description: string;
}

/** Opens the index: the embedded one in the store, or any keyv URL (`redis://…`). */
export async function openIndex(storeRoot: string, url?: string): Promise<Index> {
  let keyv: Keyv;
  let description: string;
  if (!url) {
    keyv = new Keyv({ store: new FileStoreAdapter(path.join(storeRoot, 'index')), namespace: 'r4l' });
    description = `embedded (${path.join(storeRoot, 'index')})`;
  } else if (url.startsWith('redis://') || url.startsWith('rediss://')) {
    const { default: KeyvRedis } = await import('@keyv/redis');
    // Fail fast when Redis is down or goes away, instead of queueing commands forever.
    const redis = new KeyvRedis(
      { url, disableOfflineQueue: true, socket: { connectTimeout: 5000, reconnectStrategy: (n: number) => (n > 2 ? new Error('gave up reconnecting') : 200) } },
      { connectionTimeout: 5000, throwOnErrors: true },
    );
    keyv = new Keyv({ store: redis, namespace: 'r4l' });
    description = url.replace(/\/\/[^@/]*@/, '//***@');
  } else {
    throw new R4lError('usage', `unsupported index URL: ${url}`, 'use redis://HOST:PORT, or leave --index out for the embedded index');
  }
  let lastError: unknown;
  keyv.on('error', (error: unknown) => {
    lastError = error;
  });
  const check = (): void => {
    if (lastError) {
      const error = lastError;
      lastError = undefined;
      throw new R4lError('network', `index ${description}: ${(error as Error).message}`, 'check that the index server is up, or drop --index to use the embedded one');
    }
  };
  return {
    description,
    async get(key) {
      const value = (await keyv.get(key)) as Realisation | undefined;
      check();
      return value;
    },
    async set(realisation) {
      await keyv.set(realisation.key, realisation);
      check();
    },
    async delete(key) {
      await keyv.delete(key);
      check();
    },
    async close() {
      await keyv.disconnect().catch(() => undefined);
    },
  };
}

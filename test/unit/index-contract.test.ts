// One contract for every index backend (engine/index/index.ts): the embedded file adapter and a
// real redis-server (keyv's Redis adapter) started here on a free loopback port. The index is a
// cache: whatever the backend, a realisation must come back exactly as it went in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIndex, type Index, type Realisation } from '../../engine/index/index.js';
import type { NodeKey, OutputHash } from '../../engine/util/hash.js';
import { sha256Hex } from '../../engine/util/hash.js';
import { findBinary, startRedis, type Redis } from '../fixtures/cache/servers.js';

const redisBinary = findBinary('redis-server');
if (!redisBinary) {
  console.warn(`\n${'!'.repeat(78)}\n!! SKIPPED the Redis half of test/unit/index-contract.test.ts: no redis-server binary.\n!! Install it (apt-get install -y redis-server) to test the shared index.\n${'!'.repeat(78)}\n`);
}

let counter = 0;
/** A realisation with every field set (optional ones included), under a fresh key. */
function realisation(seed = `r${counter++}-${Math.random()}`): Realisation {
  return {
    key: sha256Hex(`key ${seed}`) as NodeKey,
    outputs: { out: sha256Hex(`out ${seed}`) as OutputHash, dev: sha256Hex(`dev ${seed}`) as OutputHash },
    kind: 'kernel',
    builderVersion: 3,
    durationMs: 123456,
    log: `/store/logs/${seed}.log`,
    builtAt: '2026-01-02T03:04:05.678Z',
    substitutedFrom: 'http://127.0.0.1:9/cache',
  };
}

function contract(name: string, open: () => Promise<Index>, close: () => Promise<void>): void {
  describe(`index contract: ${name}`, () => {
    let index: Index;
    beforeAll(async () => {
      index = await open();
    });
    afterAll(async () => {
      await index?.close();
      await close();
    });

    it('returns undefined for an absent key', async () => {
      expect(await index.get(sha256Hex('never set') as NodeKey)).toBeUndefined();
    });

    it('round-trips a realisation with every field', async () => {
      const r = realisation();
      await index.set(r);
      expect(await index.get(r.key)).toEqual(r);
    });

    it('round-trips one without the optional fields, and keeps them absent', async () => {
      const { log, substitutedFrom, ...rest } = realisation();
      void log;
      void substitutedFrom;
      await index.set(rest);
      const got = await index.get(rest.key);
      expect(got).toEqual(rest);
      expect(got && 'log' in got).toBe(false);
    });

    it('overwrites: the last set wins', async () => {
      const first = realisation();
      const second: Realisation = { ...realisation(), key: first.key, durationMs: 1 };
      await index.set(first);
      await index.set(second);
      expect(await index.get(first.key)).toEqual(second);
    });

    it('deletes, and deleting an absent key is fine', async () => {
      const r = realisation();
      await index.set(r);
      await index.delete(r.key);
      expect(await index.get(r.key)).toBeUndefined();
      await index.delete(r.key);
      expect(await index.get(r.key)).toBeUndefined();
    });

    it('keeps concurrent sets of different keys apart', async () => {
      const many = Array.from({ length: 64 }, () => realisation());
      await Promise.all(many.map((r) => index.set(r)));
      const back = await Promise.all(many.map((r) => index.get(r.key)));
      expect(back).toEqual(many);
    });

    it('is seen by a second client of the same backend', async () => {
      const r = realisation();
      await index.set(r);
      const other = await open();
      try {
        expect(await other.get(r.key)).toEqual(r);
      } finally {
        await other.close();
      }
    });

    it('has a description', () => {
      expect(index.description).toBeTruthy();
      expect(index.description).not.toMatch(/:[^/@]*@/);
    });
  });
}

const embeddedRoot = mkdtempSync(join(tmpdir(), 'r4l-index-contract-'));
contract(
  'embedded file adapter',
  () => openIndex(embeddedRoot),
  async () => rmSync(embeddedRoot, { recursive: true, force: true }),
);

describe.skipIf(!redisBinary)('redis-server', () => {
  let redis: Redis | undefined;
  beforeAll(async () => {
    redis = await startRedis(redisBinary!);
  });
  afterAll(async () => {
    await redis?.stop();
  });
  contract(
    'Redis (keyv @keyv/redis)',
    () => openIndex('/unused', redis!.url),
    async () => undefined,
  );

  // With a plain `new KeyvRedis(url)` the client queued commands while reconnecting forever, so
  // every index call hung once Redis was gone; openIndex now fails fast with the index's URL.
  const failsFast = async (index: Index): Promise<unknown> => {
    const outcome = await Promise.race([
      index.get(sha256Hex('x') as NodeKey).then(
        () => 'no error',
        (e: unknown) => e,
      ),
      new Promise((ok) => setTimeout(() => ok('hung'), 6_000)),
    ]);
    void index.close().catch(() => undefined);
    return outcome;
  };

  it('says which index failed when Redis was never up (instead of hanging)', async () => {
    const { freePort } = await import('../fixtures/cache/servers.js');
    const url = `redis://127.0.0.1:${await freePort()}`;
    const error = await failsFast(await openIndex('/unused', url));
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`index ${url}`);
  });

  it('says which index failed when Redis goes away (instead of hanging)', async () => {
    const index = await openIndex('/unused', redis!.url);
    await index.set(realisation());
    await redis!.stop();
    const url = redis!.url;
    redis = undefined;
    const error = await failsFast(index);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`index ${url}`);
  });
});

// A keyv store adapter over one JSON file per key, written atomically: the embedded default
// index, with no native module. Losing it costs rebuilds, never correctness.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { sha256Hex } from '../util/hash.js';
import { writeFileAtomic } from '../util/fs.js';

interface Stored {
  value: unknown;
  expires?: number;
}

export class FileStoreAdapter extends EventEmitter {
  // keyv reads these two fields off every adapter.
  opts: Record<string, unknown> = { dialect: 'r4l-file' };
  namespace?: string;

  constructor(private readonly dir: string) {
    super();
  }

  private fileOf(key: string): string {
    const name = sha256Hex(key);
    return path.join(this.dir, name.slice(0, 2), `${name}.json`);
  }

  async get(key: string): Promise<unknown> {
    try {
      const stored = JSON.parse(await fs.readFile(this.fileOf(key), 'utf8')) as Stored;
      if (stored.expires !== undefined && stored.expires < Date.now()) return undefined;
      return stored.value;
    } catch {
      // Missing or torn entries read as absent: the index is only a cache.
      return undefined;
    }
  }

  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    const stored: Stored = { value, ...(ttl ? { expires: Date.now() + ttl } : {}) };
    await writeFileAtomic(this.fileOf(key), JSON.stringify(stored));
    return true;
  }

  async delete(key: string): Promise<boolean> {
    try {
      await fs.rm(this.fileOf(key));
      return true;
    } catch {
      return false;
    }
  }

  async clear(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
    await fs.mkdir(this.dir, { recursive: true });
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }
}

/**
 * Every entry of an embedded index directory with its file, for maintenance (`r4l gc`): the
 * files are named by a hash of the key, so the value (keyv's JSON of `{value}`) is read for it.
 * Torn or foreign files are skipped, as reads treat them as absent.
 */
export async function* embeddedEntries(dir: string): AsyncGenerator<{ file: string; value: unknown }> {
  for (const shard of await fs.readdir(dir).catch(() => [] as string[])) {
    for (const name of await fs.readdir(path.join(dir, shard)).catch(() => [] as string[])) {
      const file = path.join(dir, shard, name);
      try {
        const stored = JSON.parse(await fs.readFile(file, 'utf8')) as Stored;
        if (typeof stored.value !== 'string') continue;
        yield { file, value: (JSON.parse(stored.value) as { value?: unknown }).value };
      } catch {
        continue;
      }
    }
  }
}

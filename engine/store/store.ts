// The local store: content-addressed objects, scratch space, logs and key records (docs/store.md).
//
//   <root>/o/<output-hash>      read-only objects (a tree or a single file), named by narHash
//   <root>/tmp/<id>/            scratch for running builds; same file system, so rename is atomic
//   <root>/records/<key>.json   the key record hashed into each realised key (`r4l why`)
//   <root>/logs/<key>.log       build logs
//   <root>/locks/<key>.lock     per-key cross-process locks
//   <root>/roots/               links to the `result-*` links that keep objects alive (gc roots)
//   <root>/index/               the embedded index (engine/index)
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { narHash } from './nar.js';
import { explainFsError } from '../errors.js';
import type { NodeKey, OutputHash } from '../util/hash.js';
import { makeReadOnly, randomId, removeTree, writeFileAtomic } from '../util/fs.js';

export class Store {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Creates the store's directories (cheap when they exist). */
  async init(): Promise<void> {
    for (const dir of ['o', 'tmp', 'records', 'logs', 'locks', 'roots', 'index']) {
      await fs.mkdir(path.join(this.root, dir), { recursive: true });
    }
  }

  objectPath(hash: OutputHash): string {
    return path.join(this.root, 'o', hash);
  }

  recordPath(key: NodeKey): string {
    return path.join(this.root, 'records', `${key}.json`);
  }

  logPath(key: NodeKey): string {
    return path.join(this.root, 'logs', `${key}.log`);
  }

  async has(hash: OutputHash): Promise<boolean> {
    try {
      await fs.lstat(this.objectPath(hash));
      return true;
    } catch {
      return false;
    }
  }

  /** Marks an object as just used (gc keeps objects used within its keep window). */
  async touch(hash: OutputHash): Promise<void> {
    const now = new Date();
    await fs.lutimes(this.objectPath(hash), now, now).catch(() => undefined);
  }

  /** A fresh scratch directory; its name carries our pid so gc can tell abandoned ones. */
  async newScratch(label: string): Promise<string> {
    const dir = path.join(this.root, 'tmp', `${process.pid}-${label.replace(/[^A-Za-z0-9._-]/g, '_')}-${randomId()}`);
    await fs.mkdir(dir, { recursive: true });
    return dir;
  }

  /**
   * Adds a finished output: hashes it, makes it read-only and renames it into place. The rename
   * is the commit point, so a crash before it leaves only scratch behind, never a half object.
   */
  async add(scratchOutput: string): Promise<OutputHash> {
    let hash: OutputHash;
    try {
      hash = await narHash(scratchOutput);
    } catch (error) {
      throw explainFsError(error, `an output into the store at ${this.root}`);
    }
    return this.addHashed(scratchOutput, hash);
  }

  /**
   * Adds an output whose NAR hash the caller has just computed from the very bytes it wrote (a
   * substituted archive, unpacked while hashing), sparing a second read of the whole tree.
   */
  async addHashed(scratchOutput: string, hash: OutputHash): Promise<OutputHash> {
    try {
      const target = this.objectPath(hash);
      if (await this.has(hash)) {
        await removeTree(scratchOutput);
        return hash;
      }
      await makeReadOnly(scratchOutput);
      try {
        await fs.rename(scratchOutput, target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // Another process added the same bytes first: theirs is as good as ours.
        if (code === 'ENOTEMPTY' || code === 'EEXIST') await removeTree(scratchOutput);
        else throw error;
      }
      return hash;
    } catch (error) {
      throw explainFsError(error, `an output into the store at ${this.root}`);
    }
  }

  /** Writes the key record of a realisation, for `r4l why`. */
  async writeRecord(key: NodeKey, record: unknown): Promise<void> {
    await writeFileAtomic(this.recordPath(key), JSON.stringify(record, null, 2) + '\n');
  }

  async readRecord(key: NodeKey): Promise<unknown | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.recordPath(key), 'utf8'));
    } catch {
      return undefined;
    }
  }

  /** Every object hash in the store. */
  async listObjects(): Promise<OutputHash[]> {
    return (await fs.readdir(path.join(this.root, 'o'))).filter((name) => /^[0-9a-f]{64}$/.test(name)) as OutputHash[];
  }

  /** Removes scratch directories left by processes that no longer run (crashes, kill -9). */
  async cleanAbandonedScratch(): Promise<number> {
    let removed = 0;
    const dir = path.join(this.root, 'tmp');
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      const pid = Number(name.split('-')[0]);
      if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) {
        await removeTree(path.join(dir, name));
        removed++;
      }
    }
    return removed;
  }
}

/** Whether a process with this pid exists (on this machine). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

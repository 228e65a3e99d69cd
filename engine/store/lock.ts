// Cross-process per-key locks: an O_EXCL lock file holding the owner's pid. A lock whose owner
// died (kill -9) is stolen by renaming it away, which only one waiter can win.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isAlive } from './store.js';
import { randomId } from '../util/fs.js';

export type Release = () => Promise<void>;

/** Takes the lock named `name` under dir, waiting while a live process holds it. */
export async function acquireLock(dir: string, name: string, onWait?: (ownerPid: number) => void, signal?: AbortSignal): Promise<Release> {
  const file = path.join(dir, `${name}.lock`);
  let warned = false;
  for (;;) {
    try {
      const handle = await fs.open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await fs.rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(await fs.readFile(file, 'utf8').catch(() => ''));
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) {
      const stale = `${file}.stale-${randomId()}`;
      await fs.rename(file, stale).then(() => fs.rm(stale, { force: true }), () => undefined);
      continue;
    }
    if (!warned && owner > 0) {
      onWait?.(owner);
      warned = true;
    }
    if (signal?.aborted) throw new Error(`interrupted while waiting for the lock ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

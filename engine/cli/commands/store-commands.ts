// Store maintenance: `r4l hash`, `r4l verify`, `r4l gc`.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { openStore, type GlobalOptions } from '../context.js';
import { narHash } from '../../store/nar.js';
import { toSri, type OutputHash } from '../../util/hash.js';
import { removeTree } from '../../util/fs.js';
import { EXIT } from '../../errors.js';

export function registerStoreCommands(program: Command): void {
  program
    .command('hash')
    .description('print the NAR sha256 of a file or tree, in hex and SRI form (like `nix hash path`)')
    .argument('<path...>', 'files or directories')
    .action(async (paths: string[]) => {
      for (const p of paths) {
        const hash = await narHash(path.resolve(p));
        process.stdout.write(`${hash} ${toSri(hash)} ${p}\n`);
      }
    });

  program
    .command('verify')
    .description('re-hash every store object; report corrupt ones and exit non-zero if any')
    .action(async (_o: unknown, command: Command) => {
      const store = await openStore(command.optsWithGlobals<GlobalOptions>());
      const objects = await store.listObjects();
      let bad = 0;
      for (const hash of objects) {
        const actual = await narHash(store.objectPath(hash)).catch((error: Error) => `unreadable (${error.message})`);
        if (actual !== hash) {
          bad++;
          process.stdout.write(`corrupt: ${store.objectPath(hash)}\n  expected ${hash}\n  actual   ${actual}\n`);
        }
      }
      process.stdout.write(`${objects.length} objects checked, ${bad} corrupt\n`);
      if (bad) process.stderr.write('hint: delete the corrupt objects (`chmod -R u+w PATH && rm -rf PATH`) and realize again; they will be rebuilt or fetched\n');
      process.exitCode = bad ? EXIT.failed : EXIT.ok;
    });

  program
    .command('gc')
    .description('delete store objects that no result-* link holds and that were not used within the keep window')
    .option('--keep-days <n>', 'keep objects used within this many days', '7')
    .option('--dry-run', 'only print what would be deleted')
    .action(async (_o: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalOptions & { keepDays: string; dryRun?: boolean }>();
      const store = await openStore(flags);
      await store.cleanAbandonedScratch();
      const keep = new Set<string>(await liveRoots(store.root));
      const cutoff = Date.now() - Number(flags.keepDays) * 86_400_000;
      let freed = 0;
      let removed = 0;
      for (const hash of await store.listObjects()) {
        if (keep.has(hash)) continue;
        const st = await fs.lstat(store.objectPath(hash));
        if (st.mtimeMs >= cutoff) continue;
        freed += await sizeOf(store.objectPath(hash));
        removed++;
        if (!flags.dryRun) await removeTree(store.objectPath(hash));
      }
      process.stdout.write(`${flags.dryRun ? 'would delete' : 'deleted'} ${removed} objects, ${(freed / 1048576).toFixed(1)} MiB\n`);
    });
}

/** Hashes of objects held by result-* links that still exist; dead root entries are dropped. */
async function liveRoots(storeRoot: string): Promise<OutputHash[]> {
  const dir = path.join(storeRoot, 'roots');
  const live: OutputHash[] = [];
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const entry = path.join(dir, name);
    const link = await fs.readlink(entry).catch(() => undefined);
    const target = link ? await fs.readlink(link).catch(() => undefined) : undefined;
    const match = target && path.dirname(target) === path.join(storeRoot, 'o') ? path.basename(target) : undefined;
    if (match) live.push(match as OutputHash);
    else await fs.rm(entry, { force: true });
  }
  return live;
}

async function sizeOf(target: string): Promise<number> {
  const st = await fs.lstat(target);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of await fs.readdir(target)) total += await sizeOf(path.join(target, name));
  return total;
}

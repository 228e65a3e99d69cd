// Store maintenance: `r4l hash`, `r4l verify`, `r4l gc`.
import path from 'node:path';
import type { Command } from 'commander';
import { openStore, type GlobalOptions } from '../context.js';
import { narHash } from '../../store/nar.js';
import { toSri } from '../../util/hash.js';
import { EXIT, R4lError } from '../../errors.js';

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
      const keepDays = Number(flags.keepDays);
      if (!Number.isFinite(keepDays) || keepDays < 0) throw new R4lError('usage', `--keep-days ${flags.keepDays}: not a number of days`, 'give a number >= 0, e.g. --keep-days 7');
      const store = await openStore(flags);
      const { collectGarbage } = await import('../../store/gc.js');
      const sharedIndex = flags.index ?? process.env.R4L_INDEX;
      const result = await collectGarbage(store, { keepDays, dryRun: flags.dryRun ?? false, embeddedIndex: !sharedIndex });
      const verb = flags.dryRun ? 'would delete' : 'deleted';
      process.stdout.write(`${verb} ${result.objects} objects, ${(result.bytes / 1048576).toFixed(1)} MiB; ${result.entries} index entries\n`);
      if (sharedIndex) process.stdout.write('the shared index was left alone: other stores may hold its objects\n');
    });
}

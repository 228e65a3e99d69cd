// `r4l lock RECIPE`: resolves every debian-packages node into exact, signature-checked packages,
// written to the lock file beside the recipe that defines the node.
import { PACKAGE_ROOT } from '../../util/package-root.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { openStore, type GlobalOptions } from '../context.js';
import { loadRecipe } from '../../recipe/load.js';
import { lockFileFor } from '../../builders/debian-packages.js';
import { isLockStale, lockNode, readLockFile, renderLockFile, type LockFile } from '../../debian/lockfile.js';
import type { NodeParams } from '../../recipe/schema.js';
import { writeFileAtomic } from '../../util/fs.js';

/** The Debian archive keyring shipped with r4l (recipes/keys), so no host keyring is assumed. */
export const KEYRING_DIR = path.join(PACKAGE_ROOT, 'recipes/keys');

export function registerLock(program: Command): void {
  program
    .command('lock')
    .description('resolve debian-packages nodes against the signed Debian index into lock files')
    .argument('<recipe>', 'recipe file (its imports are locked too)')
    .option('--update', 're-resolve every node, even when its lock entry still matches')
    .action(async (recipe: string, _o: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalOptions & { update?: boolean }>();
      const written = await lockRecipe(recipe, flags, (line) => process.stderr.write(line + '\n'));
      for (const file of written) process.stdout.write(`${file}\n`);
    });
}

/** Locks every debian-packages node of a recipe; returns the lock files it wrote. */
export async function lockRecipe(recipe: string, flags: GlobalOptions & { update?: boolean }, say: (line: string) => void): Promise<string[]> {
  const store = await openStore(flags);
  const loaded = await loadRecipe(recipe, { importCache: path.join(store.root, 'imports') });
  const byLockFile = new Map<string, { localName: string; params: NodeParams<'debian-packages'> }[]>();
  for (const node of loaded.nodes.values()) {
    if (node.kind !== 'debian-packages' || !node.scope.dir) continue;
    const params = node.params as NodeParams<'debian-packages'>;
    const file = lockFileFor(node.scope.file, params);
    byLockFile.set(file, [...(byLockFile.get(file) ?? []), { localName: node.localName, params }]);
  }
  const written: string[] = [];
  for (const [file, nodes] of byLockFile) {
    const existing: LockFile = await readLockFile(file).catch(() => ({ lockVersion: 1 as const, nodes: {} }));
    const next: LockFile = { lockVersion: 1, nodes: {} };
    for (const { localName, params } of nodes) {
      const request = { suites: params.suites, architecture: params.architecture, packages: params.packages };
      const old = existing.nodes[localName];
      if (old && !flags.update && !isLockStale(old, request)) {
        next.nodes[localName] = old;
        continue;
      }
      const started = Date.now();
      const entry = await lockNode(request, { keyringDir: KEYRING_DIR, mirror: flags.mirror, cacheDir: path.join(store.root, 'debian-index') });
      // `dependencies: false` pins only the named packages (e.g. linux-source), not their closure.
      if (!params.dependencies) entry.packages = entry.packages.filter((p) => params.packages.includes(p.name));
      const bytes = entry.packages.reduce((sum, p) => sum + p.size, 0);
      say(`locked ${localName}: ${entry.packages.length} packages, ${(bytes / 1048576).toFixed(1)} MiB (${((Date.now() - started) / 1000).toFixed(1)}s)`);
      next.nodes[localName] = entry;
    }
    const text = renderLockFile(next);
    const before = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (before !== text) await writeFileAtomic(file, text);
    written.push(path.relative(process.cwd(), file) || file);
  }
  return written;
}

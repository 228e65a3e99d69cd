// `debian-packages`: a pinned closure of Debian packages (from the lock beside the recipe),
// each .deb a fixed-output store object, all unpacked into one root tree plus small fix-ups.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import PQueue from 'p-queue';
import type { Builder, BuildSettings } from './types.js';
import { BuildFailure } from './types.js';
import { readLockFile, isLockStale, type LockedPackage } from '../debian/lockfile.js';
import { packageUrl, resolveMirrors } from '../debian/mirror.js';
import { R4lError } from '../errors.js';
import type { NodeParams } from '../recipe/schema.js';

/** The lock file of a recipe file: `<name>.lock.json` beside it, unless the node names one. */
export function lockFileFor(recipeFile: string, params: NodeParams<'debian-packages'>): string {
  return params.lock ? path.resolve(path.dirname(recipeFile), params.lock) : recipeFile.replace(/\.ya?ml$/, '') + '.lock.json';
}

/** Closures with more .deb bytes than this are unpacked with the native xz. */
const NATIVE_XZ_MIN_BYTES = 32 * 1024 * 1024;

/** What enters the key: the exact packages, by content hash. */
type Pinned = Pick<LockedPackage, 'name' | 'version' | 'architecture' | 'filename' | 'size' | 'sha256' | 'suite'>[];

export const debianPackagesBuilder: Builder<'debian-packages'> = {
  kind: 'debian-packages',
  version: 1,
  outputs: () => ['out'],
  inputs: () => ({}),
  async load(params, where) {
    const lockFile = lockFileFor(where.recipeFile, params);
    const lockHint = `run \`r4l lock ${path.relative(process.cwd(), where.recipeFile) || where.recipeFile}\``;
    const lock = await readLockFile(lockFile).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new R4lError('lock-missing', `no lock file for node ${where.nodeName}: ${lockFile} does not exist`, lockHint);
      throw new R4lError('lock-stale', (error as Error).message, lockHint);
    });
    const entry = lock.nodes[where.localName];
    if (!entry) throw new R4lError('lock-missing', `${lockFile} has no entry for node ${where.localName}`, lockHint);
    if (isLockStale(entry, { suites: params.suites, architecture: params.architecture, packages: params.packages })) {
      throw new R4lError('lock-stale', `the lock of node ${where.nodeName} in ${lockFile} no longer matches the recipe (suites, architecture or package names changed)`, `${lockHint} --update`);
    }
    const wanted = new Set(params.packages);
    const packages = params.dependencies ? entry.packages : entry.packages.filter((p) => wanted.has(p.name));
    return packages.map(({ name, version, architecture, filename, size, sha256, suite }) => ({ name, version, architecture, filename, size, sha256, suite })) satisfies Pinned;
  },
  async build(ctx) {
    const pinned = ctx.extra as Pinned;
    const { unpackDebs } = await import('../debian/deb.js');
    const debs = await fetchDebs(pinned, ctx.settings, ctx.log);
    const root = ctx.outputs.out!;
    const started = Date.now();
    // base-files first: it ships the merged-/usr links (/lib → usr/lib) that other packages write through.
    const first = debs.filter((d) => path.basename(d).startsWith('base-files_'));
    // A native xz (itself a small pinned closure) pays off for big closures only; small ones, the
    // bootstrap closures among them, use the built-in decoder.
    const bytes = pinned.reduce((sum, p) => sum + p.size, 0);
    const xz = bytes > NATIVE_XZ_MIN_BYTES ? await ctx.settings.xz?.() : undefined;
    await unpackDebs(debs, root, { concurrency: Math.max(2, ctx.jobs), first, xz });
    ctx.log(`unpacked ${debs.length} packages in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    await applyFixups(root, ctx.params.fixups);
  },
};

/** Downloads (or finds in the store) every pinned .deb; returns host paths of the .deb files. */
export async function fetchDebs(pinned: Pinned, settings: Pick<BuildSettings, 'mirror' | 'fetchIntoStore'>, log: (line: string) => void): Promise<string[]> {
  const { downloadVerified } = await import('../debian/download.js');
  let mirrors: ReturnType<typeof resolveMirrors> | undefined;
  const queue = new PQueue({ concurrency: 8 });
  const started = Date.now();
  let fetched = 0;
  const paths = await Promise.all(
    pinned.map((pkg) =>
      queue.add(async () => {
        const file = path.basename(pkg.filename);
        const dir = await settings.fetchIntoStore({ sha256: pkg.sha256, name: file }, async (into) => {
          mirrors ??= resolveMirrors(settings.mirror ? { mirror: settings.mirror } : {});
          await downloadVerified(packageUrl(mirrors, pkg), pkg.sha256, pkg.size, path.join(into, file));
          fetched++;
        });
        return path.join(dir, file);
      }) as Promise<string>,
    ),
  );
  if (fetched) log(`downloaded ${fetched} of ${pinned.length} packages in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return paths;
}

/** Symlinks (awk → gawk), small files (/etc/passwd) and directories the closure lacks. */
async function applyFixups(root: string, fixups: NodeParams<'debian-packages'>['fixups']): Promise<void> {
  const inside = (p: string): string => {
    const full = path.join(root, p);
    if (!full.startsWith(root + path.sep)) throw new BuildFailure('bad-fixup', `fix-up path ${p} leaves the tree`);
    return full;
  };
  for (const dir of fixups.directories) await fs.mkdir(inside(dir), { recursive: true });
  for (const [link, target] of Object.entries(fixups.symlinks)) {
    const full = inside(link);
    await fs.mkdir(path.dirname(full), { recursive: true });
    await fs.rm(full, { force: true });
    await fs.symlink(target, full);
  }
  for (const [file, text] of Object.entries(fixups.files)) {
    const full = inside(file);
    await fs.mkdir(path.dirname(full), { recursive: true });
    await fs.rm(full, { force: true });
    await fs.writeFile(full, text);
  }
}

// The lock file of debian-packages nodes: schema, rendering, staleness, and locking one request.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DebianError } from './errors.js';
import { schemaValidator } from '../recipe/lint.js';
import type { FetchOptions } from './http.js';
import { resolveMirrors, suiteBase, type Mirrors } from './mirror.js';
import { byCodeUnit } from './resolve.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256');

/** Schema of one locked package. */
export const lockedPackageSchema = z.strictObject({
  name: z.string().min(1),
  version: z.string().min(1),
  architecture: z.string().min(1),
  filename: z.string().min(1),
  size: z.number().int().nonnegative(),
  sha256,
  suite: z.string().min(1),
});

/** Schema of one node's lock entry. */
export const lockEntrySchema = z.strictObject({
  suites: z.array(z.string().min(1)).min(1),
  architecture: z.string().min(1),
  requested: z.array(z.string().min(1)),
  packages: z.array(lockedPackageSchema),
  inRelease: z.record(z.string(), z.strictObject({ date: z.string(), sha256 })),
});

/** Schema of a whole lock file (`<recipe>.lock.json`). */
export const lockFileSchema = z.strictObject({
  lockVersion: z.literal(1),
  nodes: z.record(z.string(), lockEntrySchema),
});

/** One locked package. */
export type LockedPackage = z.infer<typeof lockedPackageSchema>;
/** One node's lock entry. */
export type LockEntry = z.infer<typeof lockEntrySchema>;
/** A whole lock file. */
export type LockFile = z.infer<typeof lockFileSchema>;

/** What a debian-packages node asks for. */
export interface LockRequest {
  suites: string[];
  architecture: string;
  packages: string[];
}

/** Options of lockNode: where the mirror and the keys are, and where to cache indexes. */
export interface LockOptions extends FetchOptions {
  keyringDir: string;
  mirrors?: Mirrors;
  mirror?: string;
  cacheDir?: string;
  component?: string;
}

/** Resolves one request against the mirror's signed indexes (mirror → InRelease → Packages → closure). */
export async function lockNode(request: LockRequest, opts: LockOptions): Promise<LockEntry> {
  // Loaded here, not at start-up: OpenPGP is large and only `r4l lock` needs it.
  const [{ fetchInRelease }, { loadKeyring }, { fetchPackages }, { resolveClosure }] = await Promise.all([
    import('./inrelease.js'),
    import('./keyring.js'),
    import('./packages.js'),
    import('./resolve.js'),
  ]);
  const mirrors = opts.mirrors ?? resolveMirrors(opts.mirror !== undefined ? { mirror: opts.mirror } : {});
  const keys = await loadKeyring(opts.keyringDir);
  const fetched = await Promise.all(
    request.suites.map(async (suite) => {
      const release = await fetchInRelease(suiteBase(mirrors, suite), suite, { ...opts, keys });
      const index = await fetchPackages(release, request.architecture, opts);
      return { release, index };
    }),
  );
  const packages = resolveClosure({ indexes: fetched.map((f) => f.index), architecture: request.architecture, packages: request.packages });
  const inRelease: LockEntry['inRelease'] = {};
  for (const { release } of fetched) inRelease[release.suite] = { date: release.date, sha256: release.sha256 };
  return { suites: [...request.suites], architecture: request.architecture, requested: normalizeRequested(request.packages), packages, inRelease };
}

/** Whether a lock entry no longer answers a request (requested names, suites or architecture changed). */
export function isLockStale(entry: LockEntry, request: LockRequest): boolean {
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  return entry.architecture !== request.architecture || !same(entry.suites, request.suites) || !same(entry.requested, normalizeRequested(request.packages));
}

/** Renders a lock file as pretty JSON with a fixed key order and a trailing newline. */
export function renderLockFile(lock: LockFile): string {
  const nodes: Record<string, unknown> = {};
  for (const name of Object.keys(lock.nodes).sort(byCodeUnit)) nodes[name] = orderEntry(lock.nodes[name] as LockEntry);
  return `${JSON.stringify({ lockVersion: 1, nodes }, null, 2)}\n`;
}

/** Parses and validates lock file text; `source` names the file in errors. */
export function parseLockFile(text: string, source: string): LockFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new DebianError('bad-lock', `${source}: not JSON (${(error as Error).message})`, 'run `r4l lock` to write it again');
  }
  // A lock file may come from anyone (a pull request, a bundle): check it against the published schema.
  const validate = schemaValidator('lock');
  if (!validate(data)) {
    const issues = (validate.errors ?? []).map((e) => `${e.instancePath.slice(1).replace(/\//g, '.') || '(root)'}: ${e.message ?? 'invalid'}`).join('; ');
    throw new DebianError('bad-lock', `${source}: not a valid lock file: ${issues}`, 'run `r4l lock` to write it again (schemas/lock.schema.json describes the format)');
  }
  const result = lockFileSchema.safeParse(data);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new DebianError('bad-lock', `${source}: not a valid lock file: ${issues}`, 'run `r4l lock` to write it again');
  }
  return result.data;
}

/** Reads and validates a lock file. */
export async function readLockFile(file: string): Promise<LockFile> {
  return parseLockFile(await readFile(file, 'utf8'), file);
}

function normalizeRequested(names: string[]): string[] {
  return [...new Set(names.map((n) => n.trim()))].sort(byCodeUnit);
}

function orderEntry(e: LockEntry): LockEntry {
  const inRelease: LockEntry['inRelease'] = {};
  for (const suite of Object.keys(e.inRelease).sort(byCodeUnit)) {
    const r = e.inRelease[suite] as { date: string; sha256: string };
    inRelease[suite] = { date: r.date, sha256: r.sha256 };
  }
  return {
    suites: [...e.suites],
    architecture: e.architecture,
    requested: [...e.requested].sort(byCodeUnit),
    packages: [...e.packages]
      .sort((a, b) => byCodeUnit(a.name, b.name))
      .map((p) => ({ name: p.name, version: p.version, architecture: p.architecture, filename: p.filename, size: p.size, sha256: p.sha256, suite: p.suite })),
    inRelease,
  };
}

// Recipe bundles: one tar with a recipe, every recipe it imports and every local file any node
// reads (fragments, module sources, patches, lock files), plus a manifest of their hashes. A
// bundle realises the same keys on another machine, since keys never depend on where files live.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Graph } from '../graph/graph.js';
import { lockFileFor } from '../builders/debian-packages.js';
import type { NodeParams } from '../recipe/schema.js';
import { writeTar, type TarFile } from './tar-writer.js';
import { readTar } from '../debian/tar.js';
import { R4lError } from '../errors.js';
import { writeFileAtomic } from '../util/fs.js';

export const MANIFEST = 'r4l-bundle.json';

export interface BundleManifest {
  version: 1;
  /** The root recipe, relative to the bundle's top. */
  recipe: string;
  /** Every file: relative path → sha256. */
  files: Record<string, string>;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Every local file a graph reads: recipe files, lock files, and the files of path inputs. */
async function localFiles(graph: Graph): Promise<string[]> {
  const files = new Set<string>();
  for (const scope of graph.recipe.files) if (scope.dir) files.add(scope.file);
  for (const node of graph.nodes.values()) {
    const scope = node.recipeNode.scope;
    if (node.kind === 'debian-packages' && scope.dir) files.add(lockFileFor(scope.file, node.recipeNode.params as NodeParams<'debian-packages'>));
    for (const input of node.inputs.values()) {
      if (!('path' in input)) continue;
      const st = await fs.stat(input.path);
      if (st.isFile()) files.add(input.path);
      else for (const f of await listFiles(input.path)) files.add(f);
    }
  }
  return [...files].sort();
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.isFile()) out.push(full);
    else throw new R4lError('usage', `cannot bundle ${full}: only regular files and directories can be bundled`);
  }
  return out;
}

function commonDir(files: string[]): string {
  let common = path.dirname(files[0]!);
  for (const f of files) while (!f.startsWith(common + path.sep)) common = path.dirname(common);
  return common;
}

/** Writes the bundle of a graph's recipe to `out`; returns the manifest. */
export async function exportBundle(graph: Graph, out: string): Promise<BundleManifest> {
  const files = await localFiles(graph);
  const top = commonDir(files);
  const entries: TarFile[] = [];
  const manifest: BundleManifest = { version: 1, recipe: path.relative(top, graph.recipe.rootFile).split(path.sep).join('/'), files: {} };
  for (const file of files) {
    const data = await fs.readFile(file);
    const rel = path.relative(top, file).split(path.sep).join('/');
    manifest.files[rel] = sha256(data);
    entries.push({ path: `files/${rel}`, data, executable: Boolean((await fs.stat(file)).mode & 0o100) });
  }
  entries.push({ path: MANIFEST, data: Buffer.from(JSON.stringify(manifest, null, 2) + '\n'), executable: false });
  await writeFileAtomic(out, writeTar(entries));
  return manifest;
}

/**
 * Unpacks a bundle into `<cacheDir>/<sha256 of the bundle>/` (once), checks every file against the
 * manifest, and returns the path of the root recipe inside it.
 */
export async function openBundle(bundle: string, cacheDir: string): Promise<string> {
  const bytes = await fs.readFile(bundle);
  const dir = path.join(cacheDir, sha256(bytes));
  const members = new Map<string, { data: Buffer; mode: number }>();
  for (const entry of readTar(bytes, bundle)) {
    if (entry.type === 'dir') continue;
    if (entry.type !== 'file') throw new R4lError('hash-mismatch', `${bundle}: unexpected ${entry.type} member ${entry.path}`);
    members.set(entry.path.replace(/^\.\//, ''), { data: entry.data, mode: entry.mode });
  }
  const manifestEntry = members.get(MANIFEST);
  if (!manifestEntry) throw new R4lError('usage', `${bundle} is not an r4l bundle (no ${MANIFEST})`, 'make one with `r4l export RECIPE -o FILE.tar`');
  const manifest = JSON.parse(manifestEntry.data.toString('utf8')) as BundleManifest;
  for (const [rel, hash] of Object.entries(manifest.files)) {
    if (rel.split('/').some((p) => p === '..' || p === '') || path.isAbsolute(rel)) throw new R4lError('hash-mismatch', `${bundle}: refused path ${rel}`);
    const member = members.get(`files/${rel}`);
    if (!member) throw new R4lError('hash-mismatch', `${bundle}: ${rel} is in the manifest but not in the bundle`);
    const actual = sha256(member.data);
    if (actual !== hash) throw new R4lError('hash-mismatch', `${bundle}: ${rel} has sha256 ${actual}, the manifest says ${hash}`, 'the bundle was changed after export; export it again');
    const target = path.join(dir, rel);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, member.data, { mode: member.mode & 0o100 ? 0o755 : 0o644 });
  }
  if (!(manifest.recipe in manifest.files)) throw new R4lError('hash-mismatch', `${bundle}: the root recipe ${manifest.recipe} is not in the bundle`);
  return path.join(dir, manifest.recipe);
}

// A rig for the slow suite: the real CLI on the shared store ($R4L_STORE, kept warm between runs),
// with recipes copied into a temp dir so a test can edit them without touching the repository.
import { execa } from 'execa';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlanEntry } from '../helpers/engine-rig.js';

export { outputPaths } from '../helpers/engine-rig.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STORE = path.resolve(process.env.R4L_STORE ?? path.join(REPO, 'store'));
const CLI = path.join(REPO, 'bin/r4l.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `r4l ARGS…` in `cwd` against the shared store. */
export async function r4l(args: string[], cwd: string = REPO): Promise<CliResult> {
  const result = await execa('node', [CLI, ...args], { cwd, reject: false, env: { R4L_STORE: STORE, CI: '1' }, all: false });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** A temp copy of recipes/ (locks, fragments, modules): edit it freely. */
export async function copyRecipes(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'r4l-e2e-'));
  await fs.cp(path.join(REPO, 'recipes'), path.join(dir, 'recipes'), { recursive: true });
  return dir;
}

export async function plan(recipe: string, cwd: string): Promise<Map<string, PlanEntry>> {
  const result = await r4l(['plan', recipe, '--json'], cwd);
  if (result.exitCode !== 0) throw new Error(`plan failed: ${result.stderr}`);
  return new Map((JSON.parse(result.stdout) as PlanEntry[]).map((e) => [e.name, e]));
}

// A disposable rig for the engine suites: a temp dir holding recipe files and its own store, and
// the real CLI (`node bin/r4l.js --store <dir>/store …`) run with that dir as working directory,
// so diagnostics print paths relative to it and result-* links land in it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// R4L_TEST_CLI points the suites at another build of the CLI (e.g. while the main one is in use).
const CLI = process.env.R4L_TEST_CLI ?? path.join(REPO, 'bin/r4l.js');

/** How a CLI run ended, with everything it printed. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** One entry of `r4l plan --json`. */
export interface PlanEntry {
  name: string;
  kind: string;
  key: string | null;
  state: 'cached' | 'build' | 'substitute';
  deps: string[];
}

/** A running CLI process in its own process group (so a test can kill the whole group). */
export interface Running {
  child: ChildProcess;
  done: Promise<CliResult>;
}

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: '1', NO_COLOR: '1', ...extra };
  delete env.R4L_STORE;
  delete env.R4L_INDEX;
  return env;
}

function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    // 'close' comes after the exit and after stdio ended: the process has been reaped.
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export class Rig {
  private constructor(readonly dir: string) {}

  /** A fresh temp dir; the store is `<dir>/store`. */
  static async create(): Promise<Rig> {
    if (!existsSync(path.join(REPO, 'dist/engine/cli/main.js'))) {
      throw new Error('the CLI is not compiled: run `npx tsc -p tsconfig.json` first');
    }
    return new Rig(await fs.mkdtemp(path.join(os.tmpdir(), 'r4l-engine-')));
  }

  get store(): string {
    return path.join(this.dir, 'store');
  }

  /** Absolute path of a file in the rig. */
  path(rel: string): string {
    return path.join(this.dir, rel);
  }

  /** Writes a file (creating its directories); returns its absolute path. */
  async write(rel: string, text: string | Uint8Array): Promise<string> {
    const file = this.path(rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, text);
    return file;
  }

  async read(rel: string): Promise<string> {
    return fs.readFile(this.path(rel), 'utf8');
  }

  /** Starts `r4l --store <store> ARGS…` without waiting for it. */
  start(args: string[], env: Record<string, string> = {}): Running {
    const child = spawn(process.execPath, [CLI, '--store', this.store, ...args], {
      cwd: this.dir,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    return { child, done: collect(child) };
  }

  /** Runs `r4l --store <store> ARGS…` to the end. */
  async r4l(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    return this.start(args, env).done;
  }

  /** `r4l plan RECIPE --json`, by node name. */
  async plan(recipe: string, nodes: string[] = []): Promise<Map<string, PlanEntry>> {
    const result = await this.r4l(['plan', recipe, ...nodes, '--json']);
    if (result.code !== 0) throw new Error(`r4l plan failed (${String(result.code)}):\n${result.stderr}`);
    return new Map((JSON.parse(result.stdout) as PlanEntry[]).map((e) => [e.name, e]));
  }

  /** Names of the objects in <store>/o. */
  async objects(): Promise<string[]> {
    return (await fs.readdir(path.join(this.store, 'o')).catch(() => [] as string[])).sort();
  }

  /** Every file under <store>/<sub> (relative paths, sorted). */
  async filesUnder(sub: string): Promise<string[]> {
    const root = path.join(this.store, sub);
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else out.push(path.relative(root, full));
      }
    };
    await walk(root);
    return out.sort();
  }

  /**
   * Waits until a running build of `node` (any node when omitted) has touched /build/marker in its
   * scratch dir, i.e. its script is under way; returns the scratch dir's name.
   */
  async waitForBuildMarker(node?: string, ms = 20_000): Promise<string> {
    const tmp = path.join(this.store, 'tmp');
    return waitFor(async () => {
      for (const name of await fs.readdir(tmp).catch(() => [] as string[])) {
        if (node && !name.includes(`-${node}-`)) continue;
        if (await fs.stat(path.join(tmp, name, 'build/marker')).catch(() => undefined)) return name;
      }
      return undefined;
    }, ms, `the ${node ?? 'slow'} node to start`);
  }

  /** Removes the rig, store objects (read-only) included. */
  async dispose(): Promise<void> {
    await makeWritable(this.dir);
    await fs.rm(this.dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

async function makeWritable(target: string): Promise<void> {
  const st = await fs.lstat(target).catch(() => undefined);
  if (!st || st.isSymbolicLink()) return;
  if ((st.mode & 0o700) !== 0o700) await fs.chmod(target, st.mode | 0o700).catch(() => undefined);
  if (st.isDirectory()) for (const name of await fs.readdir(target)) await makeWritable(path.join(target, name));
}

export type Status = 'BUILT' | 'CACHED' | 'FAIL' | 'SKIP' | 'FETCHED';

/** The finished-node lines of a realize run's stderr: `[hh:mm:ss] STATUS  node …`. */
export function statusLines(stderr: string): { status: Status; node: string; rest: string }[] {
  const out: { status: Status; node: string; rest: string }[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^\[\d\d:\d\d:\d\d\] (BUILT|CACHED|FAIL|SKIP|FETCHED)\s+(\S+)(.*)$/.exec(line);
    if (m) out.push({ status: m[1] as Status, node: m[2]!, rest: m[3]!.trim() });
  }
  return out;
}

/** Sorted names of the nodes a run reported with `status`. */
export function nodesWith(stderr: string, status: Status): string[] {
  return statusLines(stderr).filter((l) => l.status === status).map((l) => l.node).sort();
}

/** Output paths printed by realize: `<node>[-<output>] <path>` lines. */
export function outputPaths(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) (\/\S+)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** A `command` node on the host toolchain, as YAML lines under `nodes:`. */
export function commandNode(name: string, script: string, inputs: Record<string, string> = {}, extra: string[] = []): string {
  const lines = [`  ${name}:`, '    kind: command', '    toolchain: host'];
  const names = Object.keys(inputs);
  if (names.length) {
    lines.push('    inputs:');
    for (const n of names) lines.push(`      ${n}: ${inputs[n]!}`);
  }
  lines.push(...extra.map((l) => `    ${l}`));
  lines.push('    script: |');
  for (const l of script.split('\n')) lines.push(`      ${l}`);
  return lines.join('\n');
}

/** A recipe made of command nodes. */
export function recipe(...nodes: string[]): string {
  return ['nodes:', ...nodes].join('\n') + '\n';
}

/** Polls `check` every 25 ms until it returns a value, or fails after `ms`. */
export async function waitFor<T>(check: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Runs one command in a bubblewrap sandbox: a root tree as `/` (read-only), inputs read-only at
// fixed paths, writable binds only where asked, no network, a cleared and fixed environment.
import { promises as fs, createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { BwrapCommand } from './bwrap.js';
import { explainFsError } from '../errors.js';

export interface Bind {
  host: string;
  dest: string;
  writable?: boolean;
}

export interface SandboxSpec {
  /** Host path of the tree that becomes `/`, or `host` for the host's /usr (impure, tests only). */
  root: string | 'host';
  binds: Bind[];
  argv: string[];
  cwd?: string;
  env: Record<string, string>;
  timeoutMs?: number;
  /** Bind /dev/kvm (qemu-test only, and only when the host really has hardware virtualisation). */
  kvm?: boolean;
  /** Keep the terminal (r4l shell): no new session, stdio inherited. */
  interactive?: boolean;
  signal?: AbortSignal;
  /** Every output line (stdout and stderr, merged) as it arrives. */
  onLine?: (line: string) => void;
  /** The log file receiving the merged output. */
  logFile?: string;
}

export type RunOutcome =
  | { reason: 'ok' }
  | { reason: 'exit-non-zero'; exitCode: number }
  | { reason: 'killed'; signal: string }
  | { reason: 'timeout'; seconds: number }
  | { reason: 'cancelled' };

export interface RunResult {
  outcome: RunOutcome;
  /** The last lines of output, for error messages. */
  tail: string[];
  /** The bwrap command line, to copy and rerun. */
  commandLine: string;
}

/** The fixed environment every build sees (DESIGN.md: Sandbox). */
export function baseEnv(epoch: number): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
    HOME: '/build',
    LC_ALL: 'C',
    LANG: 'C',
    TZ: 'UTC',
    USER: 'r4l',
    SOURCE_DATE_EPOCH: String(epoch),
    KBUILD_BUILD_TIMESTAMP: new Date(epoch * 1000).toUTCString(),
    KBUILD_BUILD_USER: 'r4l',
    KBUILD_BUILD_HOST: 'r4l',
    KBUILD_BUILD_VERSION: '1',
  };
}

const HOST_TOP_LEVEL = ['usr', 'bin', 'lib', 'lib64', 'sbin'];
const SPECIAL = new Set(['proc', 'dev', 'tmp', 'sys', 'run']);

/** bwrap arguments for a spec (exported for `r4l shell --print` and tests). */
export async function bwrapArgs(spec: SandboxSpec): Promise<string[]> {
  const args = ['--unshare-net', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent', '--hostname', 'r4l'];
  // bwrap started by root keeps every capability: a script could remount /usr or /in read-write
  // and write to the host. Dropping them all leaves uid 0 an ordinary user (a no-op for non-root).
  args.push('--cap-drop', 'ALL');
  if (!spec.interactive) args.push('--new-session');
  // An empty tmpfs as `/`, the root tree's top-level entries bound into it: any mount point
  // (/out, /in/x, /src) can then be created without writing into the read-only root tree.
  args.push('--tmpfs', '/');
  if (spec.root === 'host') {
    for (const name of HOST_TOP_LEVEL) await addTopLevel(args, '/', name);
  } else {
    for (const name of (await fs.readdir(spec.root)).sort()) {
      if (!SPECIAL.has(name)) await addTopLevel(args, spec.root, name);
    }
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  if (spec.kvm) args.push('--dev-bind', '/dev/kvm', '/dev/kvm');
  for (const bind of spec.binds) args.push(bind.writable ? '--bind' : '--ro-bind', bind.host, bind.dest);
  args.push('--remount-ro', '/');
  args.push('--chdir', spec.cwd ?? '/build', '--clearenv');
  for (const [key, value] of Object.entries(spec.env).sort(([a], [b]) => a.localeCompare(b))) args.push('--setenv', key, value);
  args.push('--', ...spec.argv);
  return args;
}

// Top-level symlinks (merged /usr: /lib → usr/lib) stay symlinks. Binding the directory instead
// gives two paths to one tree, and rustc, which derives its sysroot from where librustc_driver
// was loaded (/lib/x86_64-linux-gnu), then looks for the standard library under `/`, not `/usr`.
async function addTopLevel(args: string[], root: string, name: string): Promise<void> {
  const full = path.join(root, name);
  const st = await fs.lstat(full).catch(() => undefined);
  if (!st) return;
  if (st.isSymbolicLink()) args.push('--symlink', await fs.readlink(full), `/${name}`);
  else args.push('--ro-bind', full, `/${name}`);
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_./=:,+@%-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs the spec; never throws for a failing command (the outcome says what happened), only when
 * the log cannot be written (a full disk).
 */
export async function runInSandbox(bwrap: BwrapCommand, spec: SandboxSpec): Promise<RunResult> {
  const args = [...bwrap.prefixArgs, ...(await bwrapArgs(spec))];
  const commandLine = [bwrap.file, ...args].map(quote).join(' ');
  const tail: string[] = [];
  let log: WriteStream | undefined;
  let logError: Error | undefined;
  if (spec.logFile) {
    await fs.mkdir(path.dirname(spec.logFile), { recursive: true });
    log = createWriteStream(spec.logFile, { flags: 'a' });
    // A full disk must not crash r4l through an unhandled 'error' event: stop logging, let the
    // command finish (or fail), and report the log's error afterwards.
    log.on('error', (error) => {
      logError ??= error;
    });
  }
  const { execa } = await import('execa');
  const child = execa(bwrap.file, args, {
    reject: false,
    stdin: spec.interactive ? 'inherit' : 'ignore',
    stdout: spec.interactive ? 'inherit' : 'pipe',
    stderr: spec.interactive ? 'inherit' : 'pipe',
    all: !spec.interactive,
    buffer: false,
    env: {},
    extendEnv: false,
    timeout: spec.timeoutMs,
    killSignal: 'SIGKILL',
    cancelSignal: spec.signal,
  });
  let partial = '';
  child.all?.on('data', (chunk: Buffer) => {
    if (!logError) log?.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      tail.push(line);
      if (tail.length > 200) tail.shift();
      spec.onLine?.(line);
    }
  });
  const result = await child;
  if (partial) {
    tail.push(partial);
    spec.onLine?.(partial);
  }
  if (log && !logError) await new Promise<void>((resolve) => log.end(resolve));
  if (logError) {
    log?.destroy();
    throw explainFsError(logError, `the build log ${spec.logFile}`);
  }
  let outcome: RunOutcome;
  if (result.isCanceled) outcome = { reason: 'cancelled' };
  else if (result.timedOut) outcome = { reason: 'timeout', seconds: Math.round((spec.timeoutMs ?? 0) / 1000) };
  else if (result.signal) outcome = { reason: 'killed', signal: result.signal };
  else if (result.exitCode !== 0) outcome = { reason: 'exit-non-zero', exitCode: result.exitCode ?? -1 };
  else outcome = { reason: 'ok' };
  return { outcome, tail, commandLine };
}

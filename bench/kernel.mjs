// Issue 4: a cold `kernel` node against the same make command run by a plain shell script in the
// same sandbox with the same toolchain (goal ≤ 1.03×). Each run is one full kernel build (about
// 5 minutes on 2 idle cores). Needs a realised hello recipe and a built dist/ (`npm ci`).
//
// These machines are VMs whose speed drifts by ±10 % from one build to the next (measured: the
// same partial build took 70.8–89.7 s in one sitting), so one pair proves nothing. ROUNDS pairs
// (default 3) are interleaved, the order swapped every round, and both wall time and CPU time
// (user + system of everything each side started, r4l's own Node process included, from a cgroup)
// are reported.
import { spawnSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, REPO } from './lib.mjs';
import { bwrapArgs, baseEnv } from '../dist/engine/sandbox/run.js';
import { hostBwrap } from '../dist/engine/sandbox/bwrap.js';

const rounds = Number(process.env.ROUNDS ?? 3);
const env = { ...process.env, CI: '1' };
const realized = spawnSync('node', [CLI, 'realize', 'recipes/hello.yaml', '--no-link'], { cwd: REPO, env, encoding: 'utf8' });
if (realized.status !== 0) throw new Error(realized.stderr);
const paths = new Map(realized.stdout.split('\n').map((l) => l.split(' ')).filter((p) => p.length === 2));
const jobs = os.availableParallelism();
const bwrap = await hostBwrap();
if (!bwrap) throw new Error('bench/kernel.mjs needs bwrap on PATH');

/**
 * A fresh cgroup (v2) to count the CPU time of everything a run starts. rusage cannot: bwrap's
 * outer process exits on an event from the sandbox's init without reaping it, so the children's
 * times never reach us. Undefined (CPU not reported) without a writable cgroup2 mount.
 */
function newCgroup(label) {
  const mount = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')).find((f) => f[2] === 'cgroup2')?.[1];
  if (!mount) return undefined;
  try {
    return mkdtempSync(path.join(mount, `r4l-bench-${label}-`));
  } catch {
    return undefined;
  }
}

/** Runs argv (inside a new cgroup when possible); wall seconds and CPU seconds of the whole tree. */
function timed(label, argv, opts = {}) {
  const group = newCgroup(label);
  const wrapped = group ? ['sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', group, ...argv] : argv;
  const started = process.hrtime.bigint();
  const r = spawnSync(wrapped[0], wrapped.slice(1), { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  let cpu = NaN;
  if (group) {
    cpu = Number(/^usage_usec (\d+)$/m.exec(readFileSync(path.join(group, 'cpu.stat'), 'utf8'))?.[1]) / 1e6;
    rmdirSync(group);
  }
  if (r.status !== 0) throw new Error(`${argv.slice(0, 3).join(' ')} … failed:\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-3000)}`);
  return { wall, cpu, stdout: r.stdout, stderr: r.stderr };
}

// The plain script: r4l's own sandbox for a kernel node (toolchain as /, source read-only at /src,
// a fresh build tree at /kbuild, scratch at /build, the same environment), running a shell script
// that holds nothing but the make command.
function runPlain() {
  const work = mkdtempSync(path.join(os.tmpdir(), 'r4l-bench-kernel-'));
  const kbuild = path.join(work, 'kbuild');
  const scratch = path.join(work, 'build');
  mkdirSync(kbuild);
  mkdirSync(scratch);
  copyFileSync(path.join(paths.get('config'), '.config'), path.join(kbuild, '.config'));
  chmodSync(path.join(kbuild, '.config'), 0o644);
  writeFileSync(path.join(scratch, 'build.sh'), `make -C /src O=/kbuild -j${jobs} ARCH=x86_64 LLVM=-19 bzImage modules\n`);
  return bwrapArgs({
    root: paths.get('toolchain.rust'),
    binds: [
      { host: paths.get('kernel-source.linux-source'), dest: '/src' },
      { host: kbuild, dest: '/kbuild', writable: true },
      { host: scratch, dest: '/build', writable: true },
    ],
    argv: ['sh', '/build/build.sh'],
    env: baseEnv(1),
  }).then((args) => {
    try {
      const { wall, cpu } = timed('plain', [bwrap.file, ...bwrap.prefixArgs, ...args]);
      return { wall, cpu };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}

// r4l: the kernel node rebuilt from scratch (r4l check rebuilds it regardless of the cache).
// bash's `times` after it gives the CPU time of r4l's own Node process (keys, logs, hashing and
// adding the output): the sandbox's processes are never reaped into it (see newCgroup).
function runR4l() {
  const argv = ['bash', '-c', '"$@"; status=$?; times >&2; exit $status', 'bash', 'node', CLI, 'check', 'recipes/hello.yaml', 'linux', '-j', String(jobs)];
  const { wall, cpu, stdout, stderr } = timed('r4l', argv, { cwd: REPO, env });
  const node = Number(/BUILT +linux in ([\d.]+)s/.exec(stderr)?.[1] ?? NaN);
  const [user, sys] = stderr.trim().split('\n').at(-1).split(/\s+/).map(seconds);
  return { wall, node, cpu, own: user + sys, reproducible: /^OK +linux$/m.test(stdout) };
}

/** `1m2.345s` → 62.345 */
function seconds(text) {
  const [, m, s] = /^(\d+)m([\d.]+)s$/.exec(text);
  return Number(m) * 60 + Number(s);
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const plain = [];
const r4l = [];
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? ['plain', 'r4l'] : ['r4l', 'plain'];
  for (const side of order) {
    if (side === 'plain') plain.push(await runPlain());
    else r4l.push(runR4l());
    const last = side === 'plain' ? plain.at(-1) : r4l.at(-1);
    const detail = side === 'r4l' ? ` (node ${last.node.toFixed(1)} s)` : '';
    const own = side === 'r4l' ? `, of which r4l's own Node process ${last.own.toFixed(1)} s` : '';
    console.log(`round ${round + 1} ${side.padEnd(5)} wall ${last.wall.toFixed(1)} s${detail}, cpu ${last.cpu.toFixed(1)} s${own}`);
  }
}
const ratio = (a, b) => (a / b).toFixed(3);
const pm = median(plain.map((p) => p.wall));
const rn = median(r4l.map((r) => r.node));
const rw = median(r4l.map((r) => r.wall));
const pc = median(plain.map((p) => p.cpu));
const rc = median(r4l.map((r) => r.cpu));
console.log(`\nmedians of ${rounds} interleaved rounds`);
console.log(`plain script (same sandbox, same make)   wall ${pm.toFixed(1)} s   cpu ${pc.toFixed(1)} s`);
console.log(`kernel node (r4l check … linux)          wall ${rn.toFixed(1)} s   ratio ${ratio(rn, pm)} (goal <= 1.03)`);
console.log(`whole r4l check command                  wall ${rw.toFixed(1)} s   cpu ${rc.toFixed(1)} s   cpu ratio ${ratio(rc, pc)}`);
console.log(`r4l's own Node process                   cpu ${median(r4l.map((r) => r.own)).toFixed(1)} s (${((median(r4l.map((r) => r.own)) / rn) * 100).toFixed(1)} % of the node's wall time)`);
console.log(`per-round wall ratios (node / plain): ${r4l.map((r, i) => ratio(r.node, plain[i].wall)).join(' ')}`);
console.log(`reproducible in every round: ${r4l.every((r) => r.reproducible)}`);

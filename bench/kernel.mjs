// Issue 4: a cold `kernel` node against the same make command run by a plain script in the same
// sandbox with the same toolchain, side by side (goal ≤ 1.03×). Each side is one full kernel build
// (about 7 minutes on 2 cores). Needs a realised hello recipe.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, REPO } from './lib.mjs';

const env = { ...process.env, CI: '1' };
const realized = spawnSync('node', [CLI, 'realize', 'recipes/hello.yaml', '--no-link'], { cwd: REPO, env, encoding: 'utf8' });
if (realized.status !== 0) throw new Error(realized.stderr);
const paths = new Map(realized.stdout.split('\n').map((l) => l.split(' ')).filter((p) => p.length === 2));
const jobs = os.availableParallelism();

// The plain script: the same bwrap sandbox (toolchain as /, source read-only, a fresh build dir).
const toolchain = paths.get('toolchain.rust');
const top = readdirSync(toolchain).filter((n) => !['proc', 'dev', 'tmp', 'sys', 'run'].includes(n));
const work = mkdtempSync(path.join(os.tmpdir(), 'r4l-bench-kernel-'));
cpSync(path.join(paths.get('config'), '.config'), path.join(work, '.config'));
chmodSync(path.join(work, '.config'), 0o644);
const binds = top.flatMap((n) => ['--ro-bind', path.join(toolchain, n), `/${n}`]);
const script = `make -C /src O=/kbuild -j${jobs} ARCH=x86_64 LLVM=-19 bzImage modules`;
const runPlain = () => {
const t = process.hrtime.bigint();
const plain = spawnSync('bwrap', ['--unshare-net', '--unshare-pid', '--die-with-parent', '--tmpfs', '/', ...binds, '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp',
  '--ro-bind', paths.get('kernel-source.linux-source'), '/src', '--bind', work, '/kbuild', '--chdir', '/kbuild', '--clearenv',
  '--setenv', 'PATH', '/usr/bin:/bin', '--setenv', 'HOME', '/kbuild', '--setenv', 'KBUILD_BUILD_TIMESTAMP', 'Thu, 01 Jan 1970 00:00:01 GMT', '--setenv', 'KBUILD_BUILD_USER', 'r4l', '--setenv', 'KBUILD_BUILD_HOST', 'r4l', '--setenv', 'KBUILD_BUILD_VERSION', '1',
  'sh', '-c', script], { encoding: 'utf8', maxBuffer: 1 << 28 });
const plainSeconds = Number(process.hrtime.bigint() - t) / 1e9;
if (plain.status !== 0) throw new Error(plain.stderr.slice(-2000));
rmSync(work, { recursive: true, force: true });
return plainSeconds;
};

// r4l: the kernel node rebuilt from scratch (r4l check rebuilds it regardless of the cache).
const runR4l = () => {
const t = process.hrtime.bigint();
const check = spawnSync('node', [CLI, 'check', 'recipes/hello.yaml', 'linux', '-j', String(jobs)], { cwd: REPO, env, encoding: 'utf8' });
const checkSeconds = Number(process.hrtime.bigint() - t) / 1e9;
const node = Number(/BUILT +linux in ([\d.]+)s/.exec(check.stderr)?.[1] ?? NaN);
return { node, checkSeconds, reproducible: /^OK +linux$/m.test(check.stdout) };
};

// ORDER=r4l-first swaps the two builds, to see how much the order (page cache, heat) matters.
let plainSeconds, r;
if (process.env.ORDER === 'r4l-first') {
  r = runR4l();
  plainSeconds = runPlain();
} else {
  plainSeconds = runPlain();
  r = runR4l();
}
const { node, checkSeconds, reproducible } = r;
console.log(`plain script (same sandbox, same make)   ${plainSeconds.toFixed(1)} s`);
console.log(`kernel node (r4l check … linux)          ${node.toFixed(1)} s   ratio ${(node / plainSeconds).toFixed(3)} (goal <= 1.03)`);
console.log(`whole r4l check command                  ${checkSeconds.toFixed(1)} s; reproducible: ${reproducible}`);

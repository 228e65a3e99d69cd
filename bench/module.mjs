// Issue 4/5: after an edit to the module source, the module-only rebuild (r4l realize … hello)
// and edit → verdict (r4l realize …) against the same steps by hand: plain `make M=` in the same
// sandbox, and make + QEMU. Needs a realised hello recipe.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, REPO } from './lib.mjs';

const env = { ...process.env, CI: '1' };
const dir = mkdtempSync(path.join(os.tmpdir(), 'r4l-bench-module-'));
cpSync(path.join(REPO, 'recipes'), path.join(dir, 'recipes'), { recursive: true });
const source = path.join(dir, 'recipes/modules/hello_world/hello_world.rs');
const original = readFileSync(source, 'utf8');
const run = (args) => {
  const t = process.hrtime.bigint();
  const r = spawnSync('node', [CLI, ...args], { cwd: dir, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, ...r };
};
const edit = (n) => writeFileSync(source, original.replace('Hello world from rust!', `Hello world from rust! (edit ${n})`));
const paths = new Map(run(['realize', 'recipes/hello.yaml', '--no-link']).stdout.split('\n').map((l) => l.split(' ')).filter((p) => p.length === 2));

// By hand: the same make in the same sandbox (the toolchain as /, source and build tree read-only).
const bwrap = spawnSync('sh', ['-c', 'command -v bwrap'], { encoding: 'utf8' }).stdout.trim();
const work = mkdtempSync(path.join(os.tmpdir(), 'r4l-bench-make-'));
const byHandMake = () => {
  rmSync(path.join(work, 'module'), { recursive: true, force: true });
  cpSync(path.dirname(source), path.join(work, 'module'), { recursive: true });
  const t = process.hrtime.bigint();
  const r = spawnSync(bwrap, ['--unshare-net', '--die-with-parent', '--tmpfs', '/', '--ro-bind', path.join(paths.get('toolchain.rust'), 'usr'), '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp',
    '--ro-bind', paths.get('kernel-source.linux-source'), '/src', '--ro-bind', paths.get('linux-dev'), '/kbuild', '--bind', work, '/build', '--chdir', '/build', '--clearenv', '--setenv', 'PATH', '/usr/bin', '--setenv', 'HOME', '/build',
    'make', '-C', '/src', 'O=/kbuild', `-j${os.availableParallelism()}`, 'ARCH=x86_64', 'LLVM=-19', 'M=/build/module', 'modules'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr + r.stdout);
  return Number(process.hrtime.bigint() - t) / 1e9;
};

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const moduleOnly = [], verdict = [], make = [];
for (let i = 0; i < 3; i++) {
  edit(`m${i}`);
  moduleOnly.push(run(['realize', 'recipes/hello.yaml', 'hello', '--no-link']).seconds);
  make.push(byHandMake());
  edit(`v${i}`);
  verdict.push(run(['realize', 'recipes/hello.yaml', '--no-link']).seconds);
}
console.log(`plain make M= (same sandbox)        ${median(make).toFixed(2)} s`);
console.log(`module-only rebuild (r4l, edit)      ${median(moduleOnly).toFixed(2)} s   ratio ${(median(moduleOnly) / median(make)).toFixed(2)}`);
console.log(`edit → verdict (module, initramfs, boot) ${median(verdict).toFixed(2)} s`);
rmSync(dir, { recursive: true, force: true });
rmSync(work, { recursive: true, force: true });

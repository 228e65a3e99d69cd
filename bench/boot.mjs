// Issue 5's goal: the boot node, from start to verdict, under TCG takes at most 1.15× the same
// QEMU command line run by hand with the same kernel and initramfs. Needs a realised hello recipe.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLI, REPO } from './lib.mjs';

const env = { ...process.env, CI: '1' };
const runs = Number(process.env.RUNS ?? 5);
const realize = (args) => spawnSync('node', [CLI, 'realize', 'recipes/hello.yaml', '--no-link', ...args], { cwd: REPO, env, encoding: 'utf8' });
const first = realize([]);
if (first.status !== 0) throw new Error(first.stderr);
const paths = new Map(first.stdout.split('\n').map((l) => l.split(' ')).filter((p) => p.length === 2));
const qemuRoot = paths.get('qemu.qemu');
const result = JSON.parse(readFileSync(path.join(paths.get('boot'), 'result.json'), 'utf8'));
// The node's own command line, with the sandbox paths replaced by the store paths.
const argv = result.qemu.map((a) => a.replace('/in/kernel/', paths.get('linux') + '/').replace('/in/initramfs/', paths.get('initramfs') + '/'));
const lib = path.join(qemuRoot, 'usr/lib/x86_64-linux-gnu');
const byHand = [path.join(lib, 'ld-linux-x86-64.so.2'), '--library-path', lib, path.join(qemuRoot, 'usr/bin', argv[0]), '-L', path.join(qemuRoot, 'usr/share/qemu'), '-L', path.join(qemuRoot, 'usr/share/seabios'), ...argv.slice(1)];

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const node = [];
const whole = [];
const hand = [];
for (let i = 0; i < runs; i++) {
  let t = process.hrtime.bigint();
  const r = realize(['boot', '--rerun-tests']);
  whole.push(Number(process.hrtime.bigint() - t) / 1e9);
  const m = /BUILT +boot in ([\d.]+)s/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`boot failed: ${r.stderr}`);
  node.push(Number(m[1]));
  t = process.hrtime.bigint();
  const q = spawnSync(byHand[0], byHand.slice(1), { encoding: 'utf8', timeout: 120_000 });
  hand.push(Number(process.hrtime.bigint() - t) / 1e9);
  if (!q.stdout.includes('Bye world from rust!')) throw new Error(`QEMU by hand did not boot: ${q.stderr}`);
}
console.log(`accelerator: ${result.accel} (${result.accelReason})`);
console.log(`QEMU by hand            ${median(hand).toFixed(2)} s`);
console.log(`boot node to verdict    ${median(node).toFixed(2)} s   ratio ${(median(node) / median(hand)).toFixed(2)} (goal <= 1.15)`);
console.log(`whole r4l realize boot  ${median(whole).toFixed(2)} s   ratio ${(median(whole) / median(hand)).toFixed(2)}`);

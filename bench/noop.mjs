// Issue 2's goal: a no-op `r4l realize` (and `r4l plan`) of a 50-node recipe takes at most 6× the
// time of `node -e 0`, measured side by side in the same run. Prints the medians and the ratios.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, time } from './lib.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'r4l-bench-noop-'));
let yaml = 'nodes:\n';
for (let i = 0; i < 50; i++) {
  yaml += `  n${i}:\n    kind: command\n    toolchain: host\n`;
  if (i > 0) yaml += `    inputs: { prev: n${i - 1}${i > 1 ? `, other: n${Math.floor(i / 2)}` : ''} }\n`;
  yaml += `    script: echo ${i} > /out/x\n`;
}
writeFileSync(path.join(dir, 'r.yaml'), yaml);
const env = { ...process.env, R4L_STORE: path.join(dir, 'store'), CI: '1' };
time('node', [CLI, 'realize', 'r.yaml', '--no-link'], { runs: 1, cwd: dir, env });
const node = time('node', ['-e', '0']);
const realize = time('node', [CLI, 'realize', 'r.yaml', '--no-link'], { cwd: dir, env });
const plan = time('node', [CLI, 'plan', 'r.yaml'], { cwd: dir, env });
const node2 = time('node', ['-e', '0']);
const base = (node + node2) / 2;
console.log(`node -e 0            ${base.toFixed(3)} s`);
console.log(`no-op realize (50)   ${realize.toFixed(3)} s   ratio ${(realize / base).toFixed(2)} (goal <= 6)`);
console.log(`plan (50)            ${plan.toFixed(3)} s   ratio ${(plan / base).toFixed(2)} (goal <= 6)`);
rmSync(dir, { recursive: true, force: true });

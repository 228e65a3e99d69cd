// Issue 3's goal: unpacking the Rust toolchain closure (about 138 .debs, 1.7 GiB) the way the
// debian-packages builder does (in parallel) takes at most 1.5× the time of `dpkg-deb -x` of the
// same packages run one after another. Needs the .debs in the store: run
// `r4l realize recipes/toolchain/rust.yaml rust` first (R4L_STORE as for realize).
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, sh } from './lib.mjs';

const store = path.resolve(process.env.R4L_STORE ?? path.join(REPO, 'store'));
const lock = JSON.parse(readFileSync(path.join(REPO, 'recipes/toolchain/rust.lock.json'), 'utf8')).nodes.rust;
const byName = new Map();
for (const obj of readdirSync(path.join(store, 'o'))) {
  const dir = path.join(store, 'o', obj);
  try {
    for (const f of readdirSync(dir)) if (f.endsWith('.deb')) byName.set(f, path.join(dir, f));
  } catch {}
}
const debs = lock.packages.map((p) => byName.get(path.basename(p.filename)));
if (debs.some((d) => !d)) throw new Error('some .debs are not in the store: realize recipes/toolchain/rust.yaml first');
const { unpackDebs } = await import(path.join(REPO, 'dist/engine/debian/deb.js'));
const { nativeXz } = await import(path.join(REPO, 'dist/engine/debian/native-xz.js'));
// The builder's native xz comes from the pinned xz-utils closure: realise it (cached after once).
const xzRoot = sh(`node '${path.join(REPO, 'bin/r4l.js')}' realize '${path.join(REPO, 'recipes/bootstrap/xz.yaml')}' --no-link`, { env: { ...process.env, R4L_STORE: store } }).match(/^xz (\S+)$/m)[1];
const first = debs.filter((d) => path.basename(d).startsWith('base-files_'));

const seconds = async (fn) => {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
};
const hasDpkg = existsSync('/usr/bin/dpkg-deb');
const a = mkdtempSync(path.join(os.tmpdir(), 'r4l-unpack-'));
const b = mkdtempSync(path.join(os.tmpdir(), 'r4l-dpkg-'));
const ours = await seconds(() => unpackDebs(debs, a, { concurrency: os.availableParallelism(), first, xz: nativeXz(xzRoot) }));
const dpkg = hasDpkg ? await seconds(async () => { for (const d of debs) sh(`dpkg-deb -x '${d}' '${b}'`); }) : NaN;
const files = Number(sh(`find '${a}' | wc -l`).trim());
console.log(`${debs.length} packages, ${files} entries`);
console.log(`r4l unpack (parallel)      ${ours.toFixed(1)} s`);
console.log(`dpkg-deb -x (sequential)   ${dpkg.toFixed(1)} s`);
console.log(`ratio                      ${(ours / dpkg).toFixed(2)} (goal <= 1.5)`);
rmSync(a, { recursive: true, force: true });
rmSync(b, { recursive: true, force: true });

// Shared benchmark helpers: run a command several times and report the median wall time.
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(REPO, 'bin/r4l.js');

/** Median seconds of `runs` executions of file+args. */
export function time(file, args, { runs = 7, cwd = REPO, env = process.env } = {}) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync(file, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${r.stderr}`);
    samples.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

export function sh(cmd, opts = {}) {
  return execFileSync('sh', ['-c', cmd], { encoding: 'utf8', ...opts });
}

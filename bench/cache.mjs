// Issue 6: realize hello into an empty store from a warm remote cache on loopback (nginx WebDAV),
// against copying the same bytes with curl; the substituted outputs must be byte-identical.
// Needs nginx and curl on the host and a realised hello in R4L_STORE.
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CLI, REPO } from './lib.mjs';

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const dir = mkdtempSync(path.join(os.tmpdir(), 'r4l-bench-cache-'));
const root = path.join(dir, 'www');
spawnSync('mkdir', ['-p', root, path.join(dir, 'tmp')]);
writeFileSync(path.join(dir, 'nginx.conf'), `worker_processes 1;
master_process off;
error_log ${dir}/error.log;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  server {
    listen 127.0.0.1:${port};
    location / { root ${root}; dav_methods PUT; create_full_put_path on; client_max_body_size 0; }
  }
}
`);
// master_process off: one process, running as the caller (no switch to an unprivileged user).
const nginx = spawn('nginx', ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', path.join(dir, 'nginx.conf'), '-g', `daemon off; pid ${dir}/nginx.pid;`], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 500));
const url = `http://127.0.0.1:${port}`;
const env = { ...process.env, CI: '1' };
const r4l = (args, extra = {}) => {
  const t = process.hrtime.bigint();
  const r = spawnSync('node', [CLI, ...args], { cwd: dir, env: { ...env, ...extra }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`r4l ${args.join(' ')}: ${r.stderr}`);
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, ...r };
};
try {
  r4l(['key', 'generate', 'bench', '--dir', dir]);
  const pub = readFileSync(path.join(dir, 'bench.public'), 'utf8').trim();
  const recipe = path.join(REPO, 'recipes/hello.yaml');
  const original = r4l(['realize', recipe, '--no-link']).stdout;
  r4l(['push', recipe, '--cache', url, '--sign', path.join(dir, 'bench.secret')]);
  const empty = path.join(dir, 'store');
  const fetched = r4l(['realize', recipe, '--no-link', '--substituter', url, '--trusted-key', pub], { R4L_STORE: empty });
  if (/\bBUILT\b/.test(fetched.stderr)) throw new Error(`something was built instead of fetched:\n${fetched.stderr}`);
  const identical = fetched.stdout.split('\n').filter((l) => l.includes('/o/')).every((l) => original.includes(path.basename(l.split(' ')[1])));
  const cas = readdirSync(path.join(root, 'cas'));
  const bytes = cas.reduce((sum, f) => sum + statSync(path.join(root, 'cas', f)).size, 0);
  const t = process.hrtime.bigint();
  for (const f of cas) spawnSync('curl', ['-sf', '-o', path.join(dir, 'curl.out'), `${url}/cas/${f}`]);
  const curl = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(`archives: ${cas.length}, ${(bytes / 1048576).toFixed(0)} MiB compressed`);
  console.log(`curl of the same archives        ${curl.toFixed(1)} s`);
  console.log(`realize from the cache (empty)   ${fetched.seconds.toFixed(1)} s   ratio ${(fetched.seconds / curl).toFixed(2)}`);
  console.log(`outputs byte-identical (same NAR hashes as the original store): ${identical}`);
} finally {
  nginx.kill();
  rmSync(dir, { recursive: true, force: true });
}

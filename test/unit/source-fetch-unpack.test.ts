// The kernel.org-style source path: fetch a tarball by URL + sha256 (file://), unpack it, apply
// patches in order; a wrong hash or a patch that does not apply fails loudly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CLI = path.resolve(__dirname, '../../bin/r4l.js');
let dir: string;
let tarball: string;
let sha: string;

async function r4l(args: string[]) {
  const r = await execa('node', [CLI, ...args, '--store', path.join(dir, 'store')], { cwd: dir, reject: false, env: { CI: '1' } });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'r4l-fetch-'));
  await fs.mkdir(path.join(dir, 'linux-9.9/kernel'), { recursive: true });
  await fs.writeFile(path.join(dir, 'linux-9.9/Makefile'), 'VERSION = 9\nPATCHLEVEL = 9\n');
  await fs.writeFile(path.join(dir, 'linux-9.9/kernel/fork.c'), 'int fork(void) { return 0; }\n');
  tarball = path.join(dir, 'linux-9.9.tar.xz');
  await execa('tar', ['-C', dir, '-cJf', tarball, 'linux-9.9']);
  sha = createHash('sha256').update(await fs.readFile(tarball)).digest('hex');
  await fs.writeFile(path.join(dir, '0001-version.patch'), '--- a/Makefile\n+++ b/Makefile\n@@ -1,2 +1,2 @@\n VERSION = 9\n-PATCHLEVEL = 9\n+PATCHLEVEL = 10\n');
  await fs.writeFile(path.join(dir, '0002-fork.patch'), '--- a/kernel/fork.c\n+++ b/kernel/fork.c\n@@ -1 +1 @@\n-int fork(void) { return 0; }\n+int fork(void) { return 1; }\n');
  await fs.writeFile(path.join(dir, 'bad.patch'), '--- a/Makefile\n+++ b/Makefile\n@@ -1,2 +1,2 @@\n VERSION = 7\n-PATCHLEVEL = 1\n+PATCHLEVEL = 2\n');
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const recipe = (hash: string, patches: string[]) => `nodes:
  tarball:
    kind: fetch
    url: file://${tarball}
    sha256: ${hash}
  source:
    kind: unpack
    source: tarball
    toolchain: host
    patches: [${patches.join(', ')}]
`;

describe('fetch + unpack + patches', () => {
  it('unpacks the tarball and applies the patches in order', async () => {
    await fs.writeFile(path.join(dir, 'r.yaml'), recipe(sha, ['./0001-version.patch', './0002-fork.patch']));
    const run = await r4l(['realize', 'r.yaml']);
    expect(run.stderr).toMatch(/BUILT +source/);
    expect(run.exitCode).toBe(0);
    expect(await fs.readFile(path.join(dir, 'result-source/Makefile'), 'utf8')).toBe('VERSION = 9\nPATCHLEVEL = 10\n');
    expect(await fs.readFile(path.join(dir, 'result-source/kernel/fork.c'), 'utf8')).toContain('return 1;');
    expect(await fs.readFile(path.join(dir, 'result-tarball/linux-9.9.tar.xz'))).toEqual(await fs.readFile(tarball));
  });

  it('a patch that does not apply fails the node and names the patch', async () => {
    await fs.writeFile(path.join(dir, 'r.yaml'), recipe(sha, ['./bad.patch']));
    const run = await r4l(['realize', 'r.yaml', '--no-link']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('source: patch ./bad.patch does not apply');
  });

  it('a tarball whose hash differs is refused and nothing is stored', async () => {
    const wrong = 'a'.repeat(64);
    await fs.writeFile(path.join(dir, 'r.yaml'), recipe(wrong, []));
    const before = (await fs.readdir(path.join(dir, 'store/o'))).length;
    const run = await r4l(['realize', 'r.yaml', '--no-link']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`tarball: hash mismatch for file://${tarball}: the recipe says sha256 ${wrong}, the file has ${sha}`);
    expect(run.stderr).toMatch(/SKIP +source \(because dependency tarball failed\)/);
    expect((await fs.readdir(path.join(dir, 'store/o'))).length).toBe(before);
  });
});

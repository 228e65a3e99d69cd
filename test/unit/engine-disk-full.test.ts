// A full disk mid-build: the store lives on a small tmpfs that is then filled to a few MiB free.
// Whether the build's own command or r4l's writing runs out of space, realize exits 3 with the
// no-space error, nothing of the build enters the store (no object, no index entry, no scratch,
// no lock), and once space is freed the same realize succeeds. Needs root (mount); CI runs as root.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNode, nodesWith, recipe, Rig } from '../helpers/engine-rig.js';

const isRoot = process.getuid?.() === 0;
const MiB = 1024 * 1024;

describe.skipIf(!isRoot)('a full disk during a build', () => {
  let rig: Rig;
  let disk: string | undefined;
  let big: string | undefined;
  let bigSha: string;

  /** The store's objects, index entries, scratch dirs and locks. */
  const storeState = async () => ({
    objects: await rig.objects(),
    index: await rig.filesUnder('index'),
    tmp: await fs.readdir(path.join(rig.store, 'tmp')),
    locks: await rig.filesUnder('locks'),
  });

  beforeAll(async () => {
    rig = await Rig.create();
    // The rig's store directory is the small disk.
    await fs.mkdir(rig.store);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=160m', 'r4l-test-disk', rig.store]);
    disk = rig.store;
    // A 24 MiB download for the fetch case (outside the small disk).
    big = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'r4l-big-')), 'big.bin');
    const bytes = Buffer.alloc(24 * MiB, 7);
    await fs.writeFile(big, bytes);
    bigSha = createHash('sha256').update(bytes).digest('hex');
    await rig.write(
      'r.yaml',
      recipe(
        commandNode('small', 'echo small > /out/s'),
        commandNode('fill', 'echo writing\nhead -c 64000000 /dev/zero > /out/big\necho done > /out/d', { s: 'small' }),
        ['  download:', '    kind: fetch', `    url: file://${big}`, `    sha256: ${bigSha}`].join('\n'),
      ),
    );
    // The store (bwrap bootstrapped into it when the host has none) and one small object first.
    const first = await rig.r4l(['realize', 'r.yaml', 'small']);
    expect(first.code, first.stderr).toBe(0);
    // Then fill the disk up to 8 MiB free.
    const { bavail, bsize } = statfsSync(rig.store);
    const free = bavail * bsize;
    if (free > 8 * MiB) execFileSync('fallocate', ['-l', String(free - 8 * MiB), path.join(rig.store, 'filler')]);
  });

  afterAll(async () => {
    if (disk) spawnSync('umount', ['-l', disk]);
    if (big) await fs.rm(path.dirname(big), { recursive: true, force: true });
    await rig?.dispose();
  });

  const realize = (nodes: string[]) => rig.r4l(['realize', 'r.yaml', ...nodes]);

  it('a command that fills the disk: exit 3, the disk is named, and nothing of it is kept', async () => {
    const storeBefore = await storeState();
    const run = await realize(['fill']);
    expect(run.code, run.stderr).toBe(3);
    expect(nodesWith(run.stderr, 'FAIL')).toEqual(['fill']);
    expect(run.stderr).toContain('the disk holding the store is full (No space left on device)');
    expect(run.stderr).toContain('hint: free some space (or run `r4l gc`)');
    expect(await storeState()).toEqual(storeBefore);
  });

  it('r4l writing a download into a full store: exit 3 with the no-space error, store intact', async () => {
    const storeBefore = await storeState();
    const run = await realize(['download']);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/no space left on the device while writing/);
    expect(await storeState()).toEqual(storeBefore);
  });

  it('once space is freed, the same realize builds both and the store verifies', async () => {
    await fs.rm(path.join(rig.store, 'filler'), { force: true });
    const run = await realize(['fill', 'download']);
    expect(run.code, run.stderr).toBe(0);
    expect(nodesWith(run.stderr, 'BUILT')).toEqual(['download', 'fill']);
    const verify = await rig.r4l(['verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/, 0 corrupt\n$/);
  });
});

// `r4l gc`: objects held by a live result-* link survive, unrooted ones older than the keep window
// go with their index entries, records and logs, --dry-run deletes nothing, and scratch left by
// dead processes is removed.
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNode, outputPaths, recipe, Rig } from '../helpers/engine-rig.js';

const RECIPE = recipe(commandNode('keep', 'echo keep > /out/k'), commandNode('drop', 'echo drop > /out/d'));

describe('r4l gc', () => {
  let rig: Rig;
  let keep: string;
  let drop: string;

  beforeAll(async () => {
    rig = await Rig.create();
    await rig.write('r.yaml', RECIPE);
    const one = await rig.r4l(['realize', 'r.yaml', 'keep']);
    const two = await rig.r4l(['realize', 'r.yaml', 'drop', '--no-link']);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    keep = path.basename(outputPaths(one.stdout).get('keep')!);
    drop = path.basename(outputPaths(two.stdout).get('drop')!);
    expect(existsSync(rig.path('result-keep'))).toBe(true);
    expect(existsSync(rig.path('result-drop'))).toBe(false);
    expect(await rig.objects()).toEqual([keep, drop].sort());
  });
  afterAll(() => rig?.dispose());

  it('refuses a --keep-days that is not a number', async () => {
    const r = await rig.r4l(['gc', '--keep-days', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--keep-days soon: not a number of days');
  });

  it('keeps everything used within the default window (7 days)', async () => {
    expect(await rig.r4l(['gc'])).toMatchObject({ code: 0, stdout: 'deleted 0 objects, 0.0 MiB; 0 index entries\n' });
    expect(await rig.objects()).toEqual([keep, drop].sort());
  });

  it('--dry-run names what it would delete and deletes nothing', async () => {
    expect(await rig.r4l(['gc', '--keep-days', '0', '--dry-run'])).toMatchObject({ code: 0, stdout: 'would delete 1 objects, 0.0 MiB; 1 index entries\n' });
    expect(await rig.objects()).toEqual([keep, drop].sort());
  });

  it('--keep-days 0 deletes the unrooted object and keeps the one a result link holds', async () => {
    // Scratch of a process that is gone (a reaped child's pid) goes too.
    const dead = spawnSync('true').pid!;
    const abandoned = path.join(rig.store, 'tmp', `${dead}-node-0123456789ab`);
    await fs.mkdir(path.join(abandoned, 'build'), { recursive: true });

    const before = await storeFiles(rig.store);
    expect(await rig.r4l(['gc', '--keep-days', '0'])).toMatchObject({ code: 0, stdout: 'deleted 1 objects, 0.0 MiB; 1 index entries\n' });
    expect(await rig.objects()).toEqual([keep]);
    // drop's index entry, key record and log went with its object; keep's stayed.
    const after = await storeFiles(rig.store);
    for (const dir of ['index', 'records', 'logs']) expect(after[dir], dir).toBe(before[dir]! - 1);
    expect(await rig.read('result-keep/k')).toBe('keep\n');
    expect(existsSync(abandoned)).toBe(false);

    const plan = await rig.plan('r.yaml');
    expect(plan.get('keep')!.state).toBe('cached');
    expect(plan.get('drop')!.state).toBe('build');
  });

  it('lets the object go once its result link is removed', async () => {
    await fs.rm(rig.path('result-keep'));
    expect(await rig.r4l(['gc', '--keep-days', '0'])).toMatchObject({ code: 0, stdout: 'deleted 1 objects, 0.0 MiB; 1 index entries\n' });
    expect(await rig.objects()).toEqual([]);
    expect(await storeFiles(rig.store)).toEqual({ index: 0, records: 0, logs: 0 });
    expect(await fs.readdir(path.join(rig.store, 'roots'))).toEqual([]);
  });
});

/** How many files the embedded index, the key records and the logs hold. */
async function storeFiles(store: string): Promise<Record<string, number>> {
  const count = async (dir: string): Promise<number> => {
    let n = 0;
    for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      n += entry.isDirectory() ? await count(path.join(dir, entry.name)) : 1;
    }
    return n;
  };
  return { index: await count(path.join(store, 'index')), records: await count(path.join(store, 'records')), logs: await count(path.join(store, 'logs')) };
}

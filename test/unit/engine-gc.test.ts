// `r4l gc`: objects held by a live result-* link survive, unrooted ones older than the keep window
// go, --dry-run deletes nothing, and scratch left by dead processes is removed.
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

  it('keeps everything used within the default window (7 days)', async () => {
    expect(await rig.r4l(['gc'])).toMatchObject({ code: 0, stdout: 'deleted 0 objects, 0.0 MiB\n' });
    expect(await rig.objects()).toEqual([keep, drop].sort());
  });

  it('--dry-run names what it would delete and deletes nothing', async () => {
    expect(await rig.r4l(['gc', '--keep-days', '0', '--dry-run'])).toMatchObject({ code: 0, stdout: 'would delete 1 objects, 0.0 MiB\n' });
    expect(await rig.objects()).toEqual([keep, drop].sort());
  });

  it('--keep-days 0 deletes the unrooted object and keeps the one a result link holds', async () => {
    // Scratch of a process that is gone (a reaped child's pid) goes too.
    const dead = spawnSync('true').pid!;
    const abandoned = path.join(rig.store, 'tmp', `${dead}-node-0123456789ab`);
    await fs.mkdir(path.join(abandoned, 'build'), { recursive: true });

    expect(await rig.r4l(['gc', '--keep-days', '0'])).toMatchObject({ code: 0, stdout: 'deleted 1 objects, 0.0 MiB\n' });
    expect(await rig.objects()).toEqual([keep]);
    expect(await rig.read('result-keep/k')).toBe('keep\n');
    expect(existsSync(abandoned)).toBe(false);

    const plan = await rig.plan('r.yaml');
    expect(plan.get('keep')!.state).toBe('cached');
    expect(plan.get('drop')!.state).toBe('build');
  });

  it('lets the object go once its result link is removed', async () => {
    await fs.rm(rig.path('result-keep'));
    expect(await rig.r4l(['gc', '--keep-days', '0'])).toMatchObject({ code: 0, stdout: 'deleted 1 objects, 0.0 MiB\n' });
    expect(await rig.objects()).toEqual([]);
    expect(await fs.readdir(path.join(rig.store, 'roots'))).toEqual([]);
  });
});

// A hard kill mid-build (SIGKILL to r4l's whole process group) leaves no half object in the store
// and no index entry; the next realize steals the dead process's lock, removes its abandoned
// scratch and builds the node.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNode, nodesWith, recipe, Rig } from '../helpers/engine-rig.js';

const RECIPE = recipe(
  commandNode('quick', 'echo quick > /out/q'),
  commandNode('slow', 'echo started\ntouch /build/marker\nsleep 2\necho done > /out/r', { q: 'quick' }),
);

describe('kill -9 during a build', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await Rig.create();
    await rig.write('r.yaml', RECIPE);
    const run = await rig.r4l(['realize', 'r.yaml', 'quick']);
    expect(run.code, run.stderr).toBe(0);
  });
  afterAll(() => rig?.dispose());

  it('leaves no object and no index entry, and the next realize succeeds and cleans up', async () => {
    const key = (await rig.plan('r.yaml')).get('slow')!.key!;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const objectsBefore = await rig.objects();
    const indexBefore = await rig.filesUnder('index');

    const running = rig.start(['realize', 'r.yaml']);
    const tmp = path.join(rig.store, 'tmp');
    const scratch = await rig.waitForBuildMarker('slow');
    process.kill(-running.child.pid!, 'SIGKILL');
    const killed = await running.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stderr).toContain('BUILD   slow (command)');
    expect(killed.stderr).not.toMatch(/BUILT\s+slow/);

    expect(await rig.objects()).toEqual(objectsBefore);
    expect(await rig.filesUnder('index')).toEqual(indexBefore);
    expect((await rig.plan('r.yaml')).get('slow')).toMatchObject({ state: 'build', key });
    // What the dead process left: its scratch dir and its lock on the key.
    expect(await fs.readdir(tmp)).toContain(scratch);
    expect(await rig.filesUnder('locks')).toEqual([`${key}.lock`]);

    const next = await rig.r4l(['realize', 'r.yaml']);
    expect(next.code, next.stderr).toBe(0);
    expect(nodesWith(next.stderr, 'BUILT')).toEqual(['slow']);
    expect(nodesWith(next.stderr, 'CACHED')).toEqual(['quick']);
    expect(await rig.read('result-slow/r')).toBe('done\n');
    expect(await fs.readdir(tmp)).toEqual([]);
    expect(await rig.filesUnder('locks')).toEqual([]);
    expect((await rig.plan('r.yaml')).get('slow')).toMatchObject({ state: 'cached', key });
  });
});

// Early cutoff: a dependency enters its dependents' keys by the hash of what it produced, so a
// changed script that writes identical bytes rebuilds that node only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNode, nodesWith, recipe, Rig } from '../helpers/engine-rig.js';

const withScript = (aScript: string): string =>
  recipe(commandNode('a', aScript), commandNode('b', 'cat /in/a/f > /out/g\necho b >> /out/g', { a: 'a' }));

describe('early cutoff', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await Rig.create();
  });
  afterAll(() => rig?.dispose());

  it('rebuilds a whose script changed, and finds b CACHED because a wrote the same bytes', async () => {
    await rig.write('r.yaml', withScript('printf same > /out/f'));
    const first = await rig.r4l(['realize', 'r.yaml']);
    expect(first.code, first.stderr).toBe(0);
    expect(nodesWith(first.stderr, 'BUILT')).toEqual(['a', 'b']);
    const planned = await rig.plan('r.yaml');

    await rig.write('r.yaml', withScript('# a different script, the same output\nprintf sa > /out/f\nprintf me >> /out/f'));
    const before = await rig.plan('r.yaml');
    expect(before.get('a')!.state).toBe('build');
    expect(before.get('a')!.key).not.toBe(planned.get('a')!.key);
    expect(before.get('b')).toMatchObject({ state: 'build', key: null });

    const second = await rig.r4l(['realize', 'r.yaml']);
    expect(second.code, second.stderr).toBe(0);
    expect(nodesWith(second.stderr, 'BUILT')).toEqual(['a']);
    expect(nodesWith(second.stderr, 'CACHED')).toEqual(['b']);
    expect((await rig.plan('r.yaml')).get('b')!.key).toBe(planned.get('b')!.key);
  });

  it('rebuilds b too when a writes different bytes', async () => {
    await rig.write('r.yaml', withScript('printf other > /out/f'));
    const run = await rig.r4l(['realize', 'r.yaml']);
    expect(run.code, run.stderr).toBe(0);
    expect(nodesWith(run.stderr, 'BUILT')).toEqual(['a', 'b']);
    expect(await rig.read('result-b/g')).toBe('otherb\n');
  });
});

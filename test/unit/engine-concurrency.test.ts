// Two `r4l realize` processes on one store: per-key locks make each node build once; the process
// that waited finds the other's result and reports it CACHED.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNode, outputPaths, recipe, Rig, statusLines } from '../helpers/engine-rig.js';

// Each build takes long enough for the two processes to overlap (a, first of all, long enough
// to absorb a late start of the second process).
const RECIPE = recipe(
  commandNode('a', 'sleep 2\necho a > /out/a'),
  commandNode('b', 'sleep 1\ncat /in/a/a > /out/b\necho b >> /out/b', { a: 'a' }),
  commandNode('c', 'sleep 1\necho c > /out/c'),
);
const NODES = ['a', 'b', 'c'];

describe('concurrent realize on one store', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await Rig.create();
    await rig.write('r.yaml', RECIPE);
  });
  afterAll(() => rig?.dispose());

  it('builds every node exactly once across both processes', async () => {
    const [one, two] = await Promise.all([rig.start(['realize', 'r.yaml', '--no-link']).done, rig.start(['realize', 'r.yaml', '--no-link']).done]);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);

    const lines = [...statusLines(one.stderr), ...statusLines(two.stderr)];
    for (const node of NODES) {
      const statuses = lines.filter((l) => l.node === node).map((l) => l.status).sort();
      expect(statuses, `${node}:\n${one.stderr}\n---\n${two.stderr}`).toEqual(['BUILT', 'CACHED']);
    }
    // Both started together, so at least one of them had to wait on the other's lock.
    expect(one.stderr + two.stderr).toMatch(/waiting for process \d+, which is building the same key/);
    // And both name the same outputs.
    expect(outputPaths(one.stdout)).toEqual(outputPaths(two.stdout));
    expect([...outputPaths(one.stdout).keys()].sort()).toEqual(NODES);
    expect(await rig.filesUnder('locks')).toEqual([]);
    expect(await rig.filesUnder('tmp')).toEqual([]);
  });
});

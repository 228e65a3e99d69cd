// Caching: a second realize builds nothing, and editing one local input file rebuilds exactly the
// nodes that depend on it (checked on the plan before the run and on the run's BUILT lines).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNode, nodesWith, recipe, Rig, type PlanEntry } from '../helpers/engine-rig.js';

//   a.txt → a → c ─┐
//   b.txt → b ─────┴→ d        e (no inputs)
const RECIPE = recipe(
  commandNode('a', 'cat /in/src > /out/a', { src: './a.txt' }),
  commandNode('b', 'cat /in/src > /out/b', { src: './b.txt' }),
  commandNode('c', 'cat /in/a/a > /out/c\necho c >> /out/c', { a: 'a' }),
  commandNode('d', 'cat /in/b/b /in/c/c > /out/d', { b: 'b', c: 'c' }),
  commandNode('e', 'echo e > /out/e'),
);
const ALL = ['a', 'b', 'c', 'd', 'e'];

describe('the cache', () => {
  let rig: Rig;
  let first: Map<string, PlanEntry>;

  beforeAll(async () => {
    rig = await Rig.create();
    await rig.write('r.yaml', RECIPE);
    await rig.write('a.txt', 'one\n');
    await rig.write('b.txt', 'two\n');
    const run = await rig.r4l(['realize', 'r.yaml']);
    expect(run.code, run.stderr).toBe(0);
    expect(nodesWith(run.stderr, 'BUILT')).toEqual(ALL);
    first = await rig.plan('r.yaml');
  });
  afterAll(() => rig?.dispose());

  it('a second realize builds nothing: every node is CACHED', async () => {
    const run = await rig.r4l(['realize', 'r.yaml']);
    expect(run.code, run.stderr).toBe(0);
    expect(nodesWith(run.stderr, 'BUILT')).toEqual([]);
    expect(nodesWith(run.stderr, 'CACHED')).toEqual(ALL);
    expect(run.stderr).toContain('5 cached');
    expect(await rig.read('result-d/d')).toBe('two\none\nc\n');
  });

  it('plan --json says cached, with a key, for every node', () => {
    expect([...first.keys()]).toEqual(ALL);
    for (const entry of first.values()) {
      expect(entry.state).toBe('cached');
      expect(entry.key).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(first.get('d')!.deps).toEqual(['b', 'c']);
  });

  it('editing a.txt rebuilds exactly a, c and d', async () => {
    await rig.write('a.txt', 'one, edited\n');

    const before = await rig.plan('r.yaml');
    // a's key is known (its input is a file) and new; c and d wait for a new output hash.
    expect(before.get('a')).toMatchObject({ state: 'build' });
    expect(before.get('a')!.key).toMatch(/^[0-9a-f]{64}$/);
    expect(before.get('a')!.key).not.toBe(first.get('a')!.key);
    for (const n of ['c', 'd']) expect(before.get(n)).toMatchObject({ state: 'build', key: null });
    for (const n of ['b', 'e']) expect(before.get(n)).toMatchObject({ state: 'cached', key: first.get(n)!.key });

    const run = await rig.r4l(['realize', 'r.yaml']);
    expect(run.code, run.stderr).toBe(0);
    expect(nodesWith(run.stderr, 'BUILT')).toEqual(['a', 'c', 'd']);
    expect(nodesWith(run.stderr, 'CACHED')).toEqual(['b', 'e']);
    expect(await rig.read('result-d/d')).toBe('two\none, edited\nc\n');

    const after = await rig.plan('r.yaml');
    for (const entry of after.values()) expect(entry.state).toBe('cached');
    expect(after.get('a')!.key).toBe(before.get('a')!.key);
  });
});

// A failing node: its dependents are SKIP "because dependency X failed"; without --keep-going the
// nodes not yet started are SKIP too (the documented stop-early behaviour), with it every node
// that does not depend on the failure is built. Exit codes: 0 success, 1 a node failed, 2 user error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNode, outputPaths, recipe, Rig, statusLines } from '../helpers/engine-rig.js';

// With -j 1 the order is fixed: dependencies first, ties by name (bad, child, grandchild, zz).
const RECIPE = recipe(
  commandNode('bad', 'echo about to fail\nexit 3'),
  commandNode('child', 'echo child > /out/c', { up: 'bad' }),
  commandNode('grandchild', 'echo g > /out/g', { up: 'child' }),
  commandNode('zz', 'echo zz > /out/z'),
);

describe('failures', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await Rig.create();
    await rig.write('r.yaml', RECIPE);
  });
  afterAll(() => rig?.dispose());

  it('by default: dependents are skipped because of the failure, and so is what had not started', async () => {
    const run = await rig.r4l(['realize', 'r.yaml', '-j', '1']);
    expect(run.code).toBe(1);
    expect(statusLines(run.stderr).map((l) => `${l.status} ${l.node} ${l.rest}`)).toEqual([
      expect.stringMatching(/^FAIL bad after \d+\.\ds: the script exited with code 3$/),
      'SKIP zz (because an earlier node failed (use --keep-going to build the rest))',
      'SKIP child (because dependency bad failed)',
      'SKIP grandchild (because dependency bad failed)',
    ]);
    expect(run.stderr).toContain('\nbad: the script exited with code 3\n  | about to fail\n  log: ');
    expect(run.stderr).toMatch(/\n1 failed, 3 skipped\n$/);
    expect(run.stdout).toBe('');
  });

  it('with --keep-going: the independent node is built, the dependents still skipped', async () => {
    const run = await rig.r4l(['realize', 'r.yaml', '-j', '1', '--keep-going']);
    expect(run.code).toBe(1);
    const lines = statusLines(run.stderr).map((l) => `${l.status} ${l.node}${l.status === 'SKIP' ? ` ${l.rest}` : ''}`);
    expect(lines.sort()).toEqual([
      'BUILT zz',
      'FAIL bad',
      'SKIP child (because dependency bad failed)',
      'SKIP grandchild (because dependency bad failed)',
    ]);
    expect([...outputPaths(run.stdout).keys()]).toEqual(['zz']);
    expect(await rig.read('result-zz/z')).toBe('zz\n');
    // The failure is not cached: the next run tries again.
    expect((await rig.plan('r.yaml')).get('bad')!.state).toBe('build');
  });

  it('exit code 0 when everything succeeds, 1 when a node fails, 2 for a user error', async () => {
    expect((await rig.r4l(['realize', 'r.yaml', 'zz'])).code).toBe(0);
    expect((await rig.r4l(['realize', 'r.yaml', 'child'])).code).toBe(1);
    // (engine-errors covers recipe errors; a usage error is a user error too.)
    expect((await rig.r4l(['realize', 'r.yaml', '--no-such-flag'])).code).toBe(2);
  });

  it('the log of the failed build is kept and shown by r4l log', async () => {
    const log = await rig.r4l(['log', 'r.yaml', 'bad']);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toContain('about to fail\n');
  });
});

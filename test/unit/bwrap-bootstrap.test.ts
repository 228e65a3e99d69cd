// Nothing from the host but Node: with no bwrap on PATH, r4l fetches the pinned bubblewrap closure
// (real mirror, signature-checked lock) and runs the sandbox through that closure's own ld.so.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandNode, recipe, Rig } from '../helpers/engine-rig.js';

let rig: Rig;
beforeEach(async () => {
  rig = await Rig.create();
});
afterEach(async () => {
  await rig.dispose();
});

describe('bwrap bootstrap', () => {
  it('realizes a sandboxed node on a PATH without bwrap, still without network', async () => {
    await rig.write('r.yaml', recipe(commandNode('probe', 'echo "pid $$" > /out/pid; (exec 3<>/dev/tcp/127.0.0.1/22) 2>/dev/null && echo net > /out/net || echo no-net > /out/net')));
    const run = await rig.r4l(['realize', 'r.yaml'], { PATH: '/usr/local/sbin:/nonexistent', R4L_NO_HOST_BWRAP: '1' });
    expect(run.stderr).toContain('bwrap is not on PATH: using the pinned bubblewrap closure');
    expect(run.stderr).toMatch(/BUILT +probe/);
    expect(run.code).toBe(0);
    // PID 2 or less: the command ran in a new PID namespace, i.e. really inside bwrap.
    expect(Number((await rig.read('result-probe/pid')).trim().split(' ')[1])).toBeLessThanOrEqual(2);
    expect((await rig.read('result-probe/net')).trim()).toBe('no-net');
  });
});

// Ctrl-C (SIGINT to the whole foreground process group) or a SIGTERM to r4l alone, mid-build:
// realize stops at once with exit 130, every sandboxed process is gone, and the store keeps
// nothing of the interrupted node (no object, no index entry, no scratch, no lock).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNode, recipe, Rig } from '../helpers/engine-rig.js';

// A sleep long enough to notice if the interruption did not stop it, with a tell-tale duration.
const SLEEP = '3131';
const RECIPE = recipe(
  commandNode('quick', 'echo quick > /out/q'),
  commandNode('slow', `touch /build/marker\nsleep ${SLEEP}\necho done > /out/r`, { q: 'quick' }),
);

/** Processes whose command line mentions `text` (the rig's paths, or the tell-tale sleep). */
async function processesWith(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').join(' ').includes(text)) found.push(`${pid}: ${cmdline.split('\0').join(' ').slice(0, 120)}`);
  }
  return found;
}

describe('interrupting a realize', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await Rig.create();
    await rig.write('r.yaml', RECIPE);
    const run = await rig.r4l(['realize', 'r.yaml', 'quick']);
    expect(run.code, run.stderr).toBe(0);
  });
  afterAll(() => rig?.dispose());

  it.each([
    ['SIGINT to the process group (Ctrl-C)', 'SIGINT', true],
    ['SIGTERM to r4l alone', 'SIGTERM', false],
  ] as const)('%s: exit 130, no sandbox left, nothing kept', async (_label, signal, group) => {
    const objectsBefore = await rig.objects();
    const indexBefore = await rig.filesUnder('index');
    const tmp = path.join(rig.store, 'tmp');
    expect(await fs.readdir(tmp).catch(() => [])).toEqual([]);
    const running = rig.start(['realize', 'r.yaml']);
    await rig.waitForBuildMarker('slow');
    expect(await processesWith(`sleep ${SLEEP}`)).not.toEqual([]);

    // The sleep would last 52 minutes: returning at all (within the test's timeout) shows it was killed.
    process.kill(group ? -running.child.pid! : running.child.pid!, signal);
    const stopped = await running.done;
    // Not killed by the signal: r4l handled it, cleaned up and exited 130.
    expect({ code: stopped.code, signal: stopped.signal }, stopped.stderr).toEqual({ code: 130, signal: null });
    expect(stopped.stderr).toContain('interrupted: stopping every build (no partial output is kept)');

    expect(await processesWith(`sleep ${SLEEP}`)).toEqual([]);
    expect(await processesWith(rig.store)).toEqual([]);
    expect(await rig.objects()).toEqual(objectsBefore);
    expect(await rig.filesUnder('index')).toEqual(indexBefore);
    expect(await fs.readdir(tmp)).toEqual([]);
    expect(await rig.filesUnder('locks')).toEqual([]);
    expect((await rig.plan('r.yaml')).get('slow')!.state).toBe('build');
  });
});

// A build step can write to /out and /build only: writes to /usr, /etc, /, its inputs and host
// paths are refused (or land in the sandbox's own /tmp), even for uid 0, and the host file system
// is untouched afterwards.
import { existsSync, promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNode, recipe, Rig } from '../helpers/engine-rig.js';

describe('writes from the sandbox', () => {
  let rig: Rig;
  let report: Map<string, string>;
  const tag = `r4l-probe-${randomBytes(4).toString('hex')}`;
  const hostTmp = `/tmp/${tag}`;
  const targets = () => [
    `/usr/${tag}`,
    `/usr/bin/${tag}`,
    `/etc/${tag}`,
    `/${tag}`,
    `/in/src`,
    `/in/dir/${tag}`,
    `/in/dir/file`,
    `/in/dep/${tag}`,
    `/in/dep/made`,
    rig.path(tag), // the rig's host directory: not visible in the sandbox
    hostTmp, // lands in the sandbox's private /tmp
    `/build/${tag}`,
    `/out/${tag}`,
  ];

  beforeAll(async () => {
    rig = await Rig.create();
    await rig.write('src.txt', 'source\n');
    await rig.write('dir/file', 'in a dir\n');
    const probes = targets()
      .map((t) => `if (echo x > ${t}) 2>/dev/null; then echo "${t} writable"; else echo "${t} refused"; fi`)
      .join('\n');
    const script = [
      probes,
      // Privilege cannot buy it back: remounting read-write and changing modes are refused too.
      `if mount -o remount,rw,bind /usr 2>/dev/null; then echo "remount /usr writable"; else echo "remount /usr refused"; fi`,
      `if mount -o remount,rw,bind /in/dir 2>/dev/null; then echo "remount /in/dir writable"; else echo "remount /in/dir refused"; fi`,
      `if chmod u+w /in/dir/file 2>/dev/null; then echo "chmod /in/dir/file writable"; else echo "chmod /in/dir/file refused"; fi`,
    ].join('\n');
    await rig.write(
      'r.yaml',
      recipe(
        commandNode('dep', 'echo made > /out/made'),
        commandNode('probe', `{\n${script}\n} > /build/report\ncp /build/report /out/report`, { src: './src.txt', dir: './dir', dep: 'dep' }),
      ),
    );
    const run = await rig.r4l(['realize', 'r.yaml']);
    expect(run.code, run.stderr).toBe(0);
    const text = await rig.read('result-probe/report');
    report = new Map(text.trim().split('\n').map((l) => [l.slice(0, l.lastIndexOf(' ')), l.slice(l.lastIndexOf(' ') + 1)]));
  });
  afterAll(async () => {
    await fs.rm(hostTmp, { force: true });
    await rig?.dispose();
  });

  it('refuses every write outside /out and /build', () => {
    const expected = Object.fromEntries(targets().map((t) => [t, 'refused']));
    expected[hostTmp] = 'writable'; // the sandbox's own tmpfs
    expected[`/build/${tag}`] = 'writable';
    expected[`/out/${tag}`] = 'writable';
    expected['remount /usr'] = 'refused';
    expected['remount /in/dir'] = 'refused';
    expected['chmod /in/dir/file'] = 'refused';
    expect(Object.fromEntries(report)).toEqual(expected);
  });

  it('leaves the host untouched', async () => {
    for (const p of [`/usr/${tag}`, `/usr/bin/${tag}`, `/etc/${tag}`, `/${tag}`, rig.path(tag), hostTmp, rig.path(`dir/${tag}`)]) {
      expect(existsSync(p), p).toBe(false);
    }
    expect(await rig.read('src.txt')).toBe('source\n');
    expect(await rig.read('dir/file')).toBe('in a dir\n');
    expect(await rig.read('result-dep/made')).toBe('made\n');
    // The input objects in the store still hash to their names.
    const verify = await rig.r4l(['verify']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.stdout).toMatch(/^\d+ objects checked, 0 corrupt$/m);
  });
});

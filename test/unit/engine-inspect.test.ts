// The inspection commands: `r4l why` names what changed in a node's key record, `r4l log` prints
// its build log, `r4l lint` accepts a good recipe, `r4l shell` runs a command in the node's sandbox
// with its inputs under /in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { narHash } from '../../engine/store/nar.js';
import { Rig } from '../helpers/engine-rig.js';

const LIB = ['nodes:', '  tool:', '    kind: command', '    toolchain: host', '    script: echo tool > /out/t', ''].join('\n');
const recipeWith = (aScript: string[]): string =>
  [
    'imports:',
    '  lib: ./lib.yaml',
    'nodes:',
    '  a:',
    '    kind: command',
    '    toolchain: host',
    '    inputs: { src: ./src.txt }',
    '    script: |',
    ...aScript.map((l) => `      ${l}`),
    '  b:',
    '    kind: command',
    '    toolchain: host',
    '    inputs: { a: a, tool: lib.tool, src: ./src.txt }',
    '    script: cat /in/a/a /in/tool/t > /out/b',
    '',
  ].join('\n');
const A1 = ['echo building a', 'cat /in/src > /out/a'];
const A2 = ['echo building a, again', 'cat /in/src > /out/a'];

describe('inspection commands', () => {
  let rig: Rig;
  let keyA: string;

  beforeAll(async () => {
    rig = await Rig.create();
    await rig.write('lib.yaml', LIB);
    await rig.write('src.txt', 'hi\n');
    await rig.write('r.yaml', recipeWith(A1));
  });
  afterAll(() => rig?.dispose());

  it('before any build: why says never realised, log has nothing (exit 2)', async () => {
    keyA = (await rig.plan('r.yaml')).get('a')!.key!;
    expect(await rig.r4l(['why', 'r.yaml', 'a'])).toMatchObject({ code: 0, stdout: `a: never realised from this recipe; current key ${keyA}\n` });
    expect(await rig.r4l(['log', 'r.yaml', 'a'])).toMatchObject({ code: 2, stdout: '', stderr: 'r4l: error: no log for a yet\nhint: realize it first: r4l realize r.yaml a\n' });
    const run = await rig.r4l(['realize', 'r.yaml']);
    expect(run.code, run.stderr).toBe(0);
  });

  it('why: up to date, then the changed script, then the changed input file', async () => {
    expect(await rig.r4l(['why', 'r.yaml', 'a'])).toMatchObject({ code: 0, stdout: `a: up to date (key ${keyA})\n` });

    await rig.write('r.yaml', recipeWith(A2));
    const key2 = (await rig.plan('r.yaml')).get('a')!.key!;
    const script = (lines: string[]): string => JSON.stringify(lines.join('\n') + '\n');
    expect(await rig.r4l(['why', 'r.yaml', 'a'])).toMatchObject({
      code: 0,
      stdout: `a: key ${keyA.slice(0, 12)} → ${key2.slice(0, 12)}; what changed:\n  params.script: ${script(A1)} → ${script(A2)}\n`,
    });
    // b's key needs a's new output: it cannot be explained yet.
    expect(await rig.r4l(['why', 'r.yaml', 'b'])).toMatchObject({ code: 0, stdout: 'b: its key is not known yet: a dependency must be built first (see r4l plan)\n' });

    await rig.write('r.yaml', recipeWith(A1));
    const before = await narHash(rig.path('src.txt'));
    await rig.write('src.txt', 'hello\n');
    const after = await narHash(rig.path('src.txt'));
    const key3 = (await rig.plan('r.yaml')).get('a')!.key!;
    expect(await rig.r4l(['why', 'r.yaml', 'a'])).toMatchObject({
      code: 0,
      stdout: `a: key ${keyA.slice(0, 12)} → ${key3.slice(0, 12)}; what changed:\n  inputs.in/src.out: "${before}" → "${after}"\n`,
    });
    await rig.write('src.txt', 'hi\n');
  });

  it('log prints the build log of the current key, else of the last realisation', async () => {
    const log = await rig.r4l(['log', 'r.yaml', 'a']);
    expect(log).toMatchObject({ code: 0, stderr: '' });
    expect(log.stdout.split('\n').sort()).toEqual(['', 'building a', "r4l: impure: a runs on the host's /usr (toolchain: host)"]);

    // An edited, not yet rebuilt script: the log of what was last built.
    await rig.write('r.yaml', recipeWith(A2));
    expect((await rig.r4l(['log', 'r.yaml', 'a'])).stdout).toBe(log.stdout);
    await rig.write('r.yaml', recipeWith(A1));
    expect(await rig.r4l(['log', 'r.yaml', 'nope'])).toMatchObject({ code: 2 });
  });

  it('lint accepts a good recipe and its imports', async () => {
    expect(await rig.r4l(['lint', 'r.yaml'])).toMatchObject({ code: 0, stdout: 'ok: 3 nodes in 2 files\n' });
    await rig.write('bad.yaml', 'nodes:\n  x:\n    kind: command\n    toolchain: host\n');
    expect(await rig.r4l(['lint', 'bad.yaml'])).toMatchObject({ code: 2, stdout: '' });
  });

  it('shell runs a command in the node sandbox: its inputs under /in, empty /out and /build', async () => {
    const ls = await rig.r4l(['shell', 'r.yaml', 'b', '--', 'sh', '-c', 'ls /in; cat /in/src /in/a/a /in/tool/t; ls -A /out /build; pwd']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toBe('a\nsrc\ntool\nhi\nhi\ntool\n/build:\n\n/out:\n/build\n');
    expect(ls.stderr).toContain("r4l: impure: b has no toolchain; the shell uses the host's /usr\n");
    // The command's exit code is the shell's.
    expect((await rig.r4l(['shell', 'r.yaml', 'b', '--', 'sh', '-c', 'exit 7'])).code).toBe(7);
    // Nothing the shell does reaches the store.
    const objects = await rig.objects();
    expect((await rig.r4l(['shell', 'r.yaml', 'b', '--', 'sh', '-c', 'echo x > /out/x'])).code).toBe(0);
    expect(await rig.objects()).toEqual(objects);
    expect(await rig.filesUnder('tmp')).toEqual([]);
  });
});

// Sharing and proving: recipe bundles realise the same keys elsewhere; `r4l check` catches a
// non-deterministic node and names the file, and passes a deterministic one.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { commandNode, outputPaths, recipe, Rig } from '../helpers/engine-rig.js';

let rig: Rig;
let other: Rig;

beforeEach(async () => {
  rig = await Rig.create();
  other = await Rig.create();
});
afterEach(async () => {
  await rig.dispose();
  await other.dispose();
});

describe('r4l export / realize FILE.tar', () => {
  it('a bundle carries the recipe, its imports and local files, and realises the same keys in another store', async () => {
    await rig.write('lib/base.yaml', recipe(commandNode('base', 'cat /in/greeting/hello.txt > /out/base.txt', { greeting: './data' })));
    await rig.write('lib/data/hello.txt', 'hello from a bundled directory\n');
    await rig.write('main.yaml', `imports:\n  lib: ./lib/base.yaml\n${recipe(commandNode('top', 'cat /in/base/base.txt /in/note > /out/top.txt', { base: 'lib.base', note: './note.txt' }))}`);
    await rig.write('note.txt', 'and a bundled file\n');
    const first = await rig.r4l(['realize', 'main.yaml']);
    expect(first.code).toBe(0);
    const exported = await rig.r4l(['export', 'main.yaml', '-o', 'bundle.tar']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('bundle.tar: 4 files, root recipe main.yaml');
    await fs.copyFile(rig.path('bundle.tar'), other.path('bundle.tar'));
    const keysHere = [...(await rig.plan('main.yaml')).values()].map((e) => [e.name, e.key]);
    const theirPlan = await other.plan('bundle.tar');
    expect([...theirPlan.values()].map((e) => [e.name, e.state])).toEqual([['lib.base', 'build'], ['top', 'build']]);
    const second = await other.r4l(['realize', 'bundle.tar', '--no-link']);
    expect(second.code).toBe(0);
    expect([...(await other.plan('bundle.tar')).values()].map((e) => [e.name, e.key])).toEqual(keysHere);
    const text = await fs.readFile(`${outputPaths(second.stdout).get('top')}/top.txt`, 'utf8');
    expect(text).toBe('hello from a bundled directory\nand a bundled file\n');
  });

  it('a bundle whose file was changed after export is refused', async () => {
    await rig.write('main.yaml', recipe(commandNode('top', 'cat /in/note > /out/x', { note: './note.txt' })));
    await rig.write('note.txt', 'original words\n');
    expect((await rig.r4l(['export', 'main.yaml', '-o', 'bundle.tar'])).code).toBe(0);
    const bytes = await fs.readFile(rig.path('bundle.tar'));
    const at = bytes.indexOf('original words');
    bytes.write('tampered words', at, 'latin1');
    await fs.writeFile(rig.path('bundle.tar'), bytes);
    const run = await rig.r4l(['realize', 'bundle.tar']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bundle\.tar: note\.txt has sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}/);
  });
});

describe('r4l check', () => {
  it('fails on a node whose output changes from build to build, naming the file, sizes and hashes', async () => {
    await rig.write('r.yaml', recipe(commandNode('stable', 'echo same > /out/same.txt'), commandNode('clock', 'echo same > /out/same.txt\ndate +%s%N > /out/stamp.txt')));
    expect((await rig.r4l(['realize', 'r.yaml'])).code).toBe(0);
    const check = await rig.r4l(['check', 'r.yaml', '--report', 'report.json', '--junit', 'check.xml']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^OK +stable$/m);
    expect(check.stdout).toMatch(/^DIFFERS clock$/m);
    expect(check.stdout).toMatch(/^ {4}stamp\.txt: stored file 20 bytes sha256 [0-9a-f]{12}; rebuilt file 20 bytes sha256 [0-9a-f]{12}$/m);
    expect(check.stdout).not.toMatch(/same\.txt/);
    const kept = /the rebuilt output is kept at (\S+)/.exec(check.stdout)![1]!;
    expect(await fs.readFile(`${kept}/same.txt`, 'utf8')).toBe('same\n');
    const report = JSON.parse(await rig.read('report.json'));
    expect(report.checked.find((c: { name: string }) => c.name === 'clock').outputs[0].differences.map((d: { path: string }) => d.path)).toEqual(['stamp.txt']);
    expect(await rig.read('check.xml')).toMatch(/<testcase classname="r4l.check" name="clock"[^>]*><failure/);
  });

  it('passes on deterministic nodes and leaves the store as it was', async () => {
    await rig.write('r.yaml', recipe(commandNode('a', 'echo a > /out/a'), commandNode('b', 'cat /in/a/a /in/a/a > /out/b', { a: 'a' })));
    expect((await rig.r4l(['realize', 'r.yaml'])).code).toBe(0);
    const before = await rig.objects();
    const check = await rig.r4l(['check', 'r.yaml']);
    expect(check.stdout).toMatch(/^OK +a$/m);
    expect(check.stdout).toMatch(/^OK +b$/m);
    expect(check.stdout).toContain('2 checked: 2 reproducible, 0 differ');
    expect(check.code).toBe(0);
    expect(await rig.objects()).toEqual(before);
    expect(await rig.filesUnder('tmp')).toEqual([]);
  });
});

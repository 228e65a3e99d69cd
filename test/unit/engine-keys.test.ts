// The key scheme: the keys of a fixed recipe equal a golden file (so any change of the scheme
// fails here and must come with a KEY_SCHEME bump and a new golden file), canonical JSON, and the
// shape of the key record.
//
// To rewrite the golden file after a deliberate change: R4L_UPDATE_GOLDEN=1 npx vitest run test/unit/engine-keys
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../engine/util/canonical-json.js';
import { sha256Hex, type OutputHash } from '../../engine/util/hash.js';
import { KEY_SCHEME, defaultKeyParams, fixedKey, nodeKey, type KeyRecord } from '../../engine/graph/key.js';
import { keyOf } from '../../engine/graph/inputs.js';
import { analyze, type Graph } from '../../engine/graph/graph.js';
import { loadRecipe } from '../../engine/recipe/load.js';
import { narHash } from '../../engine/store/nar.js';
import { REPO, Rig } from '../helpers/engine-rig.js';

const GOLDEN = path.join(REPO, 'test/fixtures/engine/keys.golden.json');

const INPUT = 'golden input\n';
const RECIPE = [
  'nodes:',
  '  src:',
  '    kind: command',
  '    description: copies the input file',
  '    toolchain: host',
  '    inputs: { f: ./input.txt }',
  '    script: cp /in/f /out/f',
  '  build:',
  '    kind: command',
  '    toolchain: host',
  '    inputs: { s: src, also: ./input.txt }',
  '    env: { MODE: fast }',
  '    timeout: 60',
  '    script: |',
  '      cat /in/s/f /in/also > /out/built',
  '      echo "$MODE" >> /out/built',
  '  solo:',
  '    kind: command',
  '    toolchain: host',
  '    script: echo solo > /out/solo',
  // A fixed-output node: keyed by sha256 + file name, not by where it comes from (the URL
  // holds the rig's random temp dir).
  '  dl:',
  '    kind: fetch',
  '    url: URL',
  `    sha256: ${createHash('sha256').update(INPUT).digest('hex')}`,
  '    name: fetched.txt',
  '',
].join('\n');

interface Golden {
  keyScheme: string;
  keys: Record<string, string>;
  outputs: Record<string, string>;
  /** The key record of `build`, as stored in <store>/records/<key>.json. */
  buildRecord: unknown;
}

describe('key golden file', () => {
  let rig: Rig;
  let golden: Golden;
  let actual: Golden;
  let keysBefore: Record<string, string | null>;

  beforeAll(async () => {
    rig = await Rig.create();
    await rig.write('input.txt', INPUT);
    await rig.write('keys.yaml', RECIPE.replace('URL', pathToFileURL(rig.path('input.txt')).href));
    keysBefore = Object.fromEntries([...(await rig.plan('keys.yaml'))].map(([n, e]) => [n, e.key]));
    const run = await rig.r4l(['realize', 'keys.yaml']);
    expect(run.code, run.stderr).toBe(0);
    const plan = await rig.plan('keys.yaml');
    const keys = Object.fromEntries([...plan].map(([n, e]) => [n, e.key!]));
    const outputs: Record<string, string> = {};
    for (const line of run.stdout.trim().split('\n')) {
      const [name, target] = line.split(' ');
      outputs[name!] = path.basename(target!);
    }
    const stored = JSON.parse(await fs.readFile(path.join(rig.store, 'records', `${keys.build!}.json`), 'utf8')) as { record: unknown };
    actual = { keyScheme: KEY_SCHEME, keys, outputs, buildRecord: stored.record };
    if (process.env.R4L_UPDATE_GOLDEN === '1') {
      await fs.mkdir(path.dirname(GOLDEN), { recursive: true });
      await fs.writeFile(GOLDEN, JSON.stringify(actual, null, 2) + '\n');
    }
    if (!existsSync(GOLDEN)) throw new Error(`${GOLDEN} is missing; write it with R4L_UPDATE_GOLDEN=1`);
    golden = JSON.parse(await fs.readFile(GOLDEN, 'utf8')) as Golden;
  });
  afterAll(() => rig?.dispose());

  it('plan --json gives the golden keys', () => {
    expect(actual.keyScheme).toBe(golden.keyScheme);
    expect(actual.keys).toEqual(golden.keys);
    expect(actual.outputs).toEqual(golden.outputs);
    expect(actual.buildRecord).toEqual(golden.buildRecord);
  });

  it('knows the keys of nodes over files before anything is built, and not of their dependents', () => {
    expect(keysBefore).toEqual({ src: golden.keys.src, solo: golden.keys.solo, dl: golden.keys.dl, build: null });
  });

  it('keys the fetch node by its declared sha256 and file name, not its URL', () => {
    expect(actual.keys.dl).toBe(fixedKey({ sha256: createHash('sha256').update(INPUT).digest('hex'), name: 'fetched.txt' }));
  });

  it('names each key after the sha256 of its canonical record', () => {
    expect(sha256Hex(canonicalJson(actual.buildRecord))).toBe(actual.keys.build);
  });
});

describe('canonicalJson', () => {
  it('sorts object keys by code unit, at every depth, without white space', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: null }, B: true, é: 'x', Z: 'y' })).toBe('{"B":true,"Z":"y","a":{"c":null,"d":[3,1]},"b":1,"é":"x"}');
  });
  it('keeps array order and drops undefined object fields', () => {
    expect(canonicalJson([{ y: undefined, x: 2 }, 'a', undefined])).toBe('[{"x":2},"a",null]');
  });
  it('gives equal bytes for equal data built in any order', () => {
    const one: Record<string, unknown> = {};
    one.kind = 'command';
    one.params = { script: 's', env: { B: '2', A: '1' } };
    const two = { params: { env: { A: '1', B: '2' }, script: 's' }, kind: 'command' };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });
  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ 'k"\n': 'tab\there \u0001 "q" \\' })).toBe('{"k\\"\\n":"tab\\there \\u0001 \\"q\\" \\\\"}');
  });
  it('refuses numbers JSON cannot carry', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/not JSON/);
    expect(() => canonicalJson([Number.POSITIVE_INFINITY])).toThrow(/not JSON/);
  });
});

describe('the key record', () => {
  let dir: string;
  let graph: Graph;
  const fakeOut = 'ab'.repeat(32) as OutputHash;

  beforeAll(async () => {
    const rig = await Rig.create();
    dir = rig.dir;
    await rig.write('input.txt', INPUT);
    await rig.write('keys.yaml', RECIPE.replace('URL', pathToFileURL(rig.path('input.txt')).href));
    graph = await analyze(await loadRecipe(rig.path('keys.yaml')));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  const keyed = (name: string) => keyOf(graph.nodes.get(name)!, (n) => (n === 'src' ? { out: fakeOut } : undefined));

  it('has exactly the documented fields', async () => {
    const k = (await keyed('build'))!;
    const record = k.record as KeyRecord;
    expect(Object.keys(record).sort()).toEqual(['builderVersion', 'extra', 'inputs', 'kind', 'params', 'scheme', 'system']);
    expect(record).toEqual({
      scheme: 'r4l-key/1',
      system: 'x86_64-linux',
      kind: 'command',
      builderVersion: 1,
      params: { script: 'cat /in/s/f /in/also > /out/built\necho "$MODE" >> /out/built\n', env: { MODE: 'fast' }, timeout: 60, host: true, inputs: ['also', 's'] },
      extra: null,
      // A dependency enters by its output hashes, a local file by its NAR hash.
      inputs: { 'in/also': { out: await narHash(path.join(dir, 'input.txt')) }, 'in/s': { out: fakeOut } },
    });
    expect(k.key).toBe(nodeKey(record));
    expect(k.key).toBe(sha256Hex(canonicalJson(record)));
    expect(k.pathHashes).toEqual({ 'in/also': await narHash(path.join(dir, 'input.txt')) });
  });

  it('is unknown while a dependency has no output', async () => {
    expect(await keyOf(graph.nodes.get('build')!, () => undefined)).toBeUndefined();
  });

  it('leaves the description out, so editing it changes no key', async () => {
    const record = (await keyed('src'))!.record as KeyRecord;
    expect(JSON.stringify(record)).not.toContain('copies the input file');
    expect(defaultKeyParams({ description: 'd', inputs: { a: 'x' }, script: 's' }, new Set(['inputs']))).toEqual({ script: 's' });
  });

  it('changes with every parameter and every input hash', async () => {
    const base = (await keyed('build'))!.record as KeyRecord;
    const variants: KeyRecord[] = [
      { ...base, builderVersion: 2 },
      { ...base, kind: 'module' },
      { ...base, params: { ...(base.params as object), timeout: 61 } },
      { ...base, extra: {} },
      { ...base, inputs: { ...base.inputs, 'in/s': { out: 'cd'.repeat(32) as OutputHash } } },
    ];
    const keys = new Set([nodeKey(base), ...variants.map(nodeKey)]);
    expect(keys.size).toBe(variants.length + 1);
  });

  it('names a fixed-output object by its declared hash and file name alone', () => {
    const fixed = { sha256: 'ef'.repeat(32), name: 'x.deb' };
    expect(fixedKey(fixed)).toBe(sha256Hex(`{"fixed":"sha256:${fixed.sha256}","name":"x.deb","scheme":"r4l-key/1"}`));
    expect(fixedKey({ ...fixed, name: 'y.deb' })).not.toBe(fixedKey(fixed));
  });
});

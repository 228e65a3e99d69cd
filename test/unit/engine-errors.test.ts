// Recipe errors, compared as the exact text r4l prints (file:line:col, the line, a squiggle), with
// exit code 2: YAML syntax, schema violations (all of them at once), unknown references, cycles
// (within a file, and across imports), and an import by file:// URL whose sha256 is wrong.
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rig } from '../helpers/engine-rig.js';

const text = (...lines: string[]): string => lines.join('\n') + '\n';

describe('recipe errors', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await Rig.create();
  });
  afterAll(() => rig?.dispose());

  /** Runs a command, expects exit 2 and nothing on stdout, returns stderr. */
  async function fails(args: string[]): Promise<string> {
    const result = await rig.r4l(args);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    return result.stderr;
  }

  it('malformed YAML: an unclosed flow sequence', async () => {
    await rig.write('yaml1.yaml', text('nodes:', '  a:', '    kind: command', '    toolchain: host', '    script: [echo, hi', '  b:', '    kind: command'));
    expect(await fails(['realize', 'yaml1.yaml'])).toBe(text(
      'yaml1.yaml:6:3: error: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
      ' 6 |   b:',
      '   |   ^',
    ));
  });

  it('malformed YAML: a duplicated key', async () => {
    await rig.write('yaml2.yaml', text('nodes:', '  a:', '    kind: command', '    toolchain: host', '    kind: fetch', '    script: echo'));
    expect(await fails(['plan', 'yaml2.yaml'])).toBe(text(
      'yaml2.yaml:5:5: error: invalid YAML: Map keys must be unique',
      ' 5 |     kind: fetch',
      '   |     ^',
    ));
  });

  it('schema violations: unknown field, wrong types, missing fields, unknown kind, all at once', async () => {
    await rig.write('schema.yaml', text(
      'nodes:',
      '  a:',
      '    kind: command',
      '    toolchain: host',
      '    script: echo hi',
      '    colour: red',
      '  b:',
      '    kind: command',
      '    toolchain: host',
      '    script: 42',
      '    timeout: soon',
      '  c:',
      '    kind: command',
      '    inputs: {}',
      '  d:',
      '    kind: comand',
      '    script: x',
    ));
    expect(await fails(['realize', 'schema.yaml'])).toBe(text(
      'schema.yaml:6:5: error: unknown field `colour`',
      ' 6 |     colour: red',
      '   |     ^^^^^^',
      '',
      'schema.yaml:10:13: error: `script`: expected a string, got number 42',
      ' 10 |     script: 42',
      '    |             ^^',
      '',
      'schema.yaml:11:14: error: `timeout`: expected a number, got string "soon"',
      ' 11 |     timeout: soon',
      '    |              ^^^^',
      '',
      'schema.yaml:12:3: error: missing field `toolchain` (expected "host", or a string)',
      ' 12 |   c:',
      '    |   ^',
      '',
      'schema.yaml:12:3: error: missing field `script` (expected a string)',
      ' 12 |   c:',
      '    |   ^',
      '',
      'schema.yaml:16:11: error: unknown kind "comand" (expected one of command, debian-packages, fetch, unpack, kernel-config, kernel, module, initramfs, qemu-test)',
      ' 16 |     kind: comand',
      '    |           ^^^^^^',
    ));
  });

  it('unknown references and missing paths, with suggestions', async () => {
    await rig.write('lib.yaml', text('nodes:', '  tool:', '    kind: command', '    toolchain: host', '    script: echo'));
    await rig.write('refs.yaml', text(
      'imports:',
      '  lib: ./lib.yaml',
      'nodes:',
      '  a:',
      '    kind: command',
      '    toolchain: host',
      '    inputs: { x: nosuch, y: ./missing.txt, z: lib.tol, w: other.thing }',
      '    script: echo hi',
      '  b:',
      '    kind: command',
      '    toolchain: toolchian',
      '    script: echo',
      '  toolchain:',
      '    kind: command',
      '    toolchain: host',
      '    script: echo',
    ));
    expect(await fails(['plan', 'refs.yaml'])).toBe(text(
      'refs.yaml:7:18: error: unknown node `nosuch` (nodes here: a, b, toolchain)',
      ' 7 |     inputs: { x: nosuch, y: ./missing.txt, z: lib.tol, w: other.thing }',
      '   |                  ^^^^^^',
      '',
      `refs.yaml:7:29: error: no such file or directory: ./missing.txt (looked at ${rig.path('missing.txt')})`,
      ' 7 |     inputs: { x: nosuch, y: ./missing.txt, z: lib.tol, w: other.thing }',
      '   |                             ^^^^^^^^^^^^^',
      '',
      'refs.yaml:7:47: error: unknown node `lib.tol` (did you mean `lib.tool`?)',
      ' 7 |     inputs: { x: nosuch, y: ./missing.txt, z: lib.tol, w: other.thing }',
      '   |                                               ^^^^^^^',
      '',
      'refs.yaml:7:59: error: unknown import alias `other` in reference `other.thing` (imports: lib)',
      ' 7 |     inputs: { x: nosuch, y: ./missing.txt, z: lib.tol, w: other.thing }',
      '   |                                                           ^^^^^^^^^^^',
      '',
      'refs.yaml:11:16: error: unknown node `toolchian` (did you mean `toolchain`?)',
      ' 11 |     toolchain: toolchian',
      '    |                ^^^^^^^^^',
    ));
  });

  it('a dependency cycle: the whole path, and where each node is defined', async () => {
    const node = (name: string, dep: string): string[] => [`  ${name}:`, '    kind: command', '    toolchain: host', `    inputs: { x: ${dep} }`, '    script: echo'];
    await rig.write('cycle.yaml', text('nodes:', ...node('a', 'b'), ...node('b', 'c'), ...node('c', 'a'), ...node('d', 'a')));
    expect(await fails(['realize', 'cycle.yaml'])).toBe(text(
      'r4l: error: dependency cycle: a → b → c → a',
      '  a (cycle.yaml:2:3)',
      '  b (cycle.yaml:7:3)',
      '  c (cycle.yaml:12:3)',
      'hint: remove one of these references',
    ));
  });

  it('a cycle across imports (a node in A → B → C → back to A) is reported as the import cycle', async () => {
    // A node can only name nodes of files it imports, so a cross-file node cycle needs an import
    // cycle, which the loader rejects with the whole chain, at the import that closes it.
    await rig.write('x/A.yaml', text('imports:', '  b: ./B.yaml', 'nodes:', '  first:', '    kind: command', '    toolchain: host', '    inputs: { x: b.second }', '    script: echo'));
    await rig.write('x/B.yaml', text('imports:', '  c: ../y/C.yaml', 'nodes:', '  second:', '    kind: command', '    toolchain: host', '    inputs: { x: c.third }', '    script: echo'));
    await rig.write('y/C.yaml', text('imports:', '  a: ../x/A.yaml', 'nodes:', '  third:', '    kind: command', '    toolchain: host', '    inputs: { x: a.first }', '    script: echo'));
    expect(await fails(['plan', 'x/A.yaml'])).toBe(text(
      'y/C.yaml:2:6: error: import cycle: A.yaml → B.yaml → C.yaml → A.yaml',
      ' 2 |   a: ../x/A.yaml',
      '   |      ^^^^^^^^^^^',
    ));
  });

  it('an import by file:// URL whose sha256 does not match', async () => {
    const lib = await rig.write('shared/lib.yaml', text('nodes:', '  tool:', '    kind: command', '    toolchain: host', '    script: echo'));
    const url = pathToFileURL(lib).href;
    const wrong = '0'.repeat(64);
    const actual = createHash('sha256').update(await rig.read('shared/lib.yaml')).digest('hex');
    const line = `  lib: { url: "${url}", sha256: "${wrong}" }`;
    await rig.write('imp.yaml', text('imports:', line, 'nodes: {}'));
    const col = line.indexOf(`"${wrong}"`) + 1;
    expect(await fails(['plan', 'imp.yaml'])).toBe(text(
      `imp.yaml:2:${col}: error: hash mismatch for ${url}: the recipe says sha256 ${wrong}, the file has ${actual}`,
      ` 2 | ${line}`,
      `   | ${' '.repeat(col - 1)}${'^'.repeat(66)}`,
    ));

    // With the right hash the same import loads.
    await rig.write('imp.yaml', text('imports:', `  lib: { url: "${url}", sha256: "${actual}" }`, 'nodes:', '  use:', '    kind: command', '    toolchain: host', '    inputs: { t: lib.tool }', '    script: echo'));
    const ok = await rig.r4l(['plan', 'imp.yaml', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { name: string }[]).map((e) => e.name)).toEqual(['lib.tool', 'use']);
  });

  it('an unknown node on the command line, and a missing recipe file', async () => {
    await rig.write('one.yaml', text('nodes:', '  a:', '    kind: command', '    toolchain: host', '    script: echo'));
    expect(await fails(['realize', 'one.yaml', 'b'])).toBe(text(`r4l: error: no node \`b\` in ${rig.path('one.yaml')}`, 'hint: nodes: a'));
    expect(await fails(['plan', 'nope.yaml'])).toBe(text('r4l: error: recipe not found: nope.yaml', 'hint: give the path of a recipe YAML file, e.g. recipes/hello.yaml'));
  });
});

// The config audit on the real kernel source with the real toolchain (config steps only, about
// 20 s each): options that do not exist, dependencies that are off, a 32-bit base that drops RUST,
// and RUST with a toolchain that lacks bindgen (the message quotes `make rustavailable`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { copyRecipes, r4l } from './rig.js';

let dir: string;

const configNode = (name: string, fragments: string[], opts: { toolchain?: string; arch?: string } = {}) => `  ${name}:
    kind: kernel-config
    source: hello.kernel-source.linux-source
    toolchain: ${opts.toolchain ?? 'hello.toolchain.rust'}
    base: tinyconfig
    fragments: [${fragments.map((f) => `./fragments/${f}`).join(', ')}]
    make: { ARCH: ${opts.arch ?? 'x86_64'}, LLVM: "-19" }
`;

beforeAll(async () => {
  dir = await copyRecipes();
  await fs.writeFile(path.join(dir, 'recipes/fragments/bogus.config'), '# Options this kernel does not have.\nCONFIG_R4L_DOES_NOT_EXIST=y\n');
  await fs.writeFile(path.join(dir, 'recipes/fragments/kunit-example.config'), '# An option whose dependency (KUNIT) is off.\nCONFIG_KUNIT_EXAMPLE_TEST=y\n');
  await fs.writeFile(path.join(dir, 'recipes/fragments/conflict.config'), '# Sets CONFIG_MODULES the other way.\n# CONFIG_MODULES is not set\n');
  await fs.writeFile(
    path.join(dir, 'recipes/audit.yaml'),
    `imports:
  hello: ./hello.yaml
nodes:
${configNode('bogus', ['qemu-x86_64.config', 'bogus.config'])}
${configNode('dependency-off', ['qemu-x86_64.config', 'kunit-example.config'])}
${configNode('thirty-two-bit', ['modules.config', 'rust.config'], { arch: 'i386' })}
${configNode('no-bindgen', ['qemu-x86_64.config', 'modules.config', 'rust.config'], { toolchain: 'hello.toolchain.rust-without-bindgen' })}
${configNode('conflicting', ['modules.config', 'conflict.config'])}
`,
  );
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const audit = async (node: string) => {
  const run = await r4l(['realize', 'recipes/audit.yaml', node, '--no-link'], dir);
  expect(run.exitCode).toBe(1);
  expect(run.stderr).toMatch(new RegExp(`FAIL +${node}`));
  return run.stderr;
};

describe('kernel-config audit on the real 6.12 source', () => {
  it('names an option that does not exist, with the fragment line that asked', async () => {
    const text = await audit('bogus');
    expect(text).toContain('CONFIG_R4L_DOES_NOT_EXIST: asked y, got not set (recipes/fragments/bogus.config:2)');
    expect(text).toMatch(/no such option|not defined|does not exist/i);
  });

  it('shows the depends-on expression, with values, of an option whose dependency is off', async () => {
    const text = await audit('dependency-off');
    expect(text).toContain('CONFIG_KUNIT_EXAMPLE_TEST: asked y, got not set (recipes/fragments/kunit-example.config:2)');
    expect(text).toContain('KUNIT [=n]');
  });

  it('a 32-bit base drops RUST: the report shows why', async () => {
    const text = await audit('thirty-two-bit');
    expect(text).toContain('CONFIG_RUST: asked y, got not set (recipes/fragments/rust.config:2)');
    expect(text).toMatch(/HAVE_RUST \[=n\]/);
    expect(text).toContain('`make rustavailable` says:');
  });

  it('RUST with a toolchain that lacks bindgen: the report quotes make rustavailable', async () => {
    const text = await audit('no-bindgen');
    expect(text).toContain('CONFIG_RUST: asked y, got not set (recipes/fragments/rust.config:2)');
    expect(text).toContain('RUST_IS_AVAILABLE [=n]');
    expect(text).toMatch(/`make rustavailable` says:[\s\S]*Rust bindings generator 'bindgen' could not be found/);
  });

  it('fragments that set one option two ways are reported with both places', async () => {
    const text = await audit('conflicting');
    expect(text).toMatch(/CONFIG_MODULES[\s\S]*recipes\/fragments\/modules\.config:2[\s\S]*recipes\/fragments\/conflict\.config:2/);
  });
});

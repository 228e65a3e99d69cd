// The mission end to end: the real toolchain, kernel, module and QEMU boot of recipes/hello.yaml.
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { copyRecipes, outputPaths, plan, r4l } from './rig.js';

describe('recipes/hello.yaml', () => {
  let first: Awaited<ReturnType<typeof r4l>>;

  it('realizes: kernel, Rust module, and a boot that shows both module lines', async () => {
    first = await r4l(['realize', 'recipes/hello.yaml', '--no-link']);
    expect(first.stderr + first.stdout).not.toMatch(/FAIL/);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(/^boot: PASS \((tcg|kvm), [\d.]+s\)/m);
    const boot = outputPaths(first.stdout).get('boot')!;
    const console = await fs.readFile(path.join(boot, 'console.log'), 'utf8');
    const hello = console.indexOf('Hello world from rust!');
    const bye = console.indexOf('Bye world from rust!');
    expect(hello).toBeGreaterThan(0);
    expect(bye).toBeGreaterThan(hello);
    const result = JSON.parse(await fs.readFile(path.join(boot, 'result.json'), 'utf8'));
    expect(result.verdict).toBe('pass');
    expect(result.expectations.map((e: { lineNumber: number }) => e.lineNumber).every((n: number) => n > 0)).toBe(true);
    expect(await fs.readFile(path.join(boot, 'junit.xml'), 'utf8')).toContain('<testsuite');
  });

  it('a second realize does no work and prints the cached verdict', async () => {
    const again = await r4l(['realize', 'recipes/hello.yaml', '--no-link']);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).not.toMatch(/\b(BUILD|BUILT)\b/);
    expect(again.stderr).toMatch(/CACHED +boot/);
    expect(again.stdout).toMatch(/^boot: PASS/m);
  });

  it('the module is an ELF relocatable whose modinfo has the recipe name, license and the kernel vermagic', async () => {
    const paths = outputPaths(first.stdout);
    const ko = await fs.readFile(path.join(paths.get('hello')!, 'hello_world.ko'));
    expect(ko.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(ko.readUInt16LE(16)).toBe(1); // ET_REL
    const modinfo = JSON.parse(await fs.readFile(path.join(paths.get('hello')!, 'modinfo.json'), 'utf8'))['hello_world.ko'];
    expect(modinfo.name).toBe('hello_world');
    expect(modinfo.license).toBe('GPL');
    expect(modinfo.author).toBe('r4l developers');
    const release = (await fs.readFile(path.join(paths.get('linux')!, 'kernelrelease'), 'utf8')).trim();
    expect(modinfo.vermagic.split(' ')[0]).toBe(release);
    expect(modinfo.vermagic).toContain('mod_unload');
  });

  it('editing only the module source rebuilds only the module and what depends on it', async () => {
    const dir = await copyRecipes();
    const before = await plan('recipes/hello.yaml', dir);
    expect([...before.values()].every((e) => e.state === 'cached')).toBe(true);
    const source = path.join(dir, 'recipes/modules/hello_world/hello_world.rs');
    // A new text every run: a store kept warm between runs must still see a new module.
    const greeting = `Hello world from rust! (edited ${Date.now()})`;
    await fs.writeFile(source, (await fs.readFile(source, 'utf8')).replace('Hello world from rust!', greeting));
    const edited = await plan('recipes/hello.yaml', dir);
    const rebuilt = [...edited.values()].filter((e) => e.state !== 'cached').map((e) => e.name).sort();
    expect(rebuilt).toEqual(['boot', 'hello', 'initramfs']);
    expect(edited.get('linux')!.key).toBe(before.get('linux')!.key);
    const run = await r4l(['realize', 'recipes/hello.yaml', '--no-link'], dir);
    expect(run.exitCode).toBe(0);
    const builtNodes = [...run.stderr.matchAll(/BUILT +(\S+)/g)].map((m) => m[1]).sort();
    expect(builtNodes).toEqual(['boot', 'hello', 'initramfs']);
    const boot = outputPaths(run.stdout).get('boot')!;
    expect(await fs.readFile(path.join(boot, 'console.log'), 'utf8')).toContain(greeting);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('the initramfs rebuilt from the same inputs is byte-identical (r4l check)', async () => {
    const result = await r4l(['check', 'recipes/hello.yaml', 'initramfs', 'hello']);
    expect(result.stdout).toMatch(/^OK +initramfs$/m);
    expect(result.stdout).toMatch(/^OK +hello$/m);
    expect(result.exitCode).toBe(0);
  });
});

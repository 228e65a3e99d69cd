// The audit against a real kernel tree (Linux 6.12). Set R4L_TEST_KERNEL_SRC to an unpacked
// source tree (the directory with the top-level Kconfig); skipped when it is not set.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditConfig, renderAudit } from '../../engine/kconfig/audit.js';
import { renderExpr } from '../../engine/kconfig/expr.js';
import { parseConfig, parseFragment } from '../../engine/kconfig/fragment.js';
import { definitionDependency, loadKconfigTree, treeEvalContext, type KconfigTree } from '../../engine/kconfig/kconfig-tree.js';

const src = process.env.R4L_TEST_KERNEL_SRC;
const present = src !== undefined && existsSync(path.join(src, 'Kconfig'));

describe.skipIf(!present)('Kconfig audit on a real kernel tree', () => {
  const root = src ?? '';
  let tree: KconfigTree;
  let loadMs = 0;

  beforeAll(() => {
    const t0 = performance.now();
    tree = loadKconfigTree(root, { srcarch: 'x86' });
    loadMs = performance.now() - t0;
    console.log(`kconfig: loaded ${tree.files.length} files, ${tree.symbols.size} symbols in ${loadMs.toFixed(0)} ms`);
  });

  it('reads the whole x86 tree quickly and without warnings', () => {
    expect(tree.files.length).toBeGreaterThan(1500);
    expect(tree.files).toContain('arch/x86/Kconfig');
    expect(tree.symbols.size).toBeGreaterThan(15000);
    expect(tree.warnings).toEqual([]);
    expect(loadMs).toBeLessThan(10_000); // typically 0.4–1.5 s; generous for loaded CI machines
  });

  it("finds config RUST in init/Kconfig and renders its depends with a .config's values", () => {
    const rust = tree.symbols.get('RUST')!;
    expect(rust.type).toBe('bool');
    const def = rust.definitions.find((d) => d.prompt)!;
    const lines = readFileSync(path.join(root, 'init/Kconfig'), 'utf8').split('\n');
    expect(def.pos.file).toBe('init/Kconfig');
    expect(lines[def.pos.line - 1]).toBe('config RUST');
    expect(def.prompt!.text).toBe('Rust support');

    const values = parseConfig('CONFIG_64BIT=y\nCONFIG_HAVE_RUST=y\nCONFIG_MODVERSIONS=y\nCONFIG_RUSTC_VERSION=108501\n');
    const rendered = renderExpr(definitionDependency(def)!, { ...treeEvalContext(tree), values });
    expect(rendered).toMatch(/^HAVE_RUST \[=y\] && RUST_IS_AVAILABLE \[=n\] && !MODVERSIONS \[=y\] && /);
    expect(rendered).toContain('RUSTC_VERSION [=108501] >= 108100');
  });

  it('reports a fragment option that no Kconfig file defines', () => {
    const r = auditConfig({
      fragments: [{ file: '/r/nope.config', displayPath: 'recipes/fragments/nope.config', text: 'CONFIG_RUST_IS_FUN=y\nCONFIG_DEBUG_VM_VMACACHE=y\n' }],
      finalConfig: 'CONFIG_64BIT=y\n',
      kconfig: tree,
    });
    expect(r.ok).toBe(false);
    expect(r.misses.map((m) => [m.option, m.kind])).toEqual([
      ['CONFIG_RUST_IS_FUN', 'no-such-option'],
      ['CONFIG_DEBUG_VM_VMACACHE', 'no-such-option'],
    ]);
    expect(renderAudit(r)).toContain("CONFIG_RUST_IS_FUN: asked y, got not set (recipes/fragments/nope.config:1)\n  no such option in this kernel's Kconfig");
  });

  it("explains why the kernel's own rust.config does not land on a 32-bit config", () => {
    // the kernel's fragment, and i386_defconfig as the final .config (64BIT is not set); a defconfig
    // leaves out what Kconfig sets by itself, so add the def_bool symbols a 32-bit .config has
    const fragment = readFileSync(path.join(root, 'kernel/configs/rust.config'), 'utf8');
    const finalConfig = `${readFileSync(path.join(root, 'arch/x86/configs/i386_defconfig'), 'utf8')}CONFIG_X86_32=y\nCONFIG_X86=y\n`;
    expect(parseConfig(finalConfig).get('64BIT')).toBe('n');
    const r = auditConfig({ fragments: [{ file: path.join(root, 'kernel/configs/rust.config'), displayPath: 'kernel/configs/rust.config', text: fragment }], finalConfig, kconfig: tree });
    expect(r.ok).toBe(false);
    const text = renderAudit(r);
    console.log(text);
    const line = parseFragment(fragment, 'f').find((a) => a.name === 'RUST')!.line;
    expect(text).toContain(`CONFIG_RUST: asked y, got not set (kernel/configs/rust.config:${line})\n  depends on: HAVE_RUST [=n] && RUST_IS_AVAILABLE [=n] && `);
    expect(text).toMatch(/\n {2}unmet: HAVE_RUST \[=n\], RUST_IS_AVAILABLE \[=n\]\n/);
    expect(text).toContain('HAVE_RUST [=n] has no prompt: only a select can set it');
    expect(text).toMatch(/selected by X86 \[=y\] && X86_64 \[=n\] \(arch\/x86\/Kconfig:\d+\)/);
    expect(text).toContain('depends on: 64BIT [=n]');
  });

  it('parses every fragment the kernel ships', () => {
    for (const f of ['kernel/configs/debug.config', 'kernel/configs/tiny.config', 'kernel/configs/kvm_guest.config', 'arch/x86/configs/tiny.config', 'arch/x86/configs/x86_64_defconfig']) {
      expect(parseFragment(readFileSync(path.join(root, f), 'utf8'), f).length, f).toBeGreaterThan(0);
    }
  });
});

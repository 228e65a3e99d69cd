// Reading a Kconfig tree: source/osource/rsource with $(SRCARCH), help blocks, continuations,
// comments, menus, choices and if blocks, each symbol's depends with its enclosing conditions.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseExpr, renderExpr } from '../../engine/kconfig/expr.js';
import {
  definitionDependency,
  KconfigLoadError,
  loadKconfigTree,
  promptCondition,
  type KconfigTree,
} from '../../engine/kconfig/kconfig-tree.js';

const root = fileURLToPath(new URL('../fixtures/kconfig/tree', import.meta.url));
const tree: KconfigTree = loadKconfigTree(root);
const def = (name: string, i = 0) => {
  const d = tree.symbols.get(name)?.definitions[i];
  if (!d) throw new Error(`no definition ${i} of ${name}`);
  return d;
};
const dep = (name: string, i = 0): string | undefined => {
  const e = definitionDependency(def(name, i));
  return e && renderExpr(e);
};

describe('loadKconfigTree on the fixture tree', () => {
  it('follows source, $(SRCARCH), rsource, and skips a missing osource', () => {
    expect(tree.files).toEqual(['Kconfig', 'scripts/Kconfig.include', 'init/Kconfig', 'arch/x86/Kconfig', 'arch/x86/Kconfig.sub']);
    expect(tree.warnings).toEqual([]);
    expect(tree.vars).toMatchObject({ SRCARCH: 'x86', ARCH: 'x86' });
    expect(tree.srcRoot).toBe(root);
  });

  it('collects every symbol, and none from help text', () => {
    expect([...tree.symbols.keys()].sort()).toEqual([
      '64BIT', 'AFTER_COMMENT', 'CALL_PADDING', 'EXTRA_THING', 'GENERIC_CPU', 'HAVE_RUST', 'HIDDEN_OPTION', 'LOCALVERSION',
      'LOG_BUF_SHIFT', 'MCORE2', 'MODULES', 'MODULE_SIG', 'MODVERSIONS', 'PHYS_OFFSET', 'RUST', 'RUSTC_VERSION',
      'RUST_IS_AVAILABLE', 'X86', 'X86_32', 'X86_64',
    ]);
  });

  it('records position, type, prompt and depends (menu depends first, comments not attached)', () => {
    const rust = def('RUST');
    expect(rust.pos).toEqual({ file: 'init/Kconfig', line: 35 });
    expect(rust.kind).toBe('config');
    expect(tree.symbols.get('RUST')!.type).toBe('bool');
    expect(rust.prompt?.text).toBe('Rust support');
    expect(rust.dependsOn).toHaveLength(4);
    expect(dep('RUST')).toBe('(MODULES || !MODULES) && HAVE_RUST && RUST_IS_AVAILABLE && !MODVERSIONS && (!CALL_PADDING || RUSTC_VERSION >= 108100)');
    // the comment's `depends on !64BIT` belongs to the comment, not to RUST nor LOCALVERSION
    expect(dep('LOCALVERSION')).toBe('MODULES || !MODULES');
    expect(tree.symbols.get('LOCALVERSION')!.type).toBe('string');
    expect(tree.symbols.get('LOG_BUF_SHIFT')!.type).toBe('int');
    expect(tree.symbols.get('PHYS_OFFSET')!.type).toBe('hex');
    expect(tree.symbols.get('MODULES')!.type).toBe('bool');
    expect(def('HAVE_RUST').prompt).toBeUndefined();
  });

  it('joins continued lines, ends help at a smaller indent, applies if blocks', () => {
    expect(dep('MODULE_SIG')).toBe('MODULES && MODULES && !RUST && !MODVERSIONS');
    expect(def('MODULE_SIG').enclosing.map((e) => renderExpr(e))).toEqual(['MODULES']);
    // a comment ending in a backslash does not swallow the next line
    expect(def('AFTER_COMMENT').pos).toEqual({ file: 'init/Kconfig', line: 78 });
    expect(tree.symbols.get('AFTER_COMMENT')!.type).toBe('tristate');
  });

  it('keeps defaults as written and types from def_bool', () => {
    expect(def('RUST_IS_AVAILABLE').defaults.map((d) => d.text)).toEqual(['def_bool $(success,$(srctree)/scripts/rust_is_available.sh)']);
    expect(tree.symbols.get('RUST_IS_AVAILABLE')!.type).toBe('bool');
    expect(def('64BIT').defaults.map((d) => d.text)).toEqual(['default "x86" != "i386"']);
  });

  it('expands $(ARCH) in prompt conditions', () => {
    expect(renderExpr(def('64BIT').prompt!.if!)).toBe('"x86" = "x86"');
    const i386 = loadKconfigTree(root, { srcarch: 'x86', arch: 'i386' });
    const d = i386.symbols.get('64BIT')!.definitions[0]!;
    expect(renderExpr(d.prompt!.if!)).toBe('"i386" = "x86"');
    expect(i386.vars).toMatchObject({ SRCARCH: 'x86', ARCH: 'i386' });
  });

  it('records selects as reverse dependencies', () => {
    const sel = tree.symbols.get('HAVE_RUST')!.selectedBy;
    expect(sel).toHaveLength(1);
    expect(sel[0]!.by).toBe('X86');
    expect(renderExpr(sel[0]!.if!)).toBe('X86_64');
    expect(sel[0]!.pos).toEqual({ file: 'arch/x86/Kconfig', line: 18 });
    expect(tree.symbols.get('EXTRA_THING')!.selectedBy.map((s) => s.by)).toEqual(['RUST']);
  });

  it('keeps every definition of a symbol with its own enclosing conditions', () => {
    const sym = tree.symbols.get('EXTRA_THING')!;
    expect(sym.definitions.map((d) => d.pos)).toEqual([{ file: 'init/Kconfig', line: 29 }, { file: 'arch/x86/Kconfig.sub', line: 3 }]);
    expect(sym.type).toBe('tristate');
    expect(dep('EXTRA_THING', 0)).toBeUndefined();
    expect(dep('EXTRA_THING', 1)).toBe('64BIT && X86_64');
    expect(def('EXTRA_THING', 1).prompt?.text).toBe('Extra thing');
  });

  it('gives choice members the choice and its depends', () => {
    expect(tree.choices).toHaveLength(1);
    const c = tree.choices[0]!;
    expect(c).toMatchObject({ pos: { file: 'arch/x86/Kconfig', line: 20 }, prompt: 'Processor family', members: ['MCORE2', 'GENERIC_CPU'] });
    expect(def('MCORE2').choice).toBe(c);
    expect(dep('GENERIC_CPU')).toBe('X86_64');
    expect(def('X86').choice).toBeUndefined();
  });

  it('records menus’ visible if as prompt conditions', () => {
    const e = promptCondition(def('HIDDEN_OPTION'));
    expect(e && renderExpr(e)).toBe('64BIT && !64BIT');
    expect(dep('HIDDEN_OPTION')).toBeUndefined();
    expect(promptCondition(def('RUST'))).toBeUndefined();
  });

  it('warns about what it cannot read instead of failing', () => {
    const broken = loadKconfigTree(root, { entry: 'Kconfig.broken' });
    expect(broken.symbols.has('GOOD')).toBe(true);
    expect(broken.warnings).toEqual([
      { file: 'Kconfig.broken', line: 4, message: 'sourced file missing/Kconfig not found' },
      { file: 'Kconfig.broken', line: 6, message: "unknown statement 'frobnicate'" },
      { file: 'Kconfig.broken', line: 8, message: "'menu' not closed at the end of the file" },
    ]);
  });

  it('fails when the top Kconfig file is missing', () => {
    expect(() => loadKconfigTree('/nonexistent/linux')).toThrow(KconfigLoadError);
  });

  it('parses the expressions it stores', () => {
    expect(def('RUST').dependsOn[3]).toEqual(parseExpr('!CALL_PADDING || RUSTC_VERSION >= 108100'));
  });
});

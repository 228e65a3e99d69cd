// The config audit on the fixture tree: misses with who asked, asked vs got and the unmet depends
// with values; unknown options; conflicts; how values compare; the rendered report.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { auditConfig, renderAudit, type FragmentInput } from '../../engine/kconfig/audit.js';
import { FragmentSyntaxError } from '../../engine/kconfig/fragment.js';
import { loadKconfigTree } from '../../engine/kconfig/kconfig-tree.js';

const fixtures = new URL('../fixtures/kconfig/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, fixtures), 'utf8');
const tree = loadKconfigTree(fileURLToPath(new URL('tree', fixtures)));
const frag = (displayPath: string, text: string): FragmentInput => ({ file: `/abs/${displayPath}`, displayPath, text });
const rustFragment = frag('recipes/fragments/rust.config', read('fragments/rust.config'));
const cfg32 = read('configs/x86_32.config');
const cfg64 = read('configs/x86_64.config');
const audit = (fragments: FragmentInput[], finalConfig = cfg64) => auditConfig({ fragments, finalConfig, kconfig: tree });

describe('auditConfig', () => {
  it('passes when every requested option landed (values compared as Kconfig reads them)', () => {
    const r = audit([frag('mixed.config', read('fragments/mixed.config'))]);
    expect(r).toMatchObject({ ok: true, requested: 6, misses: [], conflicts: [], warnings: [] });
    expect(renderAudit(r)).toBe('config audit: all 6 requested options landed in .config\n');
  });

  it('reports CONFIG_RUST on a 32-bit config with the unmet depends and why they are unmet', () => {
    const r = audit([frag('recipes/fragments/rust.config', 'CONFIG_RUST=y\n')], cfg32);
    expect(r.ok).toBe(false);
    expect(r.misses).toHaveLength(1);
    const m = r.misses[0]!;
    expect(m).toMatchObject({ option: 'CONFIG_RUST', name: 'RUST', got: undefined, kind: 'wrong-value', definedAt: [{ file: 'init/Kconfig', line: 35 }] });
    expect(m.asked).toMatchObject({ file: 'recipes/fragments/rust.config', line: 1, value: 'y' });
    expect(m.depends).toHaveLength(1);
    expect(m.depends[0]!.value).toBe('n');
    expect(m.depends[0]!.unmet).toEqual(['HAVE_RUST [=n]']);
    expect(renderAudit(r)).toBe(
      [
        'config audit failed: 1 of 1 requested option did not land',
        'CONFIG_RUST: asked y, got not set (recipes/fragments/rust.config:1)',
        '  depends on: (MODULES [=y] || !MODULES [=y]) && HAVE_RUST [=n] && RUST_IS_AVAILABLE [=y] && !MODVERSIONS [=n] && (!CALL_PADDING [=n] || RUSTC_VERSION [=108501] >= 108100)',
        '  unmet: HAVE_RUST [=n]',
        '    HAVE_RUST [=n] has no prompt: only a select can set it',
        '      selected by X86 [=y] && X86_64 [=n] (arch/x86/Kconfig:18)',
        '      X86_64 [=n] has no prompt: only its default can set it',
        '        def_bool y (arch/x86/Kconfig:13)',
        '        depends on: 64BIT [=n]',
        '  defined at init/Kconfig:35',
        '',
      ].join('\n'),
    );
  });

  it('reports CONFIG_RUST dropped by MODVERSIONS and by the toolchain probe on a 64-bit config', () => {
    const r = audit([rustFragment]);
    expect(r.misses.map((m) => m.option)).toEqual(['CONFIG_RUST', 'CONFIG_MODVERSIONS']);
    const text = renderAudit(r);
    expect(text).toContain('CONFIG_RUST: asked y, got not set (recipes/fragments/rust.config:4)\n  depends on: (MODULES [=y] || !MODULES [=y]) && HAVE_RUST [=y] && RUST_IS_AVAILABLE [=n] && !MODVERSIONS [=y] && ');
    expect(text).toContain('  unmet: RUST_IS_AVAILABLE [=n], !MODVERSIONS [=y]\n');
    expect(text).toContain('def_bool $(success,$(srctree)/scripts/rust_is_available.sh) (init/Kconfig:21)');
    expect(text).toContain('make rustavailable');
    expect(text).toContain('CONFIG_MODVERSIONS: asked not set, got y (recipes/fragments/rust.config:5)');
  });

  it('says when an option does not exist, and suggests near names', () => {
    const r = audit([frag('f.config', 'CONFIG_RUSTT=y\nCONFIG_NO_SUCH_THING_AT_ALL=m\n')]);
    expect(r.ok).toBe(false);
    expect(r.misses.map((m) => [m.option, m.kind])).toEqual([
      ['CONFIG_RUSTT', 'no-such-option'],
      ['CONFIG_NO_SUCH_THING_AT_ALL', 'no-such-option'],
    ]);
    const text = renderAudit(r);
    expect(text).toContain("CONFIG_RUSTT: asked y, got not set (f.config:1)\n  no such option in this kernel's Kconfig; did you mean CONFIG_RUST?\n");
    expect(text).toContain("CONFIG_NO_SUCH_THING_AT_ALL: asked m, got not set (f.config:2)\n  no such option in this kernel's Kconfig\n");
  });

  it('only warns about "is not set" for an option that does not exist', () => {
    const r = audit([frag('f.config', '# CONFIG_GONE_OPTION is not set\n')]);
    expect(r.ok).toBe(true);
    expect(r.warnings).toHaveLength(1);
    expect(renderAudit(r)).toContain("warning: CONFIG_GONE_OPTION: asked not set (f.config:1): no such option in this kernel's Kconfig");
  });

  it('reports options set two ways, in one fragment and across fragments, with both places', () => {
    const r = audit([
      frag('a.config', 'CONFIG_MODULES=y\nCONFIG_LOCALVERSION="-a"\nCONFIG_LOCALVERSION="-r4l"\n'),
      frag('b.config', '# CONFIG_MODULES is not set\nCONFIG_MODULES=n\nCONFIG_X86=y\n'),
      frag('c.config', 'CONFIG_X86=y\n'),
    ]);
    expect(r.ok).toBe(false);
    expect(r.conflicts.map((c) => [c.option, `${c.first.file}:${c.first.line}`, `${c.second.file}:${c.second.line}`])).toEqual([
      ['CONFIG_LOCALVERSION', 'a.config:2', 'a.config:3'],
      ['CONFIG_MODULES', 'a.config:1', 'b.config:1'],
    ]);
    const text = renderAudit(r);
    expect(text).toContain('CONFIG_LOCALVERSION: set two ways: "-a" (a.config:2) and "-r4l" (a.config:3); the last one wins');
    expect(text).toContain('CONFIG_MODULES: set two ways: y (a.config:1) and not set (b.config:1); the last one wins');
    // the last value is the one audited
    expect(r.misses.map((m) => m.option)).toEqual(['CONFIG_MODULES']);
    expect(text.split('\n')[0]).toBe('config audit failed: 1 of 3 requested options did not land, 2 conflicting assignments');
  });

  it('is satisfied by an absent option when asked "is not set", and compares strings and numbers as Kconfig', () => {
    expect(audit([frag('f', '# CONFIG_RUST is not set\nCONFIG_RUST=n\n')]).ok).toBe(true);
    expect(audit([frag('f', 'CONFIG_PHYS_OFFSET=0x01000000\nCONFIG_LOG_BUF_SHIFT=017\n')]).ok).toBe(true);
    const r = audit([frag('f', 'CONFIG_LOCALVERSION="-r4l "\nCONFIG_LOG_BUF_SHIFT=18\nCONFIG_PHYS_OFFSET=0x2000000\n')]);
    expect(r.misses.map((m) => `${m.option} ${m.asked.value} ${m.got}`)).toEqual([
      'CONFIG_LOCALVERSION "-r4l " "-r4l"',
      'CONFIG_LOG_BUF_SHIFT 18 17',
      'CONFIG_PHYS_OFFSET 0x2000000 0x1000000',
    ]);
    expect(renderAudit(r)).toContain('CONFIG_LOCALVERSION: asked "-r4l ", got "-r4l" (f:1)');
    expect(renderAudit(r)).toContain("check the option's range in init/Kconfig:55");
  });

  it('explains a choice member that lost', () => {
    const r = audit([frag('f', 'CONFIG_MCORE2=y\n')]);
    expect(renderAudit(r)).toContain('  CONFIG_MCORE2 is in the choice at arch/x86/Kconfig:20 ("Processor family"); CONFIG_GENERIC_CPU=y won\n');
  });

  it('explains values that do not fit the type', () => {
    const r = audit([frag('f', 'CONFIG_MODULES=m\nCONFIG_LOCALVERSION=1\n')]);
    const text = renderAudit(r);
    expect(text).toContain('CONFIG_MODULES: asked m, got y (f:1)\n  CONFIG_MODULES is a bool option: its value must be y or n\n');
    expect(text).toContain('CONFIG_LOCALVERSION is a string option: its value must be a "quoted string"');
  });

  it('explains an option without a prompt', () => {
    const r = audit([frag('f', 'CONFIG_HAVE_RUST=y\n')], cfg32);
    expect(renderAudit(r)).toContain(
      'CONFIG_HAVE_RUST: asked y, got not set (f:1)\n  CONFIG_HAVE_RUST has no prompt: a fragment cannot set it; only a select or its default can\n    selected by X86 [=y] && X86_64 [=n] (arch/x86/Kconfig:18)\n',
    );
  });

  it('explains a hidden prompt', () => {
    const r = audit([frag('f', 'CONFIG_HIDDEN_OPTION=y\n')]);
    expect(renderAudit(r)).toContain('its prompt (arch/x86/Kconfig:37) is hidden: visible if 64BIT [=y] && !64BIT [=y]');
  });

  it('explains an option forced on by select', () => {
    const cfg = `${cfg64}CONFIG_RUST=y\nCONFIG_EXTRA_THING=y\n`;
    const r = audit([frag('f', '# CONFIG_EXTRA_THING is not set\n')], cfg);
    expect(renderAudit(r)).toContain('CONFIG_EXTRA_THING: asked not set, got y (f:1)\n  CONFIG_EXTRA_THING is forced on by select:\n    selected by RUST [=y] && MODULES [=y] (init/Kconfig:41)\n');
  });

  it('explains m that became y without modules', () => {
    const cfg = cfg64.replace('CONFIG_MODULES=y', '# CONFIG_MODULES is not set').replace('CONFIG_EXTRA_THING=m', 'CONFIG_EXTRA_THING=y');
    const r = audit([frag('f', 'CONFIG_EXTRA_THING=m\n')], cfg);
    expect(renderAudit(r)).toContain('CONFIG_EXTRA_THING: asked m, got y (f:1)\n  depends on: 64BIT [=y] && X86_64 [=y]\n  MODULES [=n]: without loadable modules m becomes y\n');
  });

  it('lists the depends of each definition when a symbol is defined several times', () => {
    const cfg = cfg32.replace('# CONFIG_64BIT is not set', 'CONFIG_64BIT=y');
    const r = audit([frag('f', 'CONFIG_EXTRA_THING=y\n')], cfg);
    const text = renderAudit(r);
    // only the definition with a prompt can make it visible
    expect(text).toContain('  depends on: 64BIT [=y] && X86_64 [=n]\n  unmet: X86_64 [=n]\n');
    expect(text).toContain('  defined at init/Kconfig:29, arch/x86/Kconfig.sub:3\n');
  });

  it('rejects fragments with bad lines, naming every one across fragments', () => {
    expect(() => audit([frag('a.config', 'CONFIG_A=y\nbad line\n'), frag('b.config', 'CONFIG_B=\n')])).toThrow(FragmentSyntaxError);
    try {
      audit([frag('a.config', 'CONFIG_A=y\nbad line\n'), frag('b.config', 'CONFIG_B=\n')]);
    } catch (e) {
      expect((e as FragmentSyntaxError).problems.map((p) => `${p.file}:${p.line}:${p.col}`)).toEqual(['a.config:2:1', 'b.config:1:10']);
    }
  });
});

// Fragments and .config files in the kernel's syntax: every form, positions, and errors that say
// file:line:col.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeValue, FragmentSyntaxError, parseConfig, parseFragment } from '../../engine/kconfig/fragment.js';
import { R4lError } from '../../engine/errors.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/kconfig/${name}`, import.meta.url), 'utf8');

describe('parseFragment', () => {
  it('reads every value form with file, line and column', () => {
    const text = [
      '# a comment',
      '',
      'CONFIG_A=y',
      'CONFIG_B=m',
      'CONFIG_C=n',
      'CONFIG_D="some \\"quoted\\" text"',
      'CONFIG_E=123',
      'CONFIG_F=-1',
      'CONFIG_G=0x10',
      '# CONFIG_H is not set',
      'CONFIG_I=""',
      '#CONFIG_J=y is only a comment',
      'CONFIG_K=y  \r',
    ].join('\n');
    const a = parseFragment(text, 'frag.config');
    expect(a.map((x) => [x.name, x.value, x.kind, x.notSet, x.line])).toEqual([
      ['A', 'y', 'tristate', false, 3],
      ['B', 'm', 'tristate', false, 4],
      ['C', 'n', 'tristate', false, 5],
      ['D', '"some \\"quoted\\" text"', 'string', false, 6],
      ['E', '123', 'int', false, 7],
      ['F', '-1', 'int', false, 8],
      ['G', '0x10', 'hex', false, 9],
      ['H', 'n', 'tristate', true, 10],
      ['I', '""', 'string', false, 11],
      ['K', 'y', 'tristate', false, 13],
    ]);
    expect(a[0]).toMatchObject({ file: 'frag.config', line: 3, col: 1 });
    expect(a[7]).toMatchObject({ col: 3 });
  });

  it('reads the rust fragment fixture', () => {
    const a = parseFragment(fixture('fragments/rust.config'), 'recipes/fragments/rust.config');
    expect(a.map((x) => `${x.name}=${x.value}@${x.line}`)).toEqual(['64BIT=y@2', 'RUST=y@4', 'MODVERSIONS=n@5']);
  });

  it('reports every bad line with file:line:col', () => {
    let error: unknown;
    try {
      parseFragment(fixture('fragments/bad.config'), 'recipes/fragments/bad.config');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FragmentSyntaxError);
    expect(error).toBeInstanceOf(R4lError);
    const e = error as FragmentSyntaxError;
    expect(e.reason).toBe('recipe-invalid');
    expect(e.problems.map((p) => `${p.line}:${p.col}`)).toEqual(['2:22', '3:3', '4:17', '5:12', '6:20', '7:1']);
    expect(e.message).toContain('recipes/fragments/bad.config:2:22: expected a value after CONFIG_MISSING_VALUE=');
    expect(e.message).toContain('recipes/fragments/bad.config:3:3: unexpected indentation');
    expect(e.message).toContain("recipes/fragments/bad.config:4:17: bad value 'hello world'");
    expect(e.message).toContain('recipes/fragments/bad.config:5:12: unterminated string');
    expect(e.message).toContain('recipes/fragments/bad.config:6:20: unexpected text after the closing "');
    expect(e.message).toContain("recipes/fragments/bad.config:7:1: expected CONFIG_NAME=value or a # comment, found 'DEBUG=y'");
    expect(e.hint).toMatch(/CONFIG_NAME=/);
  });

  it('rejects a missing = and a missing name', () => {
    expect(() => parseFragment('CONFIG_X y\n', 'f')).toThrow(/f:1:9: expected '=' after CONFIG_X/);
    expect(() => parseFragment('CONFIG_=y\n', 'f')).toThrow(/f:1:8: expected an option name/);
  });
});

describe('parseConfig', () => {
  it('maps names to values; is-not-set is n; the last line wins', () => {
    const m = parseConfig(fixture('configs/x86_32.config'));
    expect(m.get('MODULES')).toBe('y');
    expect(m.get('MODVERSIONS')).toBe('n');
    expect(m.get('LOCALVERSION')).toBe('""');
    expect(m.get('PHYS_OFFSET')).toBe('0x1000000');
    expect(m.get('64BIT')).toBe('n');
    expect(m.has('RUST')).toBe(false);
    expect(parseConfig('CONFIG_A=y\nCONFIG_A=m\n').get('A')).toBe('m');
  });

  it('names the .config in its errors', () => {
    expect(() => parseConfig('garbage\n', 'build/.config')).toThrow(/build\/.config:1:1/);
  });

  it('describes values for reports', () => {
    expect(describeValue(undefined)).toBe('not set');
    expect(describeValue('n')).toBe('not set');
    expect(describeValue('"x"')).toBe('"x"');
  });
});

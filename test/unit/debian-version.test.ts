// Debian version comparison (dpkg's rules) and dependency-field parsing.
import { describe, expect, it } from 'vitest';
import { parseAtom, parseProvides, parseRelations } from '../../engine/debian/relations.js';
import { compareVersions, parseVersion, satisfies } from '../../engine/debian/version.js';

// [a, b, sign of compare(a, b)]
const table: [string, string, -1 | 0 | 1][] = [
  ['1.0', '1.0', 0],
  ['1.0', '1.1', -1],
  ['1.1', '1.0', 1],
  ['1.0', '1.0-1', -1],
  ['0:1.0', '1.0', 0],
  ['1:1.0', '2.0', 1],
  ['1:19.1.7-3+b1', '1:19.1.7-3', 1],
  ['1.85.1+dfsg1-1', '1.85.1+dfsg1-1+deb13u1', -1],
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~~', '1.0~', -1],
  ['1.0~~', '1.0~~a', -1],
  ['1.0~~a', '1.0~', -1],
  ['1.0~', '1.0', -1],
  ['1.0', '1.0a', -1],
  ['1.0a', '1.0+', -1],
  ['1.0+', '1.0.', -1],
  ['1.0', '1.0.', -1],
  ['1.001', '1.1', 0],
  ['2.30-1', '2.3-1', 1],
  ['10', '9', 1],
  ['1.2.3-1', '1.2.3-1~bpo12+1', 1],
  ['6.12.117-1~deb12u1', '6.12.118-1', -1],
  ['2.41-12', '2.41-12+deb13u1', -1],
  ['1.0-1', '1.0-a', -1],
  ['1.0-2.1', '1.0-2', 1],
  ['a:1', '1', 0],
];

describe('compareVersions', () => {
  for (const [a, b, sign] of table) {
    if (a.startsWith('a:')) continue;
    it(`${a} ${sign < 0 ? '<' : sign > 0 ? '>' : '='} ${b}`, () => {
      expect(Math.sign(compareVersions(a, b))).toBe(sign);
      expect(Math.sign(compareVersions(b, a))).toBe(-sign || 0);
    });
  }

  it('splits epoch, upstream and revision (the last dash)', () => {
    expect(parseVersion('1:2.3-4-5')).toEqual({ epoch: 1, upstream: '2.3-4', revision: '5' });
    expect(parseVersion('2.3')).toEqual({ epoch: 0, upstream: '2.3', revision: '' });
  });

  it('refuses a bad epoch', () => {
    expect(() => compareVersions('a:1', '1')).toThrow('bad epoch in version "a:1"');
  });

  it('checks relations', () => {
    expect(satisfies('1.0', '<<', '1.1')).toBe(true);
    expect(satisfies('1.1', '<<', '1.1')).toBe(false);
    expect(satisfies('1.1', '<=', '1.1')).toBe(true);
    expect(satisfies('1.1', '=', '1.1')).toBe(true);
    expect(satisfies('1.1-1', '=', '1.1')).toBe(false);
    expect(satisfies('1.2', '>=', '1.1')).toBe(true);
    expect(satisfies('1.1', '>>', '1.1')).toBe(false);
    expect(satisfies('1.1~rc1', '>=', '1.1')).toBe(false);
    expect(satisfies('1.1', '<', '1.1')).toBe(true);
    expect(satisfies('1.1', '>', '1.1')).toBe(true);
  });
});

describe('parseRelations', () => {
  it('parses groups, alternatives, versions and arch qualifiers', () => {
    expect(parseRelations('libc6 (>= 2.34), perl:any, libgcc-s1 (>= 3.0) | libgcc1, python3:native (<< 3.14)')).toEqual([
      [{ name: 'libc6', op: '>=', version: '2.34' }],
      [{ name: 'perl', archQualifier: 'any' }],
      [{ name: 'libgcc-s1', op: '>=', version: '3.0' }, { name: 'libgcc1' }],
      [{ name: 'python3', archQualifier: 'native', op: '<<', version: '3.14' }],
    ]);
  });

  it('reads the obsolete < and > as <= and >=, and drops arch restrictions and profiles', () => {
    expect(parseAtom('foo (< 2)')).toEqual({ name: 'foo', op: '<=', version: '2' });
    expect(parseAtom('foo (>2)')).toEqual({ name: 'foo', op: '>=', version: '2' });
    expect(parseAtom('foo [amd64] <!nocheck>')).toEqual({ name: 'foo' });
  });

  it('parses versioned and unversioned Provides', () => {
    expect(parseProvides('rust-std (= 1.85.1), awk')).toEqual([{ name: 'rust-std', version: '1.85.1' }, { name: 'awk' }]);
  });

  it('refuses garbage', () => {
    expect(() => parseRelations('foo (>= )')).toThrow('cannot parse the dependency "foo (>= )"');
  });
});

// Kconfig expressions: parsing with kconfig's precedence, tristate evaluation (unset is n),
// comparisons as kconfig does them, and menuconfig-style rendering with values.
import { describe, expect, it } from 'vitest';
import {
  andAll,
  conjuncts,
  evalExpr,
  exprSymbols,
  ExprSyntaxError,
  parseExpr,
  renderExpr,
  type SymbolType,
} from '../../engine/kconfig/expr.js';

const values = new Map<string, string>([
  ['A', 'y'],
  ['M', 'm'],
  ['OFF', 'n'],
  ['VER', '108501'],
  ['ADDR', '0x1000'],
  ['NAME', '"x86"'],
  ['EMPTY', '""'],
]);
const types: Record<string, SymbolType> = {
  A: 'bool', M: 'tristate', OFF: 'bool', UNSET: 'bool', VER: 'int', ADDR: 'hex', NAME: 'string', EMPTY: 'string', NOINT: 'int',
};
const ctx = { typeOf: (n: string) => types[n] };
const ev = (s: string) => evalExpr(parseExpr(s), values, ctx);

describe('parseExpr and renderExpr', () => {
  it('keeps kconfig precedence: || < && < ! < comparison', () => {
    const cases: [string, string][] = [
      ['A || B && C', 'A || B && C'],
      ['(A || B) && C', '(A || B) && C'],
      ['!(A && B) || C >= 108300', '!(A && B) || C >= 108300'],
      ['!A = B', '!A = B'],
      ['((A))', 'A'],
      ['A&&B&&C', 'A && B && C'],
      ['!DEBUG_INFO_BTF || (PAHOLE_HAS_LANG_EXCLUDE && !LTO)', '!DEBUG_INFO_BTF || PAHOLE_HAS_LANG_EXCLUDE && !LTO'],
      ['"$(ARCH)" != "i386"', '"$(ARCH)" != "i386"'],
      ['$(success,$(CC) -v) && X', '$(success,$(CC) -v) && X'],
      ["A = 'x'", 'A = "x"'],
    ];
    for (const [input, out] of cases) expect(renderExpr(parseExpr(input)), input).toBe(out);
    expect(parseExpr('!A = B')).toEqual({ kind: 'not', arg: { kind: 'cmp', op: '=', left: { kind: 'sym', name: 'A' }, right: { kind: 'sym', name: 'B' } } });
  });

  it('says where a syntax error is', () => {
    const col = (s: string): number => {
      try {
        parseExpr(s);
      } catch (e) {
        expect(e).toBeInstanceOf(ExprSyntaxError);
        return (e as ExprSyntaxError).col;
      }
      throw new Error(`no error for ${s}`);
    };
    expect(col('A &&')).toBe(4);
    expect(col('(A || B')).toBe(7);
    expect(col('A B')).toBe(2);
    expect(col('A @ B')).toBe(2);
    expect(col('"open')).toBe(0);
    expect(col('')).toBe(0);
  });

  it('splits and joins conjunctions, lists symbols', () => {
    const e = parseExpr('A && (B || C) && !D');
    expect(conjuncts(e).map((c) => renderExpr(c))).toEqual(['A', 'B || C', '!D']);
    expect(renderExpr(andAll([parseExpr('A || B'), parseExpr('C')])!)).toBe('(A || B) && C');
    expect(andAll([])).toBeUndefined();
    expect(exprSymbols(parseExpr('A && y || !B = "s" && A'))).toEqual(['A', 'B']);
  });
});

describe('evalExpr', () => {
  it('uses tristate logic; unset symbols are n', () => {
    expect(ev('A')).toBe('y');
    expect(ev('M')).toBe('m');
    expect(ev('UNSET')).toBe('n');
    expect(ev('NOT_DEFINED_ANYWHERE')).toBe('n');
    expect(ev('!M')).toBe('m');
    expect(ev('!OFF')).toBe('y');
    expect(ev('A && M')).toBe('m');
    expect(ev('OFF || M')).toBe('m');
    expect(ev('!(A && OFF)')).toBe('y');
    expect(ev('y && m')).toBe('m');
    expect(ev('n || !y')).toBe('n');
  });

  it('treats string and number symbols as n when bare', () => {
    expect(ev('NAME')).toBe('n');
    expect(ev('VER')).toBe('n');
  });

  it('compares like kconfig: numbers numerically, strings as strings', () => {
    expect(ev('VER >= 108100')).toBe('y');
    expect(ev('VER < 108100')).toBe('n');
    expect(ev('VER = 108501')).toBe('y');
    expect(ev('ADDR = 0x1000')).toBe('y');
    expect(ev('ADDR > 4095')).toBe('y');
    expect(ev('NAME = "x86"')).toBe('y');
    expect(ev('NAME != "i386"')).toBe('y');
    expect(ev('EMPTY = ""')).toBe('y');
    expect(ev('A = y')).toBe('y');
    expect(ev('M != y')).toBe('y');
    expect(ev('UNSET = n')).toBe('y');
    expect(ev('M < A')).toBe('y');
    expect(ev('"x86" = "x86"')).toBe('y');
    expect(ev('"x86" = "i386"')).toBe('n');
    // an unset int has the empty string: not a number, compared as a string
    expect(ev('NOINT >= 1')).toBe('n');
    expect(ev('NOINT = ""')).toBe('y');
  });

  it('works without types, guessing from the values', () => {
    const m = new Map([['X', 'y'], ['S', '"a"'], ['N', '12']]);
    expect(evalExpr(parseExpr('X && !UNSET'), m)).toBe('y');
    expect(evalExpr(parseExpr('S = "a" && N > 9'), m)).toBe('y');
  });

  it('evaluates unknown macros optimistically, or as the context says', () => {
    const e = parseExpr('$(success,true)');
    expect(evalExpr(e, values)).toBe('y');
    expect(evalExpr(e, values, { macro: () => 'n' })).toBe('n');
  });
});

describe('renderExpr with values', () => {
  it('annotates each defined symbol like menuconfig', () => {
    const e = parseExpr('HAVE && RUST_IS_AVAILABLE && !MODVERSIONS && (!CALL_PADDING || RUSTC_VERSION >= 108100) && !S390');
    const v = new Map([['HAVE', 'y'], ['MODVERSIONS', 'y'], ['RUSTC_VERSION', '108501']]);
    const t: Record<string, SymbolType> = { HAVE: 'bool', RUST_IS_AVAILABLE: 'bool', MODVERSIONS: 'bool', CALL_PADDING: 'bool', RUSTC_VERSION: 'int' };
    expect(renderExpr(e, { values: v, typeOf: (n) => t[n] })).toBe(
      'HAVE [=y] && RUST_IS_AVAILABLE [=n] && !MODVERSIONS [=y] && (!CALL_PADDING [=n] || RUSTC_VERSION [=108501] >= 108100) && !S390',
    );
  });

  it('shows strings without quotes, empty values, y/m/n bare, macros as [=?]', () => {
    const e = parseExpr('NAME = "x86" && EMPTY = "" && NOINT > 0 && m && $(cc-option,-m64)');
    expect(renderExpr(e, { ...ctx, values })).toBe('NAME [=x86] = "x86" && EMPTY [=] = "" && NOINT [=] > 0 && m && $(cc-option,-m64) [=?]');
  });
});

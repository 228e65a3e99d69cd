// Kconfig expressions: tokenize, parse, evaluate in tristate logic against a `.config`, and render
// back the way menuconfig does (`RUST_IS_AVAILABLE [=n]`).
//
// Semantics follow scripts/kconfig/expr.c (Linux 6.12):
//  - a bare symbol has its tristate value; string/int/hex symbols and undefined symbols are n;
//  - `!e` is 2 - e, `&&` is min, `||` is max;
//  - comparisons compare the symbols' string values, numerically when both sides parse as numbers
//    (int: base 10, hex: base 16, bool/tristate: n=0 m=1 y=2, untyped: base 10 then base 16),
//    as strings otherwise; the result is y or n;
//  - an undefined symbol's string value is its own name (that is how `RUSTC_VERSION >= 108100`
//    works: `108100` is an undefined symbol).

export type Tristate = 'n' | 'm' | 'y';

/** Types a Kconfig symbol can have. `unknown`: declared without a type. */
export type SymbolType = 'bool' | 'tristate' | 'string' | 'int' | 'hex' | 'unknown';

export type CompareOp = '=' | '!=' | '<' | '>' | '<=' | '>=';

/** A leaf: a symbol (`FOO`, `y`, `108100`), a quoted constant, or an unexpanded `$(...)` macro. */
export type Atom =
  | { kind: 'sym'; name: string }
  | { kind: 'str'; value: string }
  | { kind: 'macro'; text: string };

export type Expr =
  | Atom
  | { kind: 'not'; arg: Expr }
  | { kind: 'and'; left: Expr; right: Expr }
  | { kind: 'or'; left: Expr; right: Expr }
  | { kind: 'cmp'; op: CompareOp; left: Atom; right: Atom };

/** The values of a `.config`: symbol name without `CONFIG_` → value as written (`y`, `m`, `"text"`,
 * `123`, `0x10`); `n` for `# CONFIG_X is not set`. */
export type ConfigValues = ReadonlyMap<string, string>;

/** What evaluation needs to know about the symbols besides their values. */
export interface EvalContext {
  /** The symbol's type, or undefined when no Kconfig file defines it. */
  typeOf?: (name: string) => SymbolType | undefined;
  /** Value of an unexpanded `$(...)` macro; undefined means unknown (evaluated as y, shown `[=?]`). */
  macro?: (text: string) => string | undefined;
}

export class ExprSyntaxError extends Error {
  constructor(message: string, readonly col: number) {
    super(message);
    this.name = 'ExprSyntaxError';
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens

export type Token =
  | { t: 'word'; text: string; start: number; end: number }
  | { t: 'str'; text: string; start: number; end: number }
  | { t: 'macro'; text: string; start: number; end: number }
  | { t: 'op'; text: '&&' | '||' | '!' | '(' | ')' | CompareOp; start: number; end: number };

/** [A-Za-z0-9_-]: the characters of a Kconfig word. */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

/** Index just past the `)` closing the macro that starts at `i` (`$(`), or -1. */
export function macroEnd(s: string, i: number): number {
  let depth = 0;
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 40) depth++;
    else if (c === 41) {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  return -1;
}

/** Splits one logical Kconfig line (comment already removed) into tokens. Columns are 0-based. */
export function tokenize(s: string): Token[] {
  const out: Token[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13 || c === 10) { i++; continue; }
    if (isWordChar(c)) {
      let j = i + 1;
      while (j < n && isWordChar(s.charCodeAt(j))) j++;
      out.push({ t: 'word', text: s.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (c === 35 /* # */) break;
    const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
    if ((c === 38 && d === 38) || (c === 124 && d === 124) || (d === 61 && (c === 33 || c === 60 || c === 62))) {
      out.push({ t: 'op', text: s.slice(i, i + 2) as '&&' | '||' | '!=' | '<=' | '>=', start: i, end: i + 2 });
      i += 2;
      continue;
    }
    if (c === 33 || c === 40 || c === 41 || c === 61 || c === 60 || c === 62) {
      out.push({ t: 'op', text: s[i] as '!' | '(' | ')' | '=' | '<' | '>', start: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === 34 || c === 39) {
      let j = i + 1;
      let escaped = false;
      while (j < n && s.charCodeAt(j) !== c) {
        if (s.charCodeAt(j) === 92 && j + 1 < n) { j++; escaped = true; }
        j++;
      }
      if (j >= n) throw new ExprSyntaxError('unterminated string', i);
      const body = s.slice(i + 1, j);
      out.push({ t: 'str', text: escaped ? body.replace(/\\(.)/g, '$1') : body, start: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    if (c === 36 && d === 40) {
      const end = macroEnd(s, i);
      if (end < 0) throw new ExprSyntaxError('unterminated $(...)', i);
      out.push({ t: 'macro', text: s.slice(i, end), start: i, end });
      i = end;
      continue;
    }
    throw new ExprSyntaxError(`unexpected character '${s[i]}'`, i);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parser (precedence: || < && < ! < comparison)

const CMP_OPS = new Set<string>(['=', '!=', '<', '>', '<=', '>=']);

class Parser {
  private i: number;
  constructor(private readonly toks: readonly Token[], start: number, private readonly end: number, private readonly lineLength: number) {
    this.i = start;
  }

  private peek(): Token | undefined {
    return this.i < this.end ? this.toks[this.i] : undefined;
  }

  private where(): number {
    return this.peek()?.start ?? this.lineLength;
  }

  parseAll(): Expr {
    if (this.peek() === undefined) throw new ExprSyntaxError('expected an expression', this.where());
    const e = this.parseOr();
    const rest = this.peek();
    if (rest) throw new ExprSyntaxError(`unexpected '${rest.t === 'str' ? `"${rest.text}"` : rest.text}'`, rest.start);
    return e;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    for (let t = this.peek(); t?.t === 'op' && t.text === '||'; t = this.peek()) {
      this.i++;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseUnary();
    for (let t = this.peek(); t?.t === 'op' && t.text === '&&'; t = this.peek()) {
      this.i++;
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): Expr {
    const t = this.peek();
    if (t?.t === 'op' && t.text === '!') {
      this.i++;
      return { kind: 'not', arg: this.parseUnary() };
    }
    if (t?.t === 'op' && t.text === '(') {
      this.i++;
      const e = this.parseOr();
      const close = this.peek();
      if (!(close?.t === 'op' && close.text === ')')) throw new ExprSyntaxError(`expected ')'`, this.where());
      this.i++;
      return e;
    }
    const left = this.parseAtom();
    const op = this.peek();
    if (op?.t === 'op' && CMP_OPS.has(op.text)) {
      this.i++;
      return { kind: 'cmp', op: op.text as CompareOp, left, right: this.parseAtom() };
    }
    return left;
  }

  private parseAtom(): Atom {
    const t = this.peek();
    if (!t) throw new ExprSyntaxError('expected a symbol', this.where());
    this.i++;
    if (t.t === 'word') return { kind: 'sym', name: t.text };
    if (t.t === 'str') return { kind: 'str', value: t.text };
    if (t.t === 'macro') return { kind: 'macro', text: t.text };
    throw new ExprSyntaxError(`expected a symbol, found '${t.text}'`, t.start);
  }
}

/** Parses tokens [start, end) of a tokenized line. */
export function parseTokens(tokens: readonly Token[], start = 0, end = tokens.length, lineLength = 0): Expr {
  return new Parser(tokens, start, end, lineLength).parseAll();
}

/** Parses a Kconfig expression such as `!MODVERSIONS && (A || B = "x")`. Throws ExprSyntaxError. */
export function parseExpr(text: string): Expr {
  const toks = tokenize(text);
  return parseTokens(toks, 0, toks.length, text.length);
}

// ---------------------------------------------------------------------------------------------
// Evaluation

const TRI_NUM: Record<Tristate, number> = { n: 0, m: 1, y: 2 };
const NUM_TRI: readonly Tristate[] = ['n', 'm', 'y'];

export function triMin(a: Tristate, b: Tristate): Tristate {
  return TRI_NUM[a] <= TRI_NUM[b] ? a : b;
}
export function triMax(a: Tristate, b: Tristate): Tristate {
  return TRI_NUM[a] >= TRI_NUM[b] ? a : b;
}
export function triNot(a: Tristate): Tristate {
  return NUM_TRI[2 - TRI_NUM[a]]!;
}
/** a >= b in n < m < y. */
export function triAtLeast(a: Tristate, b: Tristate): boolean {
  return TRI_NUM[a] >= TRI_NUM[b];
}

/** Removes the quotes and backslash escapes of a `.config` string value (`"a\"b"` → `a"b`). */
export function unquote(raw: string): string {
  if (raw.length < 2 || !raw.startsWith('"') || !raw.endsWith('"')) return raw;
  return raw.slice(1, -1).replace(/\\(.)/g, '$1');
}

function isConstName(name: string): name is Tristate {
  return name === 'y' || name === 'm' || name === 'n';
}

/** The type used for a symbol: from the Kconfig tree when given, else guessed from the value. */
function effectiveType(name: string, values: ConfigValues, ctx: EvalContext): SymbolType | undefined {
  if (ctx.typeOf) return ctx.typeOf(name);
  const raw = values.get(name);
  if (raw === undefined) return /^-?[0-9]+$|^0[xX][0-9a-fA-F]+$/.test(name) ? undefined : 'tristate';
  if (raw === 'y' || raw === 'm' || raw === 'n') return 'tristate';
  if (raw.startsWith('"')) return 'string';
  return 'unknown';
}

/** Tristate value of a symbol (what a bare `FOO` in an expression means). */
export function symbolTristate(name: string, values: ConfigValues, ctx: EvalContext = {}): Tristate {
  if (isConstName(name)) return name;
  const type = effectiveType(name, values, ctx);
  if (type !== 'bool' && type !== 'tristate') return 'n';
  const raw = values.get(name);
  if (raw === 'y') return 'y';
  if (raw === 'm') return type === 'bool' ? 'y' : 'm';
  return 'n';
}

/** String value of a symbol, as Kconfig's sym_get_string_value gives it. */
export function symbolString(name: string, values: ConfigValues, ctx: EvalContext = {}): string {
  if (isConstName(name)) return name;
  const type = effectiveType(name, values, ctx);
  const raw = values.get(name);
  switch (type) {
    case 'bool':
    case 'tristate':
      return symbolTristate(name, values, ctx);
    case 'string':
      return raw === undefined ? '' : unquote(raw);
    case 'int':
    case 'hex':
      return raw === undefined || raw === 'n' ? '' : raw;
    case 'unknown':
    case undefined:
      return raw === undefined ? name : unquote(raw);
  }
}

function atomString(a: Atom, values: ConfigValues, ctx: EvalContext): string {
  switch (a.kind) {
    case 'sym': return symbolString(a.name, values, ctx);
    case 'str': return a.value;
    case 'macro': return ctx.macro?.(a.text) ?? a.text;
  }
}

function atomType(a: Atom, values: ConfigValues, ctx: EvalContext): SymbolType | undefined {
  // constants ("x86", y, 108100) are untyped in kconfig
  if (a.kind !== 'sym') return undefined;
  if (isConstName(a.name)) return 'tristate';
  return effectiveType(a.name, values, ctx);
}

type Parsed = { k: 'string' } | { k: 'signed' | 'unsigned'; v: bigint };

/** kconfig's expr_parse_string: a number when the whole string parses, a string otherwise. */
function parseNumber(str: string, type: SymbolType | undefined): Parsed {
  switch (type) {
    case 'bool':
    case 'tristate':
      return { k: 'signed', v: str === 'n' ? 0n : str === 'm' ? 1n : str === 'y' ? 2n : -1n };
    case 'int':
      return /^\s*[+-]?[0-9]+$/.test(str) ? { k: 'signed', v: BigInt(str.trim()) } : { k: 'string' };
    case 'hex': {
      const m = /^\s*([+-]?)(?:0[xX])?([0-9a-fA-F]+)$/.exec(str);
      return m ? { k: 'unsigned', v: BigInt(`${m[1]}0x${m[2]}`) } : { k: 'string' };
    }
    default: {
      // strtoll(str, &tail, 0): decimal, 0x hex or 0 octal
      const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(str);
      if (!m) return { k: 'string' };
      const body = m[2]!;
      const v = body.length > 1 && body.startsWith('0') && !/^0[xX]/.test(body) ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
      return { k: 'signed', v: m[1] === '-' ? -v : v };
    }
  }
}

function compare(e: { op: CompareOp; left: Atom; right: Atom }, values: ConfigValues, ctx: EvalContext): Tristate {
  const s1 = atomString(e.left, values, ctx);
  const s2 = atomString(e.right, values, ctx);
  const t1 = atomType(e.left, values, ctx);
  const t2 = atomType(e.right, values, ctx);
  let cmp: number;
  const p1: Parsed = t1 === 'string' && t2 === 'string' ? { k: 'string' } : parseNumber(s1, t1);
  const p2: Parsed = t1 === 'string' && t2 === 'string' ? { k: 'string' } : parseNumber(s2, t2);
  if (p1.k === 'string' || p2.k === 'string') {
    cmp = s1 < s2 ? -1 : s1 > s2 ? 1 : 0;
  } else {
    let v1 = p1.v;
    let v2 = p2.v;
    if (p1.k === 'unsigned' || p2.k === 'unsigned') {
      v1 = BigInt.asUintN(64, v1);
      v2 = BigInt.asUintN(64, v2);
    }
    cmp = v1 < v2 ? -1 : v1 > v2 ? 1 : 0;
  }
  let r: boolean;
  switch (e.op) {
    case '=': r = cmp === 0; break;
    case '!=': r = cmp !== 0; break;
    case '<': r = cmp < 0; break;
    case '>': r = cmp > 0; break;
    case '<=': r = cmp <= 0; break;
    case '>=': r = cmp >= 0; break;
  }
  return r ? 'y' : 'n';
}

/** Evaluates an expression in tristate logic. Unset symbols are n. */
export function evalExpr(e: Expr, values: ConfigValues, ctx: EvalContext = {}): Tristate {
  switch (e.kind) {
    case 'sym': return symbolTristate(e.name, values, ctx);
    case 'str': return isConstName(e.value) ? e.value : 'n';
    case 'macro': {
      const v = ctx.macro?.(e.text);
      return v === undefined ? 'y' : isConstName(v) ? v : 'n';
    }
    case 'not': return triNot(evalExpr(e.arg, values, ctx));
    case 'and': return triMin(evalExpr(e.left, values, ctx), evalExpr(e.right, values, ctx));
    case 'or': return triMax(evalExpr(e.left, values, ctx), evalExpr(e.right, values, ctx));
    case 'cmp': return compare(e, values, ctx);
  }
}

// ---------------------------------------------------------------------------------------------
// Building and taking apart

/** `a && b && ...` of the given expressions (left-associative); undefined for none. */
export function andAll(exprs: readonly Expr[]): Expr | undefined {
  let acc: Expr | undefined;
  for (const e of exprs) acc = acc === undefined ? e : { kind: 'and', left: acc, right: e };
  return acc;
}

/** The top-level `&&` operands of an expression, in order. */
export function conjuncts(e: Expr): Expr[] {
  return e.kind === 'and' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

/** Every symbol name an expression mentions (not y/m/n), in order of first appearance. */
export function exprSymbols(e: Expr): string[] {
  const seen = new Set<string>();
  const walk = (x: Expr): void => {
    switch (x.kind) {
      case 'sym': if (!isConstName(x.name)) seen.add(x.name); break;
      case 'str': case 'macro': break;
      case 'not': walk(x.arg); break;
      case 'and': case 'or': walk(x.left); walk(x.right); break;
      case 'cmp': walk(x.left); walk(x.right); break;
    }
  };
  walk(e);
  return [...seen];
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** Binding strength, as kconfig's expr_compare_type orders them. */
function rank(e: Expr): number {
  switch (e.kind) {
    case 'or': return 1;
    case 'and': return 2;
    case 'not': return 3;
    case 'cmp': return 4;
    default: return 5;
  }
}

/** Options of renderExpr: with `values`, each symbol gets its value like menuconfig (`FOO [=y]`). */
export interface RenderOptions extends EvalContext {
  values?: ConfigValues;
}

function renderAtom(a: Atom, opts: RenderOptions): string {
  switch (a.kind) {
    case 'str': return `"${a.value.replace(/(["\\])/g, '\\$1')}"`;
    case 'macro': {
      if (!opts.values) return a.text;
      const v = opts.macro?.(a.text);
      return `${a.text} [=${v ?? '?'}]`;
    }
    case 'sym': {
      if (!opts.values || isConstName(a.name)) return a.name;
      const type = opts.typeOf ? opts.typeOf(a.name) : effectiveType(a.name, opts.values, opts);
      // like menuconfig: symbols no Kconfig file defines (other arches' symbols, numbers) stay bare
      if (type === undefined || type === 'unknown') return a.name;
      return `${a.name} [=${symbolString(a.name, opts.values, opts)}]`;
    }
  }
}

/** Renders an expression with kconfig's parenthesisation; annotated with values when given. */
export function renderExpr(e: Expr, opts: RenderOptions = {}): string {
  const sub = (child: Expr, parentRank: number): string => {
    const s = renderExpr(child, opts);
    return rank(child) < parentRank ? `(${s})` : s;
  };
  switch (e.kind) {
    case 'sym': case 'str': case 'macro': return renderAtom(e, opts);
    case 'not': return `!${sub(e.arg, 3)}`;
    case 'and': return `${sub(e.left, 2)} && ${sub(e.right, 2)}`;
    case 'or': return `${sub(e.left, 1)} || ${sub(e.right, 1)}`;
    case 'cmp': return `${renderAtom(e.left, opts)} ${e.op} ${renderAtom(e.right, opts)}`;
  }
}

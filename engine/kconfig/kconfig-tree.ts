// Reads a kernel's Kconfig tree for one architecture: starts at `<src>/Kconfig`, follows `source`
// (and `osource`, `rsource`, `orsource`), and collects for every `config`/`menuconfig` symbol where
// it is defined, its type, its prompt, its `depends on` (own, and those of the enclosing `if`,
// `menu` and `choice` blocks), its defaults and who selects it.
//
// Not a full Kconfig implementation: no value calculation, no macro functions (`$(success,...)`
// stays as an opaque atom); variables given in `vars` (SRCARCH, ARCH) are expanded.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  andAll,
  ExprSyntaxError,
  parseTokens,
  tokenize,
  type EvalContext,
  type Expr,
  type SymbolType,
  type Token,
} from './expr.js';

/** A place in the tree: file relative to the source root, 1-based line. */
export interface SourcePos {
  file: string;
  line: number;
}

export interface Prompt {
  text: string;
  /** The `if` condition written on the prompt line, if any. */
  if?: Expr;
  pos: SourcePos;
}

/** A default (`default …` or `def_bool …`) as written, for explanations. */
export interface DefaultValue {
  /** The attribute line without comments, e.g. `def_bool $(success,…)` or `default y if X86_64`. */
  text: string;
  pos: SourcePos;
}

/** One `config` / `menuconfig` block. A symbol can have several. */
export interface SymbolDefinition {
  name: string;
  kind: 'config' | 'menuconfig';
  pos: SourcePos;
  /** The type declared in this block, if any. */
  type?: SymbolType;
  prompt?: Prompt;
  /** This block's own `depends on` expressions, in order. */
  dependsOn: Expr[];
  /** Dependencies of the enclosing `if`, `menu … depends on` and `choice` blocks, outermost first. */
  enclosing: Expr[];
  /** `visible if` conditions of the enclosing menus. */
  visibleIf: Expr[];
  defaults: DefaultValue[];
  /** The choice this block is a member of. */
  choice?: KconfigChoice;
}

/** `select NAME if COND` (or `imply`) written in the block of symbol `by`. */
export interface ReverseDependency {
  by: string;
  if?: Expr;
  pos: SourcePos;
}

export interface KconfigSymbol {
  name: string;
  /** The first declared type; `unknown` when no definition declares one. */
  type: SymbolType;
  definitions: SymbolDefinition[];
  selectedBy: ReverseDependency[];
  impliedBy: ReverseDependency[];
}

export interface KconfigChoice {
  pos: SourcePos;
  name?: string;
  prompt?: string;
  members: string[];
}

export interface KconfigWarning {
  file: string;
  line: number;
  message: string;
}

export interface KconfigTree {
  /** Absolute source root. */
  srcRoot: string;
  /** Variables expanded in the files (`SRCARCH`, `ARCH`, …). */
  vars: Readonly<Record<string, string>>;
  /** Every Kconfig file read, relative to the root, in reading order. */
  files: string[];
  symbols: Map<string, KconfigSymbol>;
  choices: KconfigChoice[];
  /** Lines the reader did not understand and sourced files it did not find. */
  warnings: KconfigWarning[];
}

export interface LoadKconfigOptions {
  /** Kconfig's SRCARCH (the directory under arch/); default `x86`. */
  srcarch?: string;
  /** Kconfig's ARCH; default: the same as srcarch. */
  arch?: string;
  /** More variables to expand, e.g. `{ HEADER_ARCH: 'x86' }`. */
  vars?: Record<string, string>;
  /** The top file, relative to the root; default `Kconfig`. */
  entry?: string;
}

/** The top Kconfig file is missing or unreadable. */
export class KconfigLoadError extends Error {
  constructor(message: string, readonly file: string) {
    super(message);
    this.name = 'KconfigLoadError';
  }
}

interface Block {
  kind: 'if' | 'menu' | 'choice';
  deps: Expr[];
  visibleIf: Expr[];
  pos: SourcePos;
  choice?: KconfigChoice;
}

type Current =
  | { kind: 'none' }
  | { kind: 'config'; def: SymbolDefinition }
  | { kind: 'menu'; block: Block }
  | { kind: 'choice'; block: Block; choice: KconfigChoice }
  | { kind: 'comment' };

const TYPE_KEYWORDS: Record<string, SymbolType> = {
  bool: 'bool',
  boolean: 'bool',
  tristate: 'tristate',
  string: 'string',
  int: 'int',
  hex: 'hex',
};

/** Index of a line-continuation backslash (last non-blank character), or -1. */
function continuationAt(line: string): number {
  let k = line.length - 1;
  while (k >= 0) {
    const c = line.charCodeAt(k);
    if (c !== 32 && c !== 9 && c !== 13) break;
    k--;
  }
  return k >= 0 && line.charCodeAt(k) === 92 ? k : -1;
}

/** `name = value`, `name := value`, `name += value` (Kconfig's macro language). */
function isAssignment(line: string): boolean {
  let k = 0;
  const n = line.length;
  while (k < n && (line.charCodeAt(k) === 32 || line.charCodeAt(k) === 9)) k++;
  const w = k;
  for (; k < n; k++) {
    const c = line.charCodeAt(k);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45)) break;
  }
  if (k === w) return false;
  while (k < n && (line.charCodeAt(k) === 32 || line.charCodeAt(k) === 9)) k++;
  const c = line[k];
  return c === '=' || ((c === ':' || c === '+') && line[k + 1] === '=');
}

/** Removes a `#` comment that is outside quotes and `$(…)`. */
function stripComment(line: string): string {
  if (!line.includes('#')) return line;
  let quote = '';
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '$' && line[i + 1] === '(') {
      depth++;
      i++;
    } else if (c === '(' && depth > 0) {
      depth++;
    } else if (c === ')' && depth > 0) {
      depth--;
    } else if (c === '#' && depth === 0) {
      return line.slice(0, i);
    }
  }
  return line;
}

/** Width of the leading whitespace, tabs to the next multiple of 8 (as kconfig's lexer counts). */
function indentWidth(line: string): number {
  let w = 0;
  for (const c of line) {
    if (c === ' ') w++;
    else if (c === '\t') w = (w & ~7) + 8;
    else break;
  }
  return w;
}

/** Index of the first line after a help text that starts at line index `i`. */
function skipHelp(lines: readonly string[], i: number): number {
  let first = -1;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.trim() === '') { i++; continue; }
    const w = indentWidth(l);
    if (first < 0) {
      if (w === 0) break;
      first = w;
    } else if (w < first) {
      break;
    }
    i++;
  }
  return i;
}

interface LineContext {
  file: string;
  lineNo: number;
  line: string;
  toks: Token[];
  kw: string;
}

/** The first word of a line (`[A-Za-z0-9_-]+` after blanks), or ''. */
function firstWord(line: string): string {
  let k = 0;
  const n = line.length;
  while (k < n && (line.charCodeAt(k) === 32 || line.charCodeAt(k) === 9)) k++;
  const w = k;
  while (k < n) {
    const c = line.charCodeAt(k);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45)) break;
    k++;
  }
  return line.slice(w, k);
}

/** Index of the first `if` word at or after `start`, or the token count. */
function ifIndex(toks: readonly Token[], start: number): number {
  for (let k = start; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.t === 'word' && t.text === 'if') return k;
  }
  return toks.length;
}

class TreeReader {
  readonly files: string[] = [];
  readonly symbols = new Map<string, KconfigSymbol>();
  readonly choices: KconfigChoice[] = [];
  readonly warnings: KconfigWarning[] = [];
  private readonly selects: { target: string; rev: ReverseDependency; imply: boolean }[] = [];
  private readonly defBlocks: { def: SymbolDefinition; blocks: Block[] }[] = [];
  private readonly stack: Block[] = [];
  private readonly including = new Set<string>();
  private readonly varPattern = /\$\(([A-Za-z0-9_-]+)\)/g;

  constructor(readonly srcRoot: string, readonly vars: Record<string, string>) {}

  private expand(line: string): string {
    if (!line.includes('$(')) return line;
    return line.replace(this.varPattern, (whole, name: string) => this.vars[name] ?? whole);
  }

  private warn(file: string, line: number, message: string): void {
    this.warnings.push({ file, line, message });
  }

  readFile(rel: string, optional: boolean, from?: SourcePos): void {
    if (this.including.has(rel)) {
      this.warn(from?.file ?? rel, from?.line ?? 0, `recursive source of ${rel}`);
      return;
    }
    let text: string;
    try {
      text = readFileSync(path.join(this.srcRoot, rel), 'utf8');
    } catch (error) {
      if (optional) return;
      if (!from) throw new KconfigLoadError(`cannot read ${path.join(this.srcRoot, rel)}: ${(error as Error).message}`, rel);
      this.warn(from.file, from.line, `sourced file ${rel} not found`);
      return;
    }
    this.files.push(rel);
    this.including.add(rel);
    try {
      this.parse(rel, text);
    } finally {
      this.including.delete(rel);
    }
  }

  private parse(file: string, text: string): void {
    const lines = text.split('\n');
    let current: Current = { kind: 'none' };
    const depth0 = this.stack.length;
    let i = 0;
    while (i < lines.length) {
      const lineNo = i + 1;
      let logical = stripComment(lines[i]!);
      i++;
      for (let b = continuationAt(logical); b >= 0 && i < lines.length; b = continuationAt(logical)) {
        logical = `${logical.slice(0, b)} ${stripComment(lines[i]!)}`;
        i++;
      }
      if (isAssignment(logical)) continue; // a Kconfig macro variable: `cc-option = $(…)`
      const pos: SourcePos = { file, line: lineNo };
      const word = firstWord(logical);
      if (word === 'help' || word === '---help---') {
        i = skipHelp(lines, i);
        continue;
      }
      if (word === 'range' || word === 'option' || word === 'modules' || word === 'optional' || word === 'transitional') continue;
      const line = this.expand(logical);
      let toks: Token[];
      try {
        toks = tokenize(line);
      } catch (error) {
        this.warn(file, lineNo, `cannot read line: ${(error as Error).message}`);
        continue;
      }
      const first = toks[0];
      if (!first) continue;
      if (first.t === 'macro') continue; // $(error-if,…), $(warning-if,…)
      if (first.t !== 'word') {
        this.warn(file, lineNo, `unexpected '${line.trim().slice(0, 40)}'`);
        continue;
      }
      const kw = first.text;
      const ctx: LineContext = { file, lineNo, line, toks, kw };

      switch (kw) {
        case 'config':
        case 'menuconfig': {
          const nameTok = toks[1];
          if (nameTok?.t !== 'word') {
            this.warn(file, lineNo, `expected a symbol name after '${kw}'`);
            current = { kind: 'none' };
            break;
          }
          const def: SymbolDefinition = { name: nameTok.text, kind: kw, pos, dependsOn: [], enclosing: [], visibleIf: [], defaults: [] };
          const choice = this.innermostChoice();
          if (choice) {
            def.choice = choice;
            if (!choice.members.includes(def.name)) choice.members.push(def.name);
          }
          this.defBlocks.push({ def, blocks: this.stack.slice() });
          let sym = this.symbols.get(def.name);
          if (!sym) {
            sym = { name: def.name, type: 'unknown', definitions: [], selectedBy: [], impliedBy: [] };
            this.symbols.set(def.name, sym);
          }
          sym.definitions.push(def);
          current = { kind: 'config', def };
          break;
        }
        case 'choice': {
          const nameTok = toks[1];
          const choice: KconfigChoice = { pos, members: [] };
          if (nameTok?.t === 'word') choice.name = nameTok.text;
          this.choices.push(choice);
          const block: Block = { kind: 'choice', deps: [], visibleIf: [], pos, choice };
          this.stack.push(block);
          current = { kind: 'choice', block, choice };
          break;
        }
        case 'menu': {
          const block: Block = { kind: 'menu', deps: [], visibleIf: [], pos };
          this.stack.push(block);
          current = { kind: 'menu', block };
          break;
        }
        case 'if': {
          const e = this.lineExpr(ctx, 1);
          this.stack.push({ kind: 'if', deps: e ? [e] : [], visibleIf: [], pos });
          current = { kind: 'none' };
          break;
        }
        case 'endif':
        case 'endmenu':
        case 'endchoice': {
          const want = kw.slice(3) as Block['kind'];
          const top = this.stack.length > depth0 ? this.stack[this.stack.length - 1] : undefined;
          if (top?.kind !== want) this.warn(file, lineNo, `'${kw}' without a matching '${want}'`);
          else this.stack.pop();
          current = { kind: 'none' };
          break;
        }
        case 'comment':
          current = { kind: 'comment' };
          break;
        case 'mainmenu':
          current = { kind: 'none' };
          break;
        case 'source':
        case 'osource':
        case 'rsource':
        case 'orsource': {
          const p = toks[1];
          current = { kind: 'none' };
          if (p?.t !== 'str') {
            this.warn(file, lineNo, `expected a quoted path after '${kw}'`);
            break;
          }
          if (p.text.includes('$(')) {
            this.warn(file, lineNo, `cannot expand ${p.text} (unknown variable)`);
            break;
          }
          const rel = kw === 'rsource' || kw === 'orsource'
            ? path.posix.normalize(path.posix.join(path.posix.dirname(file), p.text))
            : path.posix.normalize(p.text);
          this.readFile(rel, kw.startsWith('o'), pos);
          break;
        }
        case 'depends': {
          if (toks[1]?.t !== 'word' || toks[1].text !== 'on') {
            this.warn(file, lineNo, `expected 'depends on'`);
            break;
          }
          const e = this.lineExpr(ctx, 2);
          if (!e) break;
          if (current.kind === 'config') current.def.dependsOn.push(e);
          else if (current.kind === 'menu' || current.kind === 'choice') current.block.deps.push(e);
          else if (current.kind === 'none') this.warn(file, lineNo, `'depends on' outside of an entry`);
          break;
        }
        case 'visible': {
          if (toks[1]?.t !== 'word' || toks[1].text !== 'if') {
            this.warn(file, lineNo, `expected 'visible if'`);
            break;
          }
          const e = this.lineExpr(ctx, 2);
          if (e && current.kind === 'menu') current.block.visibleIf.push(e);
          break;
        }
        case 'prompt': {
          const t = toks[1];
          if (t?.t !== 'str') {
            this.warn(file, lineNo, `expected a quoted prompt`);
            break;
          }
          const k = ifIndex(toks, 2);
          this.setPrompt(current, t.text, this.condAfter(ctx, k), pos);
          break;
        }
        case 'default':
        case 'def_bool':
        case 'def_tristate': {
          if (kw !== 'default') this.setType(current, kw === 'def_bool' ? 'bool' : 'tristate');
          if (current.kind === 'config') {
            current.def.defaults.push({ text: line.trim().replace(/\s+/g, ' '), pos });
          }
          const k = ifIndex(toks, 1);
          if (k === 1) this.warn(file, lineNo, `expected a value after '${kw}'`);
          break;
        }
        case 'select':
        case 'imply': {
          const t = toks[1];
          if (t?.t !== 'word') {
            this.warn(file, lineNo, `expected a symbol after '${kw}'`);
            break;
          }
          if (current.kind !== 'config') break;
          const k = ifIndex(toks, 2);
          const rev: ReverseDependency = { by: current.def.name, pos };
          const cond = this.condAfter(ctx, k);
          if (cond) rev.if = cond;
          this.selects.push({ target: t.text, rev, imply: kw === 'imply' });
          break;
        }
        default: {
          const type = TYPE_KEYWORDS[kw];
          if (type === undefined) {
            this.warn(file, lineNo, `unknown statement '${kw}'`);
            break;
          }
          this.setType(current, type);
          const t = toks[1];
          if (t?.t === 'str') this.setPrompt(current, t.text, this.condAfter(ctx, ifIndex(toks, 2)), pos);
        }
      }
    }
    if (this.stack.length > depth0) {
      const open = this.stack[this.stack.length - 1]!;
      this.warn(file, open.pos.line, `'${open.kind}' not closed at the end of the file`);
      this.stack.length = depth0;
    }
  }

  /** Parses tokens [start, end) of a line as an expression; a bad one is warned about and kept as
   * an opaque atom. */
  private lineExpr(c: LineContext, start: number): Expr | undefined {
    const end = c.toks.length;
    if (start >= end) {
      this.warn(c.file, c.lineNo, `expected an expression after '${c.kw}'`);
      return undefined;
    }
    try {
      return parseTokens(c.toks, start, end, c.line.length);
    } catch (error) {
      const col = error instanceof ExprSyntaxError ? `:${error.col + 1}` : '';
      this.warn(c.file, c.lineNo, `bad expression${col}: ${(error as Error).message}`);
      return { kind: 'macro', text: c.line.slice(c.toks[start]!.start, c.toks[end - 1]!.end) };
    }
  }

  /** The condition after the `if` at token k, if there is one. */
  private condAfter(c: LineContext, k: number): Expr | undefined {
    return k < c.toks.length ? this.lineExpr(c, k + 1) : undefined;
  }

  private innermostChoice(): KconfigChoice | undefined {
    for (let k = this.stack.length - 1; k >= 0; k--) {
      const b = this.stack[k]!;
      if (b.kind === 'choice') return b.choice;
      if (b.kind === 'menu') return undefined;
    }
    return undefined;
  }

  private setType(current: Current, type: SymbolType): void {
    if (current.kind !== 'config') return;
    current.def.type = type;
    const sym = this.symbols.get(current.def.name)!;
    if (sym.type === 'unknown') sym.type = type;
  }

  private setPrompt(current: Current, text: string, cond: Expr | undefined, pos: SourcePos): void {
    if (current.kind === 'config') {
      current.def.prompt = cond ? { text, if: cond, pos } : { text, pos };
    } else if (current.kind === 'choice') {
      current.choice.prompt = text;
    }
  }

  finish(): void {
    for (const { def, blocks } of this.defBlocks) {
      for (const b of blocks) {
        def.enclosing.push(...b.deps);
        def.visibleIf.push(...b.visibleIf);
      }
    }
    for (const { target, rev, imply } of this.selects) {
      const sym = this.symbols.get(target);
      if (!sym) continue; // selecting a symbol this arch does not define: kconfig ignores it too
      (imply ? sym.impliedBy : sym.selectedBy).push(rev);
    }
  }
}

/** Reads the Kconfig tree under `srcRoot` (synchronous: it is a few thousand small files). */
export function loadKconfigTree(srcRoot: string, opts: LoadKconfigOptions = {}): KconfigTree {
  const srcarch = opts.srcarch ?? 'x86';
  const vars: Record<string, string> = { SRCARCH: srcarch, ARCH: opts.arch ?? srcarch, ...opts.vars };
  const root = path.resolve(srcRoot);
  const reader = new TreeReader(root, vars);
  reader.readFile(opts.entry ?? 'Kconfig', false);
  reader.finish();
  return { srcRoot: root, vars, files: reader.files, symbols: reader.symbols, choices: reader.choices, warnings: reader.warnings };
}

/** A definition's whole dependency: enclosing blocks first, then its own `depends on` (as kconfig
 * builds it); undefined when it has none. */
export function definitionDependency(def: SymbolDefinition): Expr | undefined {
  return andAll([...def.enclosing, ...def.dependsOn]);
}

/** The extra conditions on a definition's prompt: the prompt's own `if` and the menus' `visible if`. */
export function promptCondition(def: SymbolDefinition): Expr | undefined {
  return andAll([...def.visibleIf, ...(def.prompt?.if ? [def.prompt.if] : [])]);
}

/** An evaluation context that knows the tree's symbol types. */
export function treeEvalContext(tree: KconfigTree): EvalContext {
  return { typeOf: (name) => tree.symbols.get(name)?.type };
}

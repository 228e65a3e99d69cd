// The config audit: every option a fragment asks for must be in the final `.config` with the asked
// value. For each miss it says who asked (file:line), what was asked and what landed, and why:
// the option's `depends on` with the value of every symbol in it (as menuconfig shows them), which
// parts are unmet, and for unmet symbols without a prompt, what would set them (select, default).
// Fragments that set one option two ways are reported as conflicts.

import {
  andAll,
  conjuncts,
  evalExpr,
  renderExpr,
  triAtLeast,
  unquote,
  type ConfigValues,
  type EvalContext,
  type Expr,
  type SymbolType,
  type Tristate,
} from './expr.js';
import { describeValue, FragmentSyntaxError, parseConfig, parseFragment, type ConfigAssignment, type FragmentProblem } from './fragment.js';
import {
  definitionDependency,
  promptCondition,
  treeEvalContext,
  type KconfigSymbol,
  type KconfigTree,
  type SourcePos,
  type SymbolDefinition,
} from './kconfig-tree.js';

export interface FragmentInput {
  /** Where the fragment is on disk (kept for the caller; not read). */
  file: string;
  /** The path shown to the user, e.g. `recipes/fragments/rust.config`. */
  displayPath: string;
  text: string;
}

export interface AuditInput {
  /** In the order they were merged: a later fragment overrides an earlier one. */
  fragments: readonly FragmentInput[];
  /** The text of the final `.config`. */
  finalConfig: string;
  kconfig: KconfigTree;
}

/** One definition's dependency, evaluated against the final `.config`. */
export interface DependencyReport {
  /** Where the `config` block is. */
  at: SourcePos;
  expr: Expr;
  value: Tristate;
  /** `HAVE_RUST [=y] && RUST_IS_AVAILABLE [=n] && …` */
  rendered: string;
  /** The top-level `&&` operands that fall short, rendered. */
  unmet: string[];
}

export interface Miss {
  /** `CONFIG_RUST` */
  option: string;
  /** `RUST` */
  name: string;
  /** The assignment that asked (the last one, when several fragments set it). */
  asked: ConfigAssignment;
  /** The value in the final `.config` as written; undefined when the option is absent. */
  got: string | undefined;
  kind: 'no-such-option' | 'wrong-value';
  /** Where the option is defined in Kconfig. */
  definedAt: SourcePos[];
  /** The dependencies of the definitions that have a prompt (of all, when none has). */
  depends: DependencyReport[];
  /** Further explanation lines, human readable, already indented relative to each other. */
  notes: string[];
}

export interface Conflict {
  option: string;
  name: string;
  /** The earlier assignment, and the later one that overrides it with another value. */
  first: ConfigAssignment;
  second: ConfigAssignment;
}

/** Not a failure: e.g. `# CONFIG_X is not set` for an option this kernel does not have. */
export interface AuditWarning {
  option: string;
  asked: ConfigAssignment;
  message: string;
}

export interface AuditResult {
  ok: boolean;
  /** How many distinct options the fragments ask for. */
  requested: number;
  misses: Miss[];
  conflicts: Conflict[];
  warnings: AuditWarning[];
}

const NO_SUCH_OPTION = "no such option in this kernel's Kconfig";
const NOTHING_BLOCKS = 'nothing in Kconfig stands in the way: did the config step apply this fragment after the base config?';

/** A value in a form where equal values (as Kconfig reads them) are equal strings. */
function canonical(value: string, type: SymbolType | undefined): string {
  if (value === 'n') return 'n';
  switch (type) {
    case 'string':
      return value.startsWith('"') ? JSON.stringify(unquote(value)) : value;
    case 'int':
      return /^[+-]?[0-9]+$/.test(value) ? BigInt(value).toString() : value;
    case 'hex': {
      const m = /^(?:0[xX])?([0-9a-fA-F]+)$/.exec(value);
      return m ? `0x${BigInt(`0x${m[1]}`).toString(16)}` : value;
    }
    default:
      return value;
  }
}

function askedText(a: ConfigAssignment): string {
  return a.notSet ? 'not set' : a.value;
}

function where(a: ConfigAssignment): string {
  return `${a.file}:${a.line}`;
}

function at(p: SourcePos): string {
  return `${p.file}:${p.line}`;
}

/** Whether the final value satisfies the request. */
function satisfied(asked: ConfigAssignment, got: string | undefined, type: SymbolType | undefined): boolean {
  if (asked.value === 'n') return got === undefined || got === 'n';
  return got !== undefined && canonical(asked.value, type) === canonical(got, type);
}

/** Edit distance, bounded: returns max+1 as soon as it is exceeded. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

function similarNames(name: string, tree: KconfigTree): string[] {
  const found: [number, string][] = [];
  for (const other of tree.symbols.keys()) {
    const d = distance(name, other, 2);
    if (d <= 2) found.push([d, other]);
  }
  return found.sort((x, y) => x[0] - y[0] || x[1].localeCompare(y[1])).slice(0, 3).map(([, n]) => n);
}

class Explainer {
  readonly ctx: EvalContext;
  constructor(readonly tree: KconfigTree, readonly values: ConfigValues) {
    this.ctx = treeEvalContext(tree);
  }

  eval(e: Expr): Tristate {
    return evalExpr(e, this.values, this.ctx);
  }

  render(e: Expr): string {
    return renderExpr(e, { ...this.ctx, values: this.values });
  }

  /** The value this dependency must reach for the request: y for y on a tristate with modules on. */
  needed(asked: ConfigAssignment, sym: KconfigSymbol): Tristate {
    if (asked.value === 'y' && sym.type === 'tristate' && this.values.get('MODULES') === 'y') return 'y';
    return 'm';
  }

  report(def: SymbolDefinition, needed: Tristate): DependencyReport | undefined {
    const expr = definitionDependency(def);
    if (!expr) return undefined;
    const value = this.eval(expr);
    const unmet = conjuncts(expr).filter((c) => !triAtLeast(this.eval(c), needed)).map((c) => this.render(c));
    return { at: def.pos, expr, value, rendered: this.render(expr), unmet };
  }

  /** `by [=y] && cond` of a select, and whether it is active. */
  selector(sym: KconfigSymbol, kind: 'selectedBy' | 'impliedBy'): { text: string; active: boolean; expr: Expr }[] {
    return sym[kind].map((r) => {
      const expr = andAll([{ kind: 'sym', name: r.by }, ...(r.if ? [r.if] : [])])!;
      return { text: `${this.render(expr)} (${at(r.pos)})`, active: this.eval(expr) !== 'n', expr };
    });
  }

  /** Explains why symbols in unmet conjuncts have their value, when a fragment cannot simply set
   * them: symbols without a prompt (set only by select or default) and symbols forced by select. */
  explainConjuncts(exprs: readonly Expr[], needed: Tristate, depth: number, seen: Set<string>, out: string[]): void {
    for (const c of exprs) {
      if (triAtLeast(this.eval(c), needed)) continue;
      if (c.kind === 'sym') this.explainLow(c.name, depth, seen, out);
      else if (c.kind === 'not' && c.arg.kind === 'sym') this.explainForced(c.arg.name, depth, seen, out);
    }
  }

  private explainLow(name: string, depth: number, seen: Set<string>, out: string[]): void {
    const sym = this.tree.symbols.get(name);
    if (!sym || seen.has(name) || depth > 4) return;
    seen.add(name);
    if (sym.definitions.some((d) => d.prompt)) return; // the user can set it; its own miss or value says enough
    const pad = '  '.repeat(depth);
    const value = this.render({ kind: 'sym', name });
    const selectors = this.selector(sym, 'selectedBy');
    const defaults = sym.definitions.flatMap((d) => d.defaults);
    const deps = sym.definitions.map((d) => definitionDependency(d)).filter((e): e is Expr => e !== undefined);
    out.push(`${pad}${value} has no prompt: only ${selectors.length > 0 ? 'a select' : 'its default'} can set it`);
    const shown = selectors.slice(0, 6);
    for (const s of shown) out.push(`${pad}  selected by ${s.text}`);
    if (selectors.length > shown.length) out.push(`${pad}  … and ${selectors.length - shown.length} more selects`);
    for (const d of defaults.slice(0, 3)) out.push(`${pad}  ${d.text} (${at(d.pos)})`);
    if (defaults.some((d) => d.text.includes('$('))) {
      out.push(`${pad}  (Kconfig computed this by running the toolchain during the config step)`);
    }
    if (name === 'RUST_IS_AVAILABLE') {
      out.push(`${pad}  \`make rustavailable\`, with the same LLVM=/RUSTC=/BINDGEN= as the config step, says why`);
    }
    for (const dep of deps) {
      if (this.eval(dep) === 'n') out.push(`${pad}  depends on: ${this.render(dep)}`);
    }
    for (const s of shown) this.explainConjuncts(conjuncts(s.expr), 'm', depth + 1, seen, out);
    for (const dep of deps) this.explainConjuncts(conjuncts(dep), 'm', depth + 1, seen, out);
  }

  private explainForced(name: string, depth: number, seen: Set<string>, out: string[]): void {
    const sym = this.tree.symbols.get(name);
    if (!sym || seen.has(name) || depth > 4) return;
    seen.add(name);
    const active = this.selector(sym, 'selectedBy').filter((s) => s.active);
    if (active.length === 0) return;
    const pad = '  '.repeat(depth);
    out.push(`${pad}${this.render({ kind: 'sym', name })} is forced on by select:`);
    for (const s of active.slice(0, 6)) out.push(`${pad}  selected by ${s.text}`);
    if (active.length > 6) out.push(`${pad}  … and ${active.length - 6} more`);
  }
}

function explainMiss(asked: ConfigAssignment, got: string | undefined, sym: KconfigSymbol, ex: Explainer): Pick<Miss, 'depends' | 'notes'> {
  const notes: string[] = [];
  const depends: DependencyReport[] = [];
  const option = `CONFIG_${sym.name}`;
  const type = sym.type;
  const wantsOff = asked.value === 'n';

  // the value does not fit the type
  if (!wantsOff) {
    const fits =
      type === 'bool' ? asked.value === 'y'
        : type === 'tristate' ? asked.value === 'y' || asked.value === 'm'
          : type === 'string' ? asked.kind === 'string'
            : type === 'int' ? asked.kind === 'int'
              : type === 'hex' ? asked.kind === 'hex' || asked.kind === 'int'
                : true;
    if (!fits) {
      const expect = { bool: 'y or n', tristate: 'y, m or n', string: 'a "quoted string"', int: 'a decimal number', hex: 'a 0x hex number', unknown: '' }[type];
      notes.push(`${option} is a ${type} option: its value must be ${expect}`);
    }
  }

  const prompted = sym.definitions.filter((d) => d.prompt);
  const relevant = prompted.length > 0 ? prompted : sym.definitions;
  const needed = ex.needed(asked, sym);
  let depsMet = true;
  if (!wantsOff) {
    for (const def of relevant) {
      const r = ex.report(def, needed);
      if (r) {
        depends.push(r);
        if (!triAtLeast(r.value, needed)) depsMet = false;
      }
    }
    if (depends.some((d) => triAtLeast(d.value, needed))) depsMet = true; // one visible prompt is enough
    const seen = new Set<string>([sym.name]);
    for (const r of depends) if (!triAtLeast(r.value, needed)) ex.explainConjuncts(conjuncts(r.expr), needed, 1, seen, notes);
    if (depends.length > 0 && !depsMet && needed === 'y' && depends.every((d) => d.value === 'm')) {
      notes.push(`its dependencies are only m, so ${option} can be at most m`);
    }
  }

  if (prompted.length === 0) {
    const selectors = ex.selector(sym, 'selectedBy');
    notes.push(`${option} has no prompt: a fragment cannot set it; only ${selectors.length > 0 ? 'a select or its default' : 'its default'} can`);
    for (const s of selectors.slice(0, 6)) notes.push(`  selected by ${s.text}`);
    if (selectors.length > 6) notes.push(`  … and ${selectors.length - 6} more selects`);
    for (const d of sym.definitions.flatMap((x) => x.defaults).slice(0, 3)) notes.push(`  ${d.text} (${at(d.pos)})`);
    return { depends, notes };
  }

  if (wantsOff) {
    const active = ex.selector(sym, 'selectedBy').filter((s) => s.active);
    if (active.length > 0) {
      notes.push(`${option} is forced on by select:`);
      for (const s of active.slice(0, 6)) notes.push(`  selected by ${s.text}`);
      if (active.length > 6) notes.push(`  … and ${active.length - 6} more`);
    }
    const choice = prompted.find((d) => d.choice)?.choice;
    if (choice && active.length === 0) {
      notes.push(`${option} is in the choice at ${at(choice.pos)}${choice.prompt ? ` ("${choice.prompt}")` : ''}: one member is always y; ask another member =y instead`);
    }
    if (notes.length === 0) notes.push(NOTHING_BLOCKS);
    return { depends, notes };
  }

  if (depsMet) {
    for (const def of prompted) {
      const cond = promptCondition(def);
      if (cond && ex.eval(cond) === 'n') notes.push(`its prompt (${at(def.prompt!.pos)}) is hidden: visible if ${ex.render(cond)}`);
    }
    const choice = prompted.find((d) => d.choice)?.choice;
    if (choice) {
      const chosen = choice.members.filter((m) => m !== sym.name && ex.values.get(m) === 'y');
      notes.push(`${option} is in the choice at ${at(choice.pos)}${choice.prompt ? ` ("${choice.prompt}")` : ''}${chosen.length > 0 ? `; ${chosen.map((c) => `CONFIG_${c}=y`).join(', ')} won` : ''}`);
    }
    if (asked.value === 'm' && got === 'y' && ex.values.get('MODULES') !== 'y') {
      notes.push(`MODULES [=${ex.values.get('MODULES') ?? 'n'}]: without loadable modules m becomes y`);
    } else if (asked.value === 'm' && got === 'y') {
      const active = ex.selector(sym, 'selectedBy').filter((s) => s.active);
      if (active.length > 0) {
        notes.push(`${option} is forced to y by select:`);
        for (const s of active.slice(0, 6)) notes.push(`  selected by ${s.text}`);
      }
    }
    if (notes.length === 0 && (type === 'int' || type === 'hex')) {
      notes.push(`its dependencies are met: check the option's range in ${at(prompted[0]!.pos)}`);
    }
    if (notes.length === 0) notes.push(NOTHING_BLOCKS);
  }
  return { depends, notes };
}

/** Checks that every option the fragments ask for landed in the final `.config`. Throws
 * FragmentSyntaxError when a fragment (or the `.config`) has lines not in the kernel's syntax. */
export function auditConfig(input: AuditInput): AuditResult {
  const problems: FragmentProblem[] = [];
  const assignments: ConfigAssignment[] = [];
  for (const f of input.fragments) {
    try {
      assignments.push(...parseFragment(f.text, f.displayPath));
    } catch (error) {
      if (error instanceof FragmentSyntaxError) problems.push(...error.problems);
      else throw error;
    }
  }
  if (problems.length > 0) throw new FragmentSyntaxError(problems);
  const values = parseConfig(input.finalConfig, '.config');
  const tree = input.kconfig;
  const ex = new Explainer(tree, values);

  // last assignment per option, and conflicts between differing ones
  const last = new Map<string, ConfigAssignment>();
  const conflicts: Conflict[] = [];
  for (const a of assignments) {
    const prev = last.get(a.name);
    const type = tree.symbols.get(a.name)?.type;
    if (prev && canonical(prev.value, type) !== canonical(a.value, type)) {
      conflicts.push({ option: `CONFIG_${a.name}`, name: a.name, first: prev, second: a });
    }
    last.set(a.name, a);
  }

  const misses: Miss[] = [];
  const warnings: AuditWarning[] = [];
  for (const asked of last.values()) {
    const option = `CONFIG_${asked.name}`;
    const sym = tree.symbols.get(asked.name);
    const got = values.get(asked.name);
    if (!sym) {
      const similar = similarNames(asked.name, tree).map((n) => `CONFIG_${n}`);
      const hint = similar.length > 0 ? `; did you mean ${similar.join(' or ')}?` : '';
      if (asked.value === 'n') {
        warnings.push({ option, asked, message: `${NO_SUCH_OPTION}${hint}` });
        continue;
      }
      misses.push({ option, name: asked.name, asked, got, kind: 'no-such-option', definedAt: [], depends: [], notes: [`${NO_SUCH_OPTION}${hint}`] });
      continue;
    }
    if (satisfied(asked, got, sym.type)) continue;
    const { depends, notes } = explainMiss(asked, got, sym, ex);
    misses.push({ option, name: asked.name, asked, got, kind: 'wrong-value', definedAt: sym.definitions.map((d) => d.pos), depends, notes });
  }
  // fragment order (the order of `last` is first-assignment order; report in the asking line's order)
  const order = new Map(input.fragments.map((f, i) => [f.displayPath, i]));
  misses.sort((x, y) => (order.get(x.asked.file) ?? 0) - (order.get(y.asked.file) ?? 0) || x.asked.line - y.asked.line);

  return { ok: misses.length === 0 && conflicts.length === 0, requested: last.size, misses, conflicts, warnings };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The human-readable report: a summary line, then one block per miss, conflict and warning. */
export function renderAudit(result: AuditResult): string {
  const out: string[] = [];
  if (result.ok) {
    out.push(`config audit: all ${plural(result.requested, 'requested option')} landed in .config`);
  } else {
    const parts: string[] = [];
    if (result.misses.length > 0) parts.push(`${result.misses.length} of ${plural(result.requested, 'requested option')} did not land`);
    if (result.conflicts.length > 0) parts.push(plural(result.conflicts.length, 'conflicting assignment'));
    out.push(`config audit failed: ${parts.join(', ')}`);
  }
  for (const m of result.misses) {
    out.push(`${m.option}: asked ${askedText(m.asked)}, got ${describeValue(m.got)} (${where(m.asked)})`);
    for (const d of m.depends) {
      const loc = m.depends.length > 1 ? ` (${at(d.at)})` : '';
      out.push(`  depends on${loc}: ${d.rendered}`);
      if (d.unmet.length > 0 && !m.asked.notSet && m.asked.value !== 'n') out.push(`  unmet: ${d.unmet.join(', ')}`);
    }
    for (const n of m.notes) out.push(`  ${n}`);
    if (m.definedAt.length > 0) out.push(`  defined at ${m.definedAt.map(at).join(', ')}`);
  }
  for (const c of result.conflicts) {
    out.push(`${c.option}: set two ways: ${askedText(c.first)} (${where(c.first)}) and ${askedText(c.second)} (${where(c.second)}); the last one wins`);
  }
  for (const w of result.warnings) {
    out.push(`warning: ${w.option}: asked ${askedText(w.asked)} (${where(w.asked)}): ${w.message}`);
  }
  return `${out.join('\n')}\n`;
}

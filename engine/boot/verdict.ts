// The verdict of a boot test, from its console: fail patterns, ordered expectations, KTAP results,
// the timeout and QEMU's exit status. Pure: console text and rules in, a verdict out.
import { R4lError } from '../errors.js';
import { splitConsoleLines, stripPrintkPrefix } from './console.js';
import { INIT_MARKERS } from './init-script.js';
import { ktapCases, parseKtap, type KtapReport } from './ktap.js';

/**
 * Patterns that fail a boot by default. Only fatal or plainly wrong events are in: a panic, an
 * oops, a BUG, a Rust panic (the kernel's Rust panic handler prints `panicked at` and then calls
 * BUG(), so `kernel BUG at` follows; `rust_panic` is only a symbol in call traces, so it is not
 * needed), a fault, a module that did not load or unload (busybox's messages), a /init command that
 * failed or an /init that ended early. `WARNING: CPU:` and `Call Trace:` are left out: a WARN is
 * not fatal (and a call trace follows every oops anyway); add them to `fail` to be strict.
 */
export const DEFAULT_FAIL_PATTERNS: readonly string[] = [
  'Kernel panic - not syncing',
  'Oops:',
  'BUG:',
  'kernel BUG at',
  'panicked at',
  'Unable to handle kernel',
  'general protection fault',
  "insmod: can't insert",
  "rmmod: can't unload",
  "modprobe: can't load",
  INIT_MARKERS.failed,
  INIT_MARKERS.early,
];

/** Why a boot test failed (kebab-case, stable). */
export type VerdictReason = 'expect-missing' | 'fail-pattern' | 'timeout' | 'ktap-failed' | 'ktap-incomplete' | 'qemu-error';

/** How the boot went and what it must show. */
export interface BootRules {
  /** Must appear in this order, each on a later line than the previous one: substrings, or `/regex/flags`. */
  expect: readonly string[];
  /** Fail the boot wherever they appear; the defaults are added unless `defaultFail` is false. */
  fail?: readonly string[];
  /** Add DEFAULT_FAIL_PATTERNS to `fail` (default true). */
  defaultFail?: boolean;
  /** The boot was stopped by the timeout. */
  timedOut: boolean;
  /** QEMU's exit status; null when it was killed. */
  exitCode: number | null;
  /** Parse KTAP output and fail on failed or incomplete tests, or when there is none. */
  ktap?: boolean;
  /** The timeout, for the message. */
  timeoutSeconds?: number;
  /** QEMU's stderr, shown when QEMU itself failed. */
  stderr?: string;
}

/** Where a pattern matched: line text and 1-based number, both null when it did not. */
export interface LineMatch {
  pattern: string;
  line: string | null;
  lineNumber: number | null;
}

/** The outcome of a boot test. */
export interface Verdict {
  verdict: 'pass' | 'fail';
  /** Null when the boot passed. */
  reason: VerdictReason | null;
  /** One line: what passed, or what failed and where. */
  message: string;
  /** Every expectation, in the recipe's order, with where it matched. */
  expectations: LineMatch[];
  /** The line that caused the failure (the fail pattern, the missing expectation, the failed KTAP test). */
  failure?: LineMatch;
  ktap?: KtapReport;
  /** Lines around the cause: 10 before and 5 after; the last 20 for a timeout or a missing line. */
  context: string[];
  /** Where the context comes from. */
  contextSource: 'console' | 'qemu-stderr';
  /** 1-based number of context[0] in its source (0 when there is no context). */
  contextStart: number;
  /** 1-based number of the cause's line, when the context is around one. */
  contextMark: number | null;
}

/** A compiled expect / fail pattern. */
export interface Pattern {
  source: string;
  test(text: string): boolean;
}

/** `/body/flags` with flags among i, m, s, u: anything else (say `/usr/bin/env`) is a substring. */
const REGEX_FORM = /^\/(.+)\/([imsu]*)$/s;

/**
 * Compiles a pattern: `/regex/flags` (flags i, m, s, u, each at most once) is a regular expression,
 * anything else a substring. Patterns are tested against each console line without its printk
 * timestamp, so `^` anchors at the message.
 */
export function compilePattern(source: string): Pattern {
  if (source === '') throw new R4lError('recipe-invalid', 'an empty pattern matches every console line', 'remove it, or write the text the line must contain');
  const m = REGEX_FORM.exec(source);
  const [, body = '', flags = ''] = m ?? [];
  if (m === null || new Set(flags).size !== flags.length) return { source, test: (text) => text.includes(source) };
  let regex: RegExp;
  try {
    regex = new RegExp(body, flags);
  } catch (error) {
    throw new R4lError('recipe-invalid', `pattern ${source} is not a valid regular expression: ${(error as Error).message}`, 'fix the expression, or write a plain substring without the enclosing slashes');
  }
  return { source, test: (text) => regex.test(text) };
}

/** The fail patterns a rule set applies, defaults first. */
export function failPatterns(rules: Pick<BootRules, 'fail' | 'defaultFail'>): string[] {
  const own = rules.fail ?? [];
  const all = rules.defaultFail === false ? [...own] : [...DEFAULT_FAIL_PATTERNS, ...own];
  return [...new Set(all)];
}

const BEFORE = 10;
const AFTER = 5;
const TAIL = 20;
const MAX_LISTED = 5;

interface Matched {
  pattern: string;
  lineNumber: number;
}

interface ConsoleLine {
  raw: string;
  /** Without the printk prefix: what patterns are tested against. */
  text: string;
  /** An /init echo of a command: never matched (a `grep BUG:` must not fail the boot). */
  echo: boolean;
}

function consoleLine(raw: string): ConsoleLine {
  const message = stripPrintkPrefix(raw);
  return { raw, text: message, echo: message.startsWith(INIT_MARKERS.command) || message.startsWith(INIT_MARKERS.continuation) };
}

function consoleLines(text: string): ConsoleLine[] {
  return splitConsoleLines(text).map(consoleLine);
}

/**
 * The first fail pattern one console line matches, as judge() reads it (printk prefix stripped,
 * /init's command echoes never match): for stopping a boot as soon as it has failed.
 */
export function matchFailLine(raw: string, patterns: readonly Pattern[]): Pattern | undefined {
  const line = consoleLine(raw.replace(/\r+$/, ''));
  return line.echo ? undefined : patterns.find((pattern) => pattern.test(line.text));
}

function findFrom(lines: readonly ConsoleLine[], pattern: Pattern, from: number, to = lines.length): number {
  for (let i = from; i < to; i++) {
    const line = lines[i] as ConsoleLine;
    if (!line.echo && pattern.test(line.text)) return i;
  }
  return -1;
}

function around(all: readonly string[], lineNumber: number): Pick<Verdict, 'context' | 'contextStart' | 'contextMark'> {
  const start = Math.max(1, lineNumber - BEFORE);
  const end = Math.min(all.length, lineNumber + AFTER);
  return { context: all.slice(start - 1, end), contextStart: start, contextMark: lineNumber };
}

function tail(all: readonly string[]): Pick<Verdict, 'context' | 'contextStart' | 'contextMark'> {
  const start = Math.max(0, all.length - TAIL);
  return { context: all.slice(start), contextStart: all.length === 0 ? 0 : start + 1, contextMark: null };
}

function quote(text: string): string {
  return JSON.stringify(text);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function ktapSummary(report: KtapReport): string {
  const { counts } = report;
  const parts = [`${counts.pass} passed`];
  if (counts.fail) parts.push(`${counts.fail} failed`);
  if (counts.skip) parts.push(`${counts.skip} skipped`);
  if (counts.incomplete) parts.push(`${counts.incomplete} incomplete`);
  return `KTAP ${plural(counts.total, 'test')}: ${parts.join(', ')}`;
}

/**
 * Judges a boot from its console text and the rules. The first cause found, in this order, is the
 * reason: a fail pattern (its earliest line: a panic explains a timeout or a missing line), the
 * timeout, QEMU's exit status, failed KTAP tests, incomplete or absent KTAP output, a missing
 * expectation. /init's echo of a command (`r4l: $ …`) is never matched by any pattern.
 */
export function judge(consoleText: string, rules: BootRules): Verdict {
  const lines = consoleLines(consoleText);
  const raw = lines.map((line) => line.raw);
  const fails = failPatterns(rules).map(compilePattern);
  const expects = rules.expect.map(compilePattern);

  // Expectations, in order: each one searched from the line after the previous match.
  const expectations: LineMatch[] = [];
  let cursor = 0;
  let lastMatched: Matched | null = null;
  let firstMissing: { pattern: Pattern; after: Matched | null } | null = null;
  for (const pattern of expects) {
    const at = findFrom(lines, pattern, cursor);
    if (at < 0) {
      expectations.push({ pattern: pattern.source, line: null, lineNumber: null });
      firstMissing ??= { pattern, after: lastMatched };
      continue;
    }
    expectations.push({ pattern: pattern.source, line: raw[at] ?? '', lineNumber: at + 1 });
    cursor = at + 1;
    lastMatched = { pattern: pattern.source, lineNumber: at + 1 };
  }

  const ktap = rules.ktap ? parseKtap(raw) : undefined;
  const base = { expectations, ...(ktap ? { ktap } : {}), contextSource: 'console' as const };
  const fail = (reason: VerdictReason, message: string, where: Pick<Verdict, 'context' | 'contextStart' | 'contextMark'>, failure?: LineMatch): Verdict => ({
    verdict: 'fail',
    reason,
    message,
    ...base,
    ...(failure ? { failure } : {}),
    ...where,
  });

  // 1. A fail pattern: the earliest line that matches any of them.
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as ConsoleLine;
    const hit = matchFailLine(line.raw, fails);
    if (hit === undefined) continue;
    return fail('fail-pattern', `fail pattern ${quote(hit.source)} matched at line ${i + 1}: ${line.raw.trim()}`, around(raw, i + 1), {
      pattern: hit.source,
      line: line.raw,
      lineNumber: i + 1,
    });
  }

  // 2. The timeout.
  if (rules.timedOut) {
    const within = rules.timeoutSeconds === undefined ? 'in time' : `within ${rules.timeoutSeconds} s`;
    const last = raw[raw.length - 1];
    const message = last === undefined
      ? `QEMU did not exit ${within} and the console stayed empty`
      : `QEMU did not exit ${within}; the console ended at line ${raw.length}: ${last.trim()}`;
    return fail('timeout', message, tail(raw));
  }

  // 3. QEMU itself failed.
  if (rules.exitCode !== null && rules.exitCode !== 0) {
    const stderr = splitConsoleLines(rules.stderr ?? '').filter((line) => line.trim() !== '');
    const first = stderr[0];
    const message = `QEMU exited with status ${rules.exitCode}${raw.length === 0 ? ' before the kernel printed anything' : ''}${first === undefined ? '' : `: ${first.trim()}`}`;
    if (stderr.length > 0) return { ...fail('qemu-error', message, tail(stderr)), contextSource: 'qemu-stderr' };
    return fail('qemu-error', message, tail(raw));
  }

  // 4. and 5. KTAP.
  if (ktap !== undefined) {
    const failed = ktapCases(ktap.documents).filter(({ test }) => test.result === 'fail');
    const firstFailed = failed[0];
    if (firstFailed !== undefined) {
      const names = failed.slice(0, MAX_LISTED).map(({ path, test }) => `${[...path, test.name].join('.')}${test.lineNumber === null ? '' : ` (line ${test.lineNumber})`}`);
      const more = failed.length > MAX_LISTED ? `, and ${failed.length - MAX_LISTED} more` : '';
      const message = `KTAP: ${failed.length} of ${plural(ktap.counts.total, 'test')} failed: ${names.join(', ')}${more}`;
      const lineNumber = firstFailed.test.lineNumber;
      if (lineNumber === null) return fail('ktap-failed', message, tail(raw));
      return fail('ktap-failed', message, around(raw, lineNumber), { pattern: 'not ok', line: raw[lineNumber - 1] ?? '', lineNumber });
    }
    if (ktap.documents.length === 0) {
      return fail('ktap-incomplete', 'KTAP: no "KTAP version" or "TAP version" line on the console', tail(raw));
    }
    const problem = ktap.problems[0];
    if (problem !== undefined) {
      return fail('ktap-incomplete', `KTAP: ${problem.message}`, problem.atEnd ? tail(raw) : around(raw, problem.lineNumber));
    }
  }

  // 6. Expectations.
  if (firstMissing !== null) {
    const { pattern, after } = firstMissing;
    if (after === null) {
      return fail('expect-missing', `expected ${quote(pattern.source)} on the console, but it never appeared`, tail(raw), {
        pattern: pattern.source,
        line: null,
        lineNumber: null,
      });
    }
    const earlier = findFrom(lines, pattern, 0, after.lineNumber);
    const head = `expected ${quote(pattern.source)} after line ${after.lineNumber} (where ${quote(after.pattern)} matched), but it`;
    if (earlier >= 0) {
      const where = earlier + 1 === after.lineNumber ? 'on that same line' : `before, at line ${earlier + 1}`;
      return fail('expect-missing', `${head} appeared only ${where}`, around(raw, earlier + 1), {
        pattern: pattern.source,
        line: raw[earlier] ?? '',
        lineNumber: earlier + 1,
      });
    }
    return fail('expect-missing', `${head} never appeared`, tail(raw), { pattern: pattern.source, line: null, lineNumber: null });
  }

  const met = rules.expect.length === 0 ? 'no expectations' : `${expectations.length} of ${plural(expectations.length, 'expectation')} met in order`;
  return {
    verdict: 'pass',
    reason: null,
    message: `${met}, no fail pattern matched${ktap ? `, ${ktapSummary(ktap)}` : ''}`,
    ...base,
    context: [],
    contextStart: 0,
    contextMark: null,
  };
}

/** Renders a verdict for people: the message, the expectations, and the numbered context lines. */
export function renderVerdict(verdict: Verdict): string {
  const out: string[] = [verdict.verdict === 'pass' ? `PASS: ${verdict.message}` : `FAIL (${verdict.reason ?? 'unknown'}): ${verdict.message}`];
  if (verdict.expectations.length > 0) {
    out.push('expectations, in order:');
    for (const e of verdict.expectations) {
      out.push(`  ${e.lineNumber === null ? 'missing ' : `line ${e.lineNumber}`.padEnd(8)}  ${e.pattern}`);
    }
  }
  if (verdict.context.length > 0) {
    const last = verdict.contextStart + verdict.context.length - 1;
    const width = String(last).length;
    const source = verdict.contextSource === 'console' ? 'console' : 'QEMU stderr';
    out.push(`${source} lines ${verdict.contextStart}-${last}:`);
    verdict.context.forEach((line, i) => {
      const n = verdict.contextStart + i;
      out.push(`${n === verdict.contextMark ? '>' : ' '} ${String(n).padStart(width)} | ${line}`);
    });
  }
  return out.join('\n');
}

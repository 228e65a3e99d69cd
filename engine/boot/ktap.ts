// A KTAP / TAP parser for a kernel console (the kernel's Documentation/dev-tools/ktap.rst): lines
// may carry printk timestamps and may be interleaved with unrelated kernel messages; nesting
// follows the indentation (4 spaces in KTAP 1, a tab in KUnit's older TAP 14 output). Returns the
// tree of tests with their results, and the problems: a suite that reported fewer tests than its
// plan, and a suite (or the whole run) that never finished because the console ended mid-suite.
import { splitConsoleLines, stripPrintkPrefix } from './console.js';

/** The result a result line gives: `ok`, `not ok`, or either with a `# SKIP` directive. */
export type KtapResult = 'pass' | 'fail' | 'skip';
/** A test's outcome: its result, or `incomplete` when its result line never came (a crash, the console ended). */
export type KtapStatus = KtapResult | 'incomplete';

/** One test (a KUnit test case, or a suite: a test with subtests). */
export interface KtapTest {
  /** The number on its result line (for an incomplete test: the number it would have had). */
  number: number;
  /** The description on its result line, else the name of its `# Subtest:` line. */
  name: string;
  result: KtapStatus;
  /** The directive after `#` on the result line (`SKIP reason`, `TODO`…), else null. */
  directive: string | null;
  /** 1-based line of the result line in the parsed text; null when it never came. */
  lineNumber: number | null;
  /** Diagnostic lines printed before the result line (dedented), e.g. a failed expectation. */
  log: string[];
  /** The nested KTAP block of a test with subtests, else null. */
  subtests: KtapSuite | null;
}

/** A block of tests at one indentation: a whole KTAP document, or the subtests of a test. */
export interface KtapSuite {
  /** From `# Subtest: <name>`, else null. */
  name: string | null;
  /** The version line (`KTAP version 1`, `TAP version 14`), else null. */
  version: string | null;
  /** N of the `1..N` plan line, else null. */
  plan: number | null;
  /** Diagnostics between the block's first line and its plan: KUnit's attributes (`# module: x`). */
  header: string[];
  tests: KtapTest[];
  /** 1-based line where the block started. */
  lineNumber: number;
}

/** What went wrong structurally. */
export type KtapProblemKind = 'missing-tests' | 'incomplete';

/** A structural problem: fewer results than planned, or a block that never finished. */
export interface KtapProblem {
  kind: KtapProblemKind;
  /** Dotted names of the suite (empty for a whole document). */
  path: string;
  /** The plan, if there was one. */
  expected: number | null;
  /** How many results the block reported. */
  found: number;
  /** 1-based line where the problem shows: the closing result line, or the block's first line. */
  lineNumber: number;
  /** True when the block was still open when the console ended (the boot stopped mid-suite). */
  atEnd: boolean;
  message: string;
}

/** Tallies over {@link ktapCases}. */
export interface KtapCounts {
  pass: number;
  fail: number;
  skip: number;
  incomplete: number;
  total: number;
}

/** The parse of a console: every KTAP document on it, problems, tallies. */
export interface KtapReport {
  documents: KtapSuite[];
  problems: KtapProblem[];
  counts: KtapCounts;
  /** True when there was at least one document, nothing failed, and nothing is missing or incomplete. */
  ok: boolean;
}

/** One reportable test: a leaf, or a parent whose own outcome says more than its subtests do. */
export interface KtapCase {
  /** Names of the enclosing tests, outermost first. */
  path: string[];
  test: KtapTest;
}

interface Frame {
  suite: KtapSuite;
  indent: number;
  /** Non-structural lines since the last result line in this block. */
  log: string[];
  /** Dotted names of the block (empty for a document). */
  path: string;
}

const VERSION = /^(K?TAP) version (\d+)\s*$/;
const SUBTEST = /^# Subtest: (.*?)\s*$/;
const PLAN = /^1\.\.(\d+)\s*(?:#.*)?$/;
const RESULT = /^(ok|not ok) (\d+)(?:\s+(.*))?$/;
/** Keep a bounded log per test: console noise between suites must not grow it without end. */
const MAX_LOG_LINES = 200;

/** Columns of leading whitespace, a tab counting as 4 (only comparisons matter). */
function indentOf(text: string): number {
  let columns = 0;
  for (const ch of text) {
    if (ch === ' ') columns += 1;
    else if (ch === '\t') columns += 4;
    else break;
  }
  return columns;
}

/** Removes up to `columns` columns of leading whitespace. */
function dedent(text: string, columns: number): string {
  let i = 0;
  let removed = 0;
  while (i < text.length && removed < columns) {
    const ch = text[i];
    if (ch === ' ') removed += 1;
    else if (ch === '\t') removed += 4;
    else break;
    i++;
  }
  return text.slice(i);
}

/** Splits the text after `ok N` into description and directive (`- name # SKIP why`). */
function splitDescription(rest: string): { name: string; directive: string | null } {
  let text = rest.trim();
  if (text.startsWith('- ')) text = text.slice(2);
  else if (text === '-') text = '';
  const hash = text.search(/(?:^|\s)#/);
  if (hash < 0) return { name: text.trim(), directive: null };
  const name = text.slice(0, hash).trim();
  const directive = text.slice(text.indexOf('#', hash) + 1).trim();
  return { name, directive };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describe(frame: Frame): string {
  return frame.path === '' ? `the KTAP document at line ${frame.suite.lineNumber}` : `suite "${frame.path}"`;
}

function reported(frame: Frame): string {
  const found = frame.suite.tests.length;
  return frame.suite.plan === null ? `${plural(found, 'test')} reported` : `${found} of ${plural(frame.suite.plan, 'test')} reported`;
}

class Parser {
  readonly documents: KtapSuite[] = [];
  readonly problems: KtapProblem[] = [];
  private stack: Frame[] = [];

  private get top(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  line(raw: string, lineNumber: number): void {
    const message = stripPrintkPrefix(raw);
    const indent = indentOf(message);
    const text = message.trim();
    let m: RegExpExecArray | null;
    if ((m = VERSION.exec(text))) return this.version(`${m[1]} version ${m[2]}`, indent, lineNumber);
    const top = this.top;
    if (top === undefined) return; // outside KTAP output: only a version line starts a document
    if ((m = SUBTEST.exec(text)) && this.subtest(m[1] ?? '', indent, lineNumber)) return;
    if ((m = PLAN.exec(text))) return this.plan(Number(m[1]), indent, lineNumber);
    if ((m = RESULT.exec(text))) return this.result(m[1] === 'ok', Number(m[2]), m[3] ?? '', indent, lineNumber);
    // A diagnostic (`# …`) or a free-form line: kept in the current block's log when it belongs there.
    if (text === '') return;
    if (text.startsWith('#') && indent === top.indent && this.fresh(top)) {
      top.suite.header.push(text);
    } else if (text.startsWith('#') || (indent > 0 && indent >= top.indent)) {
      top.log.push(dedent(message, top.indent));
      if (top.log.length > MAX_LOG_LINES) top.log.shift();
    }
  }

  end(): void {
    this.closeDocument(true);
  }

  private open(indent: number, lineNumber: number, fields: Partial<KtapSuite>): Frame {
    const parent = this.top;
    const suite: KtapSuite = { name: null, version: null, plan: null, header: [], tests: [], lineNumber, ...fields };
    const path = parent === undefined ? '' : [parent.path, suite.name ?? `#${parent.suite.tests.length + 1}`].filter(Boolean).join('.');
    const frame: Frame = { suite, indent, log: [], path };
    if (parent === undefined) this.documents.push(suite);
    this.stack.push(frame);
    return frame;
  }

  private fresh(frame: Frame): boolean {
    return frame.suite.plan === null && frame.suite.tests.length === 0;
  }

  private version(version: string, indent: number, lineNumber: number): void {
    const top = this.top;
    const root = this.stack[0];
    if (top === undefined || root === undefined) {
      this.open(indent, lineNumber, { version });
    } else if (indent > top.indent) {
      this.open(indent, lineNumber, { version });
    } else if (indent === top.indent && this.fresh(top) && top.suite.version === null) {
      top.suite.version = version;
    } else if (indent <= root.indent) {
      this.closeDocument(false);
      this.open(indent, lineNumber, { version });
    } else {
      // A sibling block starts while the previous one at this depth never got its result line.
      this.popDeeperThan(indent - 1, false);
      this.open(indent, lineNumber, { version });
    }
  }

  /** Returns false when the line is to be read as a plain diagnostic. */
  private subtest(name: string, indent: number, lineNumber: number): boolean {
    const top = this.top;
    if (top === undefined) return false;
    if (indent > top.indent) {
      this.open(indent, lineNumber, { name });
      return true;
    }
    if (indent === top.indent && this.fresh(top) && top.suite.name === null) {
      top.suite.name = name;
      if (this.stack.length > 1) {
        const parentPath = this.stack[this.stack.length - 2]?.path ?? '';
        top.path = [parentPath, name].filter(Boolean).join('.');
      }
      return true;
    }
    return false;
  }

  private plan(count: number, indent: number, lineNumber: number): void {
    const top = this.top;
    if (top === undefined) return;
    if (indent > top.indent) {
      this.open(indent, lineNumber, { plan: count });
      return;
    }
    this.popDeeperThan(indent, false);
    const frame = this.top;
    if (frame !== undefined && frame.suite.plan === null) frame.suite.plan = count;
  }

  private result(ok: boolean, number: number, rest: string, indent: number, lineNumber: number): void {
    // The result line of a test with subtests sits at the parent's indentation: every deeper block
    // closes here; the shallowest of them is this test's subtests, deeper ones never finished.
    let child: Frame | undefined;
    while (this.top !== undefined && this.top.indent > indent) {
      const frame = this.stack.pop() as Frame;
      if (child !== undefined) this.attachIncomplete(child, frame, false);
      child = frame;
    }
    let parent = this.top;
    if (parent === undefined) {
      // A result shallower than the document's first line (a module's suite printed without the
      // top-level header): the block read so far becomes this test's subtests in a new document.
      const wasDocument = child !== undefined && this.documents[this.documents.length - 1] === child.suite;
      if (wasDocument) this.documents.pop();
      parent = this.open(indent, child?.suite.lineNumber ?? lineNumber, {});
    }
    const { name, directive } = splitDescription(rest);
    const result: KtapResult = directive !== null && /^skip\b/i.test(directive) ? 'skip' : ok ? 'pass' : 'fail';
    const log = [...(child?.log ?? []), ...parent.log];
    parent.log = [];
    if (child !== undefined) {
      const planned = child.suite.plan;
      if (planned !== null && child.suite.tests.length < planned) {
        const path = child.suite.name !== null ? child.path : [parent.path, name].filter(Boolean).join('.');
        this.problems.push({
          kind: 'missing-tests',
          path,
          expected: planned,
          found: child.suite.tests.length,
          lineNumber,
          atEnd: false,
          message: `suite "${path}" planned ${plural(planned, 'test')} but reported ${child.suite.tests.length}`,
        });
      }
    }
    parent.suite.tests.push({
      number,
      name: name || child?.suite.name || '',
      result,
      directive,
      lineNumber,
      log,
      subtests: child?.suite ?? null,
    });
  }

  /** Closes every block deeper than `indent` (they never got a result line). */
  private popDeeperThan(indent: number, atEnd: boolean): void {
    while (this.stack.length > 1 && (this.top?.indent ?? -1) > indent) {
      const frame = this.stack.pop() as Frame;
      const parent = this.top as Frame;
      this.attachIncomplete(frame, parent, atEnd);
    }
  }

  private attachIncomplete(frame: Frame, parent: Frame, atEnd: boolean): void {
    const tests = parent.suite.tests;
    const number = (tests[tests.length - 1]?.number ?? 0) + 1;
    const why = atEnd ? `did not finish: ${reported(frame)} when the console ended` : `ended without a result line after ${reported(frame)}`;
    this.problems.push({
      kind: 'incomplete',
      path: frame.path,
      expected: frame.suite.plan,
      found: frame.suite.tests.length,
      lineNumber: frame.suite.lineNumber,
      atEnd,
      message: `${describe(frame)} ${why}`,
    });
    tests.push({
      number,
      name: frame.suite.name ?? `#${number}`,
      result: 'incomplete',
      directive: null,
      lineNumber: null,
      log: frame.log,
      subtests: frame.suite,
    });
  }

  private closeDocument(atEnd: boolean): void {
    this.popDeeperThan(-1, atEnd);
    const root = this.stack.pop();
    if (root === undefined) return;
    const planned = root.suite.plan;
    if (planned !== null && root.suite.tests.length < planned) {
      this.problems.push({
        kind: atEnd ? 'incomplete' : 'missing-tests',
        path: '',
        expected: planned,
        found: root.suite.tests.length,
        lineNumber: root.suite.lineNumber,
        atEnd,
        message: atEnd
          ? `${describe(root)} did not finish: ${reported(root)} when the console ended`
          : `${describe(root)} planned ${plural(planned, 'test')} but reported ${root.suite.tests.length}`,
      });
    }
  }
}

/** Lists the reportable tests: leaves, and parents that are incomplete or failed with no failing subtest. */
export function ktapCases(documents: readonly KtapSuite[]): KtapCase[] {
  const cases: KtapCase[] = [];
  const walk = (suite: KtapSuite, path: string[]): { bad: boolean } => {
    let bad = false;
    for (const test of suite.tests) {
      const children = test.subtests?.tests.length ?? 0;
      if (children === 0 || test.subtests === null) {
        cases.push({ path, test });
        bad ||= test.result === 'fail' || test.result === 'incomplete';
        continue;
      }
      const inner = walk(test.subtests, [...path, test.name]);
      if (test.result === 'incomplete' || (test.result === 'fail' && !inner.bad)) cases.push({ path, test });
      bad ||= inner.bad || test.result === 'fail' || test.result === 'incomplete';
    }
    return { bad };
  };
  for (const document of documents) walk(document, []);
  return cases;
}

/** Parses every KTAP / TAP document on a console (text, or lines numbered from 1). */
export function parseKtap(input: string | readonly string[]): KtapReport {
  const lines = typeof input === 'string' ? splitConsoleLines(input) : input;
  const parser = new Parser();
  lines.forEach((line, i) => parser.line(line, i + 1));
  parser.end();
  const counts: KtapCounts = { pass: 0, fail: 0, skip: 0, incomplete: 0, total: 0 };
  for (const { test } of ktapCases(parser.documents)) {
    counts[test.result] += 1;
    counts.total += 1;
  }
  const ok = parser.documents.length > 0 && counts.fail === 0 && counts.incomplete === 0 && parser.problems.length === 0;
  return { documents: parser.documents, problems: parser.problems, counts, ok };
}

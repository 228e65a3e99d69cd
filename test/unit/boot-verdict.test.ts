// Boot verdicts on console logs: a passing hello module, a module that did not load, a Rust panic,
// expectations out of order, a timeout, QEMU failing, KTAP results; messages compared exactly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { R4lError } from '../../engine/errors.js';
import { compilePattern, DEFAULT_FAIL_PATTERNS, failPatterns, judge, matchFailLine, renderVerdict, type BootRules } from '../../engine/boot/verdict.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/boot/${name}`, import.meta.url), 'utf8');
const HELLO = 'hello_world: Hello world from rust!';
const BYE = 'hello_world: Bye world from rust!';
const ok: Pick<BootRules, 'timedOut' | 'exitCode'> = { timedOut: false, exitCode: 0 };

/** 1-based number of the first console line containing `text` (keeps tests valid when the recorded log changes). */
function lineOf(log: string, text: string): number {
  const index = log.split('\n').findIndex((line) => line.includes(text));
  expect(index, `fixture has a line with ${text}`).toBeGreaterThanOrEqual(0);
  return index + 1;
}

describe('judge', () => {
  it('passes the hello module: both lines, in order, no fail pattern', () => {
    const log = fixture('console-hello-pass.console');
    const verdict = judge(log, { expect: [HELLO, BYE], ...ok });
    expect(verdict).toMatchObject({ verdict: 'pass', reason: null, message: '2 of 2 expectations met in order, no fail pattern matched', context: [] });
    expect(verdict.failure).toBeUndefined();
    expect(verdict.expectations.map((e) => e.lineNumber)).toEqual([lineOf(log, HELLO), lineOf(log, BYE)]);
    expect(verdict.expectations[0]?.line).toContain(HELLO);
    expect(renderVerdict(verdict)).toBe(
      [
        'PASS: 2 of 2 expectations met in order, no fail pattern matched',
        'expectations, in order:',
        `  line ${lineOf(log, HELLO)}   ${HELLO}`,
        `  line ${lineOf(log, BYE)}   ${BYE}`,
      ].join('\n'),
    );
  });

  it('passes with CR LF line ends (a serial console) and with regex expectations', () => {
    const log = fixture('console-hello-pass.console').replace(/\n/g, '\r\n');
    const verdict = judge(log, { expect: ['/^hello_world: Hello w\\w+ from rust!$/', '/bye WORLD/i', 'r4l: init done, exit status 0'], ...ok });
    expect(verdict.verdict).toBe('pass');
    expect(verdict.expectations.every((e) => e.line !== null && !e.line.endsWith('\r'))).toBe(true);
  });

  it('fails when insmod could not insert the module, at the insmod line', () => {
    const verdict = judge(fixture('console-insmod-fail.console'), { expect: [HELLO, BYE], ...ok });
    expect(verdict.reason).toBe('fail-pattern');
    expect(verdict.failure).toEqual({
      pattern: "insmod: can't insert",
      line: "insmod: can't insert '/lib/modules-r4l/hello_world.ko': Operation not permitted",
      lineNumber: 67,
    });
    expect(renderVerdict(verdict)).toBe(
      [
        `FAIL (fail-pattern): fail pattern "insmod: can't insert" matched at line 67: insmod: can't insert '/lib/modules-r4l/hello_world.ko': Operation not permitted`,
        'expectations, in order:',
        `  missing   ${HELLO}`,
        `  missing   ${BYE}`,
        'console lines 57-72:',
        '  57 | [    0.185229] serial8250: ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A',
        '  58 | [    0.191725] clocksource: Switched to clocksource tsc-early',
        '  59 | [    0.207183] Freeing unused kernel image (initmem) memory: 604K',
        '  60 | [    0.207642] Write protecting the kernel read-only data: 6144k',
        '  61 | [    0.208991] Freeing unused kernel image (text/rodata gap) memory: 1356K',
        '  62 | [    0.209760] Freeing unused kernel image (rodata/data gap) memory: 1204K',
        '  63 | [    0.210127] Run /init as init process',
        '  64 | r4l: init start',
        '  65 | r4l: $ insmod /lib/modules-r4l/hello_world.ko',
        '  66 | [    0.251203] hello_world: loading out-of-tree module taints kernel.',
        "> 67 | insmod: can't insert '/lib/modules-r4l/hello_world.ko': Operation not permitted",
        '  68 | r4l: command failed, exit status 1',
        '  69 | r4l: $ rmmod hello_world',
        "  70 | rmmod: can't unload module 'hello_world': No such file or directory",
        '  71 | r4l: command failed, exit status 1',
        '  72 | r4l: init done, exit status 1',
      ].join('\n'),
    );
  });

  it('fails on a Rust panic at its first line, though the panic is followed by an oops and a kernel panic', () => {
    const verdict = judge(fixture('console-panic.console'), { expect: [HELLO, BYE], ...ok });
    expect(verdict.reason).toBe('fail-pattern');
    expect(verdict.message).toBe('fail pattern "panicked at" matched at line 68: [    0.253020] rust_kernel: panicked at /build/module/hello_world.rs:24:9:');
    expect(verdict.expectations.map((e) => e.lineNumber)).toEqual([67, null]);
    expect(renderVerdict(verdict)).toBe(
      [
        'FAIL (fail-pattern): fail pattern "panicked at" matched at line 68: [    0.253020] rust_kernel: panicked at /build/module/hello_world.rs:24:9:',
        'expectations, in order:',
        `  line 67   ${HELLO}`,
        `  missing   ${BYE}`,
        'console lines 58-73:',
        '  58 | [    0.191725] clocksource: Switched to clocksource tsc-early',
        '  59 | [    0.207183] Freeing unused kernel image (initmem) memory: 604K',
        '  60 | [    0.207642] Write protecting the kernel read-only data: 6144k',
        '  61 | [    0.208991] Freeing unused kernel image (text/rodata gap) memory: 1356K',
        '  62 | [    0.209760] Freeing unused kernel image (rodata/data gap) memory: 1204K',
        '  63 | [    0.210127] Run /init as init process',
        '  64 | r4l: init start',
        '  65 | r4l: $ insmod /lib/modules-r4l/hello_world.ko',
        '  66 | [    0.251203] hello_world: loading out-of-tree module taints kernel.',
        `  67 | [    0.252811] ${HELLO}`,
        '> 68 | [    0.253020] rust_kernel: panicked at /build/module/hello_world.rs:24:9:',
        '  69 | [    0.253020] index out of bounds: the len is 3 but the index is 7',
        '  70 | [    0.253544] ------------[ cut here ]------------',
        '  71 | [    0.253602] kernel BUG at rust/helpers/bug.c:7!',
        '  72 | [    0.253921] Oops: invalid opcode: 0000 [#1] NOPTI',
        '  73 | [    0.254107] CPU: 0 UID: 0 PID: 33 Comm: insmod Tainted: G           O       6.12.118 #1',
      ].join('\n'),
    );
  });

  it('names the kernel panic when the Rust patterns are not in the list', () => {
    const verdict = judge(fixture('console-panic.console'), { expect: [], fail: ['Kernel panic - not syncing'], defaultFail: false, ...ok });
    expect(verdict.message).toBe('fail pattern "Kernel panic - not syncing" matched at line 108: [    0.258762] Kernel panic - not syncing: Fatal exception');
    expect(verdict.context).toHaveLength(12); // 10 before, the line, and the one line left after it
    expect([verdict.contextStart, verdict.contextMark]).toEqual([98, 108]);
  });

  it('fails expectations out of order, pointing at the earlier occurrence', () => {
    const log = fixture('console-hello-pass.console');
    const hello = lineOf(log, HELLO);
    const bye = lineOf(log, BYE);
    const verdict = judge(log, { expect: [BYE, HELLO], ...ok });
    expect(verdict.reason).toBe('expect-missing');
    expect(verdict.message).toBe(`expected "${HELLO}" after line ${bye} (where "${BYE}" matched), but it appeared only before, at line ${hello}`);
    expect(verdict.failure).toEqual({ pattern: HELLO, line: log.split('\n')[hello - 1], lineNumber: hello });
    expect(verdict.contextMark).toBe(hello);
    expect(renderVerdict(verdict).split('\n').slice(0, 3)).toEqual([
      `FAIL (expect-missing): expected "${HELLO}" after line ${bye} (where "${BYE}" matched), but it appeared only before, at line ${hello}`,
      'expectations, in order:',
      `  line ${bye}   ${BYE}`,
    ]);
  });

  it('fails an expectation that never appeared, first or after another', () => {
    const log = fixture('console-hello-pass.console');
    expect(judge(log, { expect: ['hello_world: Goodbye'], ...ok }).message).toBe('expected "hello_world: Goodbye" on the console, but it never appeared');
    const verdict = judge(log, { expect: [HELLO, 'hello_world: Goodbye', BYE], ...ok });
    expect(verdict.message).toBe(`expected "hello_world: Goodbye" after line ${lineOf(log, HELLO)} (where "${HELLO}" matched), but it never appeared`);
    expect(verdict.expectations.map((e) => e.lineNumber)).toEqual([lineOf(log, HELLO), null, lineOf(log, BYE)]);
    expect(verdict.context).toEqual(log.trimEnd().split('\n').slice(-20));
  });

  it('fails a timeout with the last 20 console lines', () => {
    const log = fixture('console-timeout.console');
    const verdict = judge(log, { expect: [HELLO, BYE], timedOut: true, exitCode: null, timeoutSeconds: 60 });
    expect(verdict.reason).toBe('timeout');
    expect(verdict.failure).toBeUndefined();
    const rendered = renderVerdict(verdict).split('\n');
    expect(rendered.slice(0, 5)).toEqual([
      'FAIL (timeout): QEMU did not exit within 60 s; the console ended at line 66: [    0.251203] hello_world: loading out-of-tree module taints kernel.',
      'expectations, in order:',
      `  missing   ${HELLO}`,
      `  missing   ${BYE}`,
      'console lines 47-66:',
    ]);
    expect(rendered.slice(-3)).toEqual([
      '  64 | r4l: init start',
      '  65 | r4l: $ insmod /lib/modules-r4l/hello_world.ko',
      '  66 | [    0.251203] hello_world: loading out-of-tree module taints kernel.',
    ]);
    expect(verdict.context).toHaveLength(20);
    expect(judge('', { expect: [], timedOut: true, exitCode: null }).message).toBe('QEMU did not exit in time and the console stayed empty');
  });

  it('prefers a fail pattern to the timeout it caused', () => {
    expect(judge(fixture('console-panic.console'), { expect: [], timedOut: true, exitCode: null }).reason).toBe('fail-pattern');
  });

  it('fails when QEMU itself failed, showing its stderr', () => {
    const verdict = judge('', {
      expect: [HELLO],
      timedOut: false,
      exitCode: 1,
      stderr: "qemu-system-x86_64: could not open kernel file 'bzImage': No such file or directory\n",
    });
    expect(renderVerdict(verdict)).toBe(
      [
        "FAIL (qemu-error): QEMU exited with status 1 before the kernel printed anything: qemu-system-x86_64: could not open kernel file 'bzImage': No such file or directory",
        'expectations, in order:',
        `  missing   ${HELLO}`,
        'QEMU stderr lines 1-1:',
        "  1 | qemu-system-x86_64: could not open kernel file 'bzImage': No such file or directory",
      ].join('\n'),
    );
    expect(judge(fixture('console-hello-pass.console'), { expect: [HELLO], timedOut: false, exitCode: 2 }).message).toBe('QEMU exited with status 2');
  });

  it('does not match the echo of a command (`grep BUG:`), but does match its output', () => {
    const log = ['r4l: init start', 'r4l: $ dmesg | grep -c "BUG:"', '0', 'r4l: $ echo hello_world', 'hello_world', ''].join('\n');
    const verdict = judge(log, { expect: ['hello_world'], ...ok });
    expect(verdict.verdict).toBe('pass');
    expect(verdict.expectations[0]?.lineNumber).toBe(5);
    expect(judge(log, { expect: ['hello_world', 'hello_world'], ...ok }).message).toBe(
      'expected "hello_world" after line 5 (where "hello_world" matched), but it appeared only on that same line',
    );
  });

  it('fails on a failed /init command and on an /init that ended early', () => {
    const failed = ['r4l: init start', 'r4l: $ false', 'r4l: command failed, exit status 1', 'r4l: init done, exit status 1', ''].join('\n');
    expect(judge(failed, { expect: [], ...ok }).message).toBe('fail pattern "r4l: command failed" matched at line 3: r4l: command failed, exit status 1');
    expect(judge(failed, { expect: [], defaultFail: false, ...ok }).verdict).toBe('pass');
    const early = ['r4l: init start', 'r4l: $ exit 3', 'r4l: init ended early', ''].join('\n');
    expect(judge(early, { expect: [], ...ok }).failure?.pattern).toBe('r4l: init ended early');
  });

  it('fails on failed KTAP tests at the first failure, with its diagnostics in the context', () => {
    const verdict = judge(fixture('ktap-fail.console'), { expect: [], ktap: true, ...ok });
    expect(verdict.reason).toBe('ktap-failed');
    expect(verdict.message).toBe('KTAP: 1 of 3 tests failed: rust_kunit_demo.rust_kunit_demo_vec_push (line 17)');
    expect(verdict.failure).toEqual({ pattern: 'not ok', line: '[    0.412763]     not ok 2 rust_kunit_demo_vec_push', lineNumber: 17 });
    expect(verdict.context.slice(6, 11)).toEqual([
      '[    0.412515]     # rust_kunit_demo_vec_push: ASSERTION FAILED at rust_kunit_demo.rs:31',
      '[    0.412577]     Expected v.len() == 3, but',
      '[    0.412639]         v.len() == 2 (0x2)',
      '[    0.412701]         3 == 3 (0x3)',
      '[    0.412763]     not ok 2 rust_kunit_demo_vec_push',
    ]);
    expect(verdict.ktap?.counts).toEqual({ pass: 2, fail: 1, skip: 0, incomplete: 0, total: 3 });
  });

  it('fails on incomplete or missing KTAP output', () => {
    const truncated = judge(fixture('ktap-truncated.console'), { expect: [], ktap: true, defaultFail: false, ...ok });
    expect(truncated.reason).toBe('ktap-incomplete');
    expect(truncated.message).toBe('KTAP: suite "rust_kunit_demo" did not finish: 2 of 4 tests reported when the console ended');
    expect(truncated.contextMark).toBeNull();
    // With the default patterns the panic that cut the suite short is named instead.
    expect(judge(fixture('ktap-truncated.console'), { expect: [], ktap: true, ...ok }).failure?.pattern).toBe('panicked at');
    const missing = judge(fixture('ktap-missing.console'), { expect: [], ktap: true, ...ok });
    expect(missing.message).toBe('KTAP: suite "rust_kunit_demo" planned 3 tests but reported 2');
    expect(missing.contextMark).toBe(14);
    expect(judge(fixture('console-hello-pass.console'), { expect: [], ktap: true, ...ok }).message).toBe('KTAP: no "KTAP version" or "TAP version" line on the console');
  });

  it('passes KTAP output with skips, and says what ran', () => {
    const verdict = judge(fixture('ktap-nested.console'), { expect: ['r4l: init done, exit status 0'], ktap: true, ...ok });
    expect(verdict.message).toBe('1 of 1 expectation met in order, no fail pattern matched, KTAP 8 tests: 7 passed, 1 skipped');
  });
});

describe('patterns', () => {
  it('reads /regex/flags as a regular expression and anything else as a substring', () => {
    expect(compilePattern('/^a.c$/').test('abc')).toBe(true);
    expect(compilePattern('/^a.c$/').test('xabc')).toBe(false);
    expect(compilePattern('a.c').test('abc')).toBe(false);
    expect(compilePattern('a.c').test('xa.cx')).toBe(true);
    expect(compilePattern('/ABC/i').test('abc')).toBe(true);
    expect(compilePattern('/').test('a/b')).toBe(true);
  });

  it('reads a path that merely starts and ends with a slash-word as a substring', () => {
    expect(compilePattern('/usr/bin/env').test('exec /usr/bin/env sh')).toBe(true);
    expect(compilePattern('/a/g').test('x/a/gx')).toBe(true);
    expect(compilePattern('/a/ii').test('A')).toBe(false);
  });

  it('refuses a bad regular expression and an empty pattern as recipe errors', () => {
    expect(() => compilePattern('/a(/')).toThrow(R4lError);
    expect(() => compilePattern('/a(/')).toThrow(/pattern \/a\(\/ is not a valid regular expression/);
    expect(() => compilePattern('')).toThrow(/empty pattern/);
    expect(() => judge('x', { expect: [''], timedOut: false, exitCode: 0 })).toThrow(R4lError);
  });

  it('matches one line as judge() does, for stopping a boot early', () => {
    const fails = failPatterns({}).map(compilePattern);
    expect(matchFailLine('[    0.258762] Kernel panic - not syncing: Fatal exception\r', fails)?.source).toBe('Kernel panic - not syncing');
    expect(matchFailLine('r4l: $ dmesg | grep "BUG:"', fails)).toBeUndefined();
    expect(matchFailLine('[    0.1] hello_world: Hello world from rust!', fails)).toBeUndefined();
  });

  it('adds the default fail patterns unless disabled, without duplicates', () => {
    expect(failPatterns({ fail: ['WARNING: CPU:', 'Oops:'] })).toEqual([...DEFAULT_FAIL_PATTERNS, 'WARNING: CPU:']);
    expect(failPatterns({ fail: ['WARNING: CPU:'], defaultFail: false })).toEqual(['WARNING: CPU:']);
    expect(DEFAULT_FAIL_PATTERNS).not.toContain('WARNING: CPU:');
  });
});

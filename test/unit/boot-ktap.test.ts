// The KTAP / TAP parser on kernel console logs shaped like KUnit's output (6.12's KTAP 1 with
// 4-space nesting, and the older TAP 14 with tabs), with timestamps and unrelated lines between.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ktapCases, parseKtap, type KtapReport } from '../../engine/boot/ktap.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/boot/${name}`, import.meta.url), 'utf8');

/** One line per reportable test: `path.name result [# directive] @line`. */
function summary(report: KtapReport): string[] {
  return ktapCases(report.documents).map(({ path, test }) =>
    `${[...path, test.name].join('.')} ${test.result}${test.directive === null ? '' : ` # ${test.directive}`} @${test.lineNumber ?? '-'}`,
  );
}

describe('parseKtap', () => {
  it('reads a passing KUnit suite (KTAP 1, a module suite with its attributes)', () => {
    const report = parseKtap(fixture('ktap-pass.console'));
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.counts).toEqual({ pass: 3, fail: 0, skip: 0, incomplete: 0, total: 3 });
    expect(summary(report)).toEqual([
      'rust_kunit_demo.rust_kunit_demo_adds pass @12',
      'rust_kunit_demo.rust_kunit_demo_vec_push pass @13',
      'rust_kunit_demo.rust_kunit_demo_cstr pass @14',
    ]);
    const [document] = report.documents;
    expect(document).toMatchObject({ version: 'KTAP version 1', plan: 1, lineNumber: 6, name: null });
    const suite = document?.tests[0];
    expect(suite).toMatchObject({ number: 1, name: 'rust_kunit_demo', result: 'pass', lineNumber: 17, directive: null });
    expect(suite?.subtests).toMatchObject({ name: 'rust_kunit_demo', version: 'KTAP version 1', plan: 3, header: ['# module: rust_kunit_demo'], lineNumber: 8 });
    expect(suite?.log).toEqual(['# rust_kunit_demo: pass:3 fail:0 skip:0 total:3', '# Totals: pass:3 fail:0 skip:0 total:3']);
  });

  it('reads a failing test with the diagnostics printed before its result', () => {
    const report = parseKtap(fixture('ktap-fail.console'));
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([]);
    expect(report.counts).toEqual({ pass: 2, fail: 1, skip: 0, incomplete: 0, total: 3 });
    expect(summary(report)).toEqual([
      'rust_kunit_demo.rust_kunit_demo_adds pass @12',
      'rust_kunit_demo.rust_kunit_demo_vec_push fail @17',
      'rust_kunit_demo.rust_kunit_demo_cstr pass @18',
    ]);
    const failed = ktapCases(report.documents)[1]?.test;
    expect(failed?.log).toEqual([
      '# rust_kunit_demo_vec_push: ASSERTION FAILED at rust_kunit_demo.rs:31',
      'Expected v.len() == 3, but',
      '    v.len() == 2 (0x2)',
      '    3 == 3 (0x3)',
    ]);
    expect(report.documents[0]?.tests[0]?.result).toBe('fail');
  });

  it('reads SKIP directives on tests and on a whole suite', () => {
    const report = parseKtap(fixture('ktap-skip.console'));
    expect(report.ok).toBe(true);
    expect(report.counts).toEqual({ pass: 1, fail: 0, skip: 3, incomplete: 0, total: 4 });
    expect(summary(report)).toEqual([
      'example.example_simple_test pass @14',
      'example.example_skip_test skip # SKIP this test should be skipped @18',
      'example.example_mark_skipped_test skip # SKIP this test should be skipped @23',
      'example_init.example_init_test skip # SKIP no test device @31',
    ]);
    expect(report.documents[0]?.tests.map((t) => [t.name, t.result, t.directive])).toEqual([
      ['example', 'pass', null],
      ['example_init', 'skip', 'SKIP'],
    ]);
  });

  it('nests parameterised tests one level deeper, ignoring diagnostics and kernel lines in between', () => {
    const report = parseKtap(fixture('ktap-nested.console'));
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.counts).toEqual({ pass: 7, fail: 0, skip: 1, incomplete: 0, total: 8 });
    expect(summary(report)).toEqual([
      'example.example_simple_test pass @14',
      'example.example_params_test.example value 3 pass @19',
      'example.example_params_test.example value 2 pass @22',
      'example.example_params_test.example value 1 pass @26',
      'example.example_params_test.example value 0 skip # SKIP unsupported param value 0 @29',
      'example.example_slow_test pass @35',
      'rust_doctests_kernel.rust_doctest_kernel_alloc_kbox_rs_0 pass @43',
      'rust_doctests_kernel.rust_doctest_kernel_str_rs_3 pass @45',
    ]);
    const params = report.documents[0]?.tests[0]?.subtests?.tests[1];
    expect(params).toMatchObject({ number: 2, name: 'example_params_test', result: 'pass', lineNumber: 31 });
    expect(params?.subtests).toMatchObject({ name: 'example_params_test', plan: null, lineNumber: 15 });
    expect(params?.log).toEqual(['# example_params_test: pass:3 fail:0 skip:1 total:4']);
    expect(params?.subtests?.tests[0]?.log).toEqual(['# example_params_test: initializing', '# example_params_test: cleaning up']);
  });

  it('reports a suite and a run that the end of the console cut short', () => {
    const report = parseKtap(fixture('ktap-truncated.console'));
    expect(report.ok).toBe(false);
    expect(report.counts).toEqual({ pass: 2, fail: 0, skip: 0, incomplete: 1, total: 3 });
    expect(summary(report)).toEqual([
      'rust_kunit_demo.rust_kunit_demo_adds pass @12',
      'rust_kunit_demo.rust_kunit_demo_vec_push pass @13',
      'rust_kunit_demo incomplete @-',
    ]);
    expect(report.problems).toEqual([
      {
        kind: 'incomplete',
        path: 'rust_kunit_demo',
        expected: 4,
        found: 2,
        lineNumber: 8,
        atEnd: true,
        message: 'suite "rust_kunit_demo" did not finish: 2 of 4 tests reported when the console ended',
      },
      {
        kind: 'incomplete',
        path: '',
        expected: 2,
        found: 1,
        lineNumber: 6,
        atEnd: true,
        message: 'the KTAP document at line 6 did not finish: 1 of 2 tests reported when the console ended',
      },
    ]);
  });

  it('reports tests missing from a suite that did finish', () => {
    const report = parseKtap(fixture('ktap-missing.console'));
    expect(report.ok).toBe(false);
    expect(report.counts).toEqual({ pass: 2, fail: 0, skip: 0, incomplete: 0, total: 2 });
    expect(report.problems).toEqual([
      {
        kind: 'missing-tests',
        path: 'rust_kunit_demo',
        expected: 3,
        found: 2,
        lineNumber: 14,
        atEnd: false,
        message: 'suite "rust_kunit_demo" planned 3 tests but reported 2',
      },
    ]);
  });

  it('reads the older TAP 14 output: tabs, "ok N - name", kernel lines inside a suite', () => {
    const report = parseKtap(fixture('ktap-tap14-tabs.console'));
    expect(report.documents[0]?.version).toBe('TAP version 14');
    expect(report.problems).toEqual([]);
    expect(summary(report)).toEqual([
      'list-kunit-test.list_test_list_init pass @6',
      'list-kunit-test.list_test_list_add pass @7',
      'list-kunit-test.list_test_list_add_tail pass @9',
      'sysctl_test.sysctl_test_dointvec_null_tbl_data pass @14',
      'sysctl_test.sysctl_test_dointvec_table_maxlen_unset fail @18',
    ]);
    expect(ktapCases(report.documents)[4]?.test.log).toEqual([
      '# sysctl_test_dointvec_table_maxlen_unset: EXPECTATION FAILED at kernel/sysctl-test.c:64',
      'Expected -22 == proc_dointvec(&table, 1, buffer, &len, &pos), but',
      '\tproc_dointvec(&table, 1, buffer, &len, &pos) == 0',
    ]);
  });

  it('finds nothing on a console without KTAP output, even with "ok" lines', () => {
    const report = parseKtap(fixture('console-hello-pass.console') + 'ok 1 not a test\n1..3\n');
    expect(report).toEqual({ documents: [], problems: [], counts: { pass: 0, fail: 0, skip: 0, incomplete: 0, total: 0 }, ok: false });
  });

  it('reads several documents (built-in suites, then a module loaded later), and CR LF line ends', () => {
    const text = [
      '[    0.1] KTAP version 1',
      '[    0.1] 1..1',
      '[    0.1]     KTAP version 1',
      '[    0.1]     # Subtest: a',
      '[    0.1]     1..1',
      '[    0.1]     ok 1 a_one',
      '[    0.1] ok 1 a',
      'r4l: $ insmod /lib/modules-r4l/b.ko',
      '[    0.2] KTAP version 1',
      '[    0.2] 1..1',
      '[    0.2]     KTAP version 1',
      '[    0.2]     # Subtest: b',
      '[    0.2]     1..2',
      '[    0.2]     ok 1 b_one',
      '[    0.2]     not ok 2 b_two',
      '[    0.2] not ok 1 b',
      '',
    ].join('\r\n');
    const report = parseKtap(text);
    expect(report.documents).toHaveLength(2);
    expect(summary(report)).toEqual(['a.a_one pass @6', 'b.b_one pass @14', 'b.b_two fail @15']);
    expect(report.problems).toEqual([]);
  });

  it('reads the nesting kunit_tool tests for: a nested block without a header, deeper results', () => {
    const text = ['KTAP version 1', '1..2', 'not ok 1 subtest 1', '    KTAP version 1', '    1..1', '        not ok 1 subsubtest 1', 'not ok 2 subtest 2', ''].join('\n');
    const report = parseKtap(text);
    expect(summary(report)).toEqual(['subtest 1 fail @3', 'subtest 2.subsubtest 1 fail @6']);
    expect(report.problems).toEqual([]);
  });

  it('reads a module suite printed without the top-level header as a document of its own', () => {
    const text = ['    KTAP version 1', '    # Subtest: m', '    1..1', '    ok 1 m_one', 'ok 1 m', ''].join('\n');
    const report = parseKtap(text);
    expect(report.documents).toHaveLength(1);
    expect(report.documents[0]?.tests[0]).toMatchObject({ name: 'm', result: 'pass', subtests: { name: 'm', plan: 1 } });
    expect(summary(report)).toEqual(['m.m_one pass @4']);
  });

  it('counts a suite that failed on its own (e.g. its init failed) as one failure', () => {
    const text = ['KTAP version 1', '1..1', '    KTAP version 1', '    # Subtest: s', '    1..1', '    ok 1 t', '# s: failed to initialise', 'not ok 1 s', ''].join('\n');
    const report = parseKtap(text);
    expect(summary(report)).toEqual(['s.t pass @6', 's fail @8']);
    expect(report.counts).toMatchObject({ pass: 1, fail: 1, total: 2 });
  });
});

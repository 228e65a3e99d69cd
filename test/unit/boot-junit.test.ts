// JUnit XML from verdicts: the exact document for small consoles, escaping, KTAP testcases.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { escapeXmlAttribute, escapeXmlText, toJunit, xmlSafe } from '../../engine/boot/junit.js';
import { judge } from '../../engine/boot/verdict.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/boot/${name}`, import.meta.url), 'utf8');

describe('toJunit', () => {
  it('writes a passing boot: the boot case and one case per expectation', () => {
    const console = ['r4l: init start', 'hello <world> & "friends"', 'r4l: init done, exit status 0', ''].join('\n');
    const verdict = judge(console, { expect: ['hello <world>', '/done, exit status 0$/'], timedOut: false, exitCode: 0 });
    expect(toJunit(verdict, { name: 'boot', timeSeconds: 1.7, properties: { kernel: '6.12.118', accel: 'tcg' } })).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="r4l" tests="3" failures="0" errors="0" skipped="0" time="1.700">',
        '  <testsuite name="boot" tests="3" failures="0" errors="0" skipped="0" time="1.700">',
        '    <properties>',
        '      <property name="accel" value="tcg"/>',
        '      <property name="kernel" value="6.12.118"/>',
        '    </properties>',
        '    <testcase classname="boot" name="boot" time="1.700"/>',
        '    <testcase classname="boot.expect" name="1: hello &lt;world&gt;"/>',
        '    <testcase classname="boot.expect" name="2: /done, exit status 0$/"/>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
  });

  it('writes a failing boot with the rendered verdict as the failure text, escaped', () => {
    const console = ['r4l: init start', 'r4l: $ insmod /lib/modules-r4l/a.ko', "insmod: can't insert '/lib/modules-r4l/a.ko': Invalid module format", ''].join('\n');
    const verdict = judge(console, { expect: ['a: <loaded>'], timedOut: false, exitCode: 0 });
    expect(toJunit(verdict, { name: 'hello-boot' })).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="r4l" tests="2" failures="2" errors="0" skipped="0">',
        '  <testsuite name="hello-boot" tests="2" failures="2" errors="0" skipped="0">',
        '    <testcase classname="hello-boot" name="boot">',
        '      <failure type="fail-pattern" message="fail pattern &quot;insmod: can&apos;t insert&quot; matched at line 3: insmod: can&apos;t insert &apos;/lib/modules-r4l/a.ko&apos;: Invalid module format">' +
          'FAIL (fail-pattern): fail pattern "insmod: can\'t insert" matched at line 3: insmod: can\'t insert \'/lib/modules-r4l/a.ko\': Invalid module format\n' +
          'expectations, in order:\n' +
          '  missing   a: &lt;loaded&gt;\n' +
          'console lines 1-3:\n' +
          '  1 | r4l: init start\n' +
          '  2 | r4l: $ insmod /lib/modules-r4l/a.ko\n' +
          "&gt; 3 | insmod: can't insert '/lib/modules-r4l/a.ko': Invalid module format</failure>",
        '    </testcase>',
        '    <testcase classname="hello-boot.expect" name="1: a: &lt;loaded&gt;">',
        '      <failure type="expect-missing" message="never appeared on the console"/>',
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
  });

  it('adds a testcase per KTAP test: failures with their log, skips with their reason, incomplete as errors', () => {
    const failing = toJunit(judge(fixture('ktap-fail.console'), { expect: [], ktap: true, timedOut: false, exitCode: 0 }), { name: 'kunit' });
    expect(failing).toContain('<testsuite name="kunit" tests="4" failures="2" errors="0" skipped="0">');
    expect(failing).toContain('    <testcase classname="kunit.ktap.rust_kunit_demo" name="rust_kunit_demo_adds"/>');
    expect(failing).toContain(
      [
        '    <testcase classname="kunit.ktap.rust_kunit_demo" name="rust_kunit_demo_vec_push">',
        '      <failure type="ktap-failed" message="not ok 2 rust_kunit_demo_vec_push (console line 17)"># rust_kunit_demo_vec_push: ASSERTION FAILED at rust_kunit_demo.rs:31',
        'Expected v.len() == 3, but',
        '    v.len() == 2 (0x2)',
        '    3 == 3 (0x3)</failure>',
        '    </testcase>',
      ].join('\n'),
    );
    const skipping = toJunit(judge(fixture('ktap-skip.console'), { expect: [], ktap: true, timedOut: false, exitCode: 0 }), { name: 'kunit' });
    expect(skipping).toContain('<testsuite name="kunit" tests="5" failures="0" errors="0" skipped="3">');
    expect(skipping).toContain('      <skipped message="this test should be skipped"/>');
    expect(skipping).toContain('      <skipped message="no test device"/>');
    const truncated = toJunit(judge(fixture('ktap-truncated.console'), { expect: [], ktap: true, defaultFail: false, timedOut: false, exitCode: 0 }), { name: 'kunit' });
    expect(truncated).toContain('<testsuite name="kunit" tests="4" failures="1" errors="1" skipped="0">');
    expect(truncated).toContain(
      '    <testcase classname="kunit.ktap" name="rust_kunit_demo">\n      <error type="ktap-incomplete" message="no result line: the test did not finish"/>',
    );
  });
});

describe('XML escaping', () => {
  it('escapes text and attributes, keeping line breaks in attributes', () => {
    expect(escapeXmlText(`a<b>&"c"'d'`)).toBe(`a&lt;b&gt;&amp;"c"'d'`);
    expect(escapeXmlAttribute(`a<b>&"c"'d'\t\n\r`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;&#9;&#10;&#13;');
  });

  it('replaces what XML 1.0 cannot hold: control characters, lone surrogates, U+FFFE', () => {
    expect(xmlSafe('\u001b[0mok\u0000\u0007\t\n')).toBe('\\x1B[0mok\\x00\\x07\t\n');
    expect(xmlSafe('a\ud800b\udc00c\ud83d\ude00\ufffe')).toBe('a\\uD800b\\uDC00c\ud83d\ude00\\uFFFE');
  });
});

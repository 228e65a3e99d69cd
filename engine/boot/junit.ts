// JUnit XML for a boot verdict, for CI systems: one testcase for the boot, one per expectation and
// one per KTAP test. Pure and deterministic (no timestamp, no host name).
import { ktapCases } from './ktap.js';
import { renderVerdict, type Verdict } from './verdict.js';

/** Input of {@link toJunit} besides the verdict. */
export interface JunitOptions {
  /** Suite name and classname prefix, e.g. the qemu-test node's name. */
  name: string;
  /** Wall time of the boot, in seconds. */
  timeSeconds?: number;
  /** `<properties>` of the suite, e.g. { accel: 'tcg', kernel: '6.12.118' }; written sorted by name. */
  properties?: Readonly<Record<string, string>>;
}

/** Replaces what XML 1.0 cannot hold (controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF) with `\xHH` / `\uHHHH` text. */
export function xmlSafe(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (ch) => {
      const code = ch.charCodeAt(0);
      return code < 0x100 ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase()}`;
    },
  );
}

/** Escapes element text (`&`, `<`, `>`), after {@link xmlSafe}. */
export function escapeXmlText(text: string): string {
  return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an attribute value: also quotes, and tab/LF/CR as character references so they survive normalisation. */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

type Outcome =
  | { kind: 'pass' }
  | { kind: 'failure' | 'error'; type: string; message: string; body: string }
  | { kind: 'skipped'; message: string };

interface Case {
  classname: string;
  name: string;
  time?: number;
  outcome: Outcome;
}

function seconds(value: number): string {
  return value.toFixed(3);
}

function attributes(pairs: [string, string | number | undefined][]): string {
  return pairs
    .filter((pair): pair is [string, string | number] => pair[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXmlAttribute(String(value))}"`)
    .join('');
}

function renderCase(c: Case): string[] {
  const open = `    <testcase${attributes([['classname', c.classname], ['name', c.name], ['time', c.time === undefined ? undefined : seconds(c.time)]])}`;
  const o = c.outcome;
  switch (o.kind) {
    case 'pass':
      return [`${open}/>`];
    case 'skipped':
      return [`${open}>`, `      <skipped${attributes([['message', o.message || undefined]])}/>`, '    </testcase>'];
    case 'failure':
    case 'error':
      return [
        `${open}>`,
        `      <${o.kind}${attributes([['type', o.type], ['message', o.message]])}${o.body === '' ? '/>' : `>${escapeXmlText(o.body)}</${o.kind}>`}`,
        '    </testcase>',
      ];
  }
}

function cases(verdict: Verdict, name: string, timeSeconds: number | undefined): Case[] {
  const out: Case[] = [
    {
      classname: name,
      name: 'boot',
      ...(timeSeconds === undefined ? {} : { time: timeSeconds }),
      outcome: verdict.verdict === 'pass'
        ? { kind: 'pass' }
        : { kind: 'failure', type: verdict.reason ?? 'fail', message: verdict.message, body: renderVerdict(verdict) },
    },
  ];
  verdict.expectations.forEach((e, i) => {
    const previous = verdict.expectations.slice(0, i).reverse().find((p) => p.lineNumber !== null);
    out.push({
      classname: `${name}.expect`,
      name: `${i + 1}: ${e.pattern}`,
      outcome: e.lineNumber !== null
        ? { kind: 'pass' }
        : {
            kind: 'failure',
            type: 'expect-missing',
            message: previous?.lineNumber == null ? 'never appeared on the console' : `did not appear after line ${previous.lineNumber}`,
            body: '',
          },
    });
  });
  if (verdict.ktap !== undefined) {
    for (const { path, test } of ktapCases(verdict.ktap.documents)) {
      const classname = [name, 'ktap', ...path].join('.');
      const log = test.log.join('\n');
      let outcome: Outcome;
      switch (test.result) {
        case 'pass':
          outcome = { kind: 'pass' };
          break;
        case 'skip':
          outcome = { kind: 'skipped', message: (test.directive ?? '').replace(/^skip\b\s*/i, '') };
          break;
        case 'fail':
          outcome = { kind: 'failure', type: 'ktap-failed', message: `not ok ${test.number} ${test.name}${test.lineNumber === null ? '' : ` (console line ${test.lineNumber})`}`, body: log };
          break;
        case 'incomplete':
          outcome = { kind: 'error', type: 'ktap-incomplete', message: 'no result line: the test did not finish', body: log };
          break;
      }
      out.push({ classname, name: test.name || `#${test.number}`, outcome });
    }
  }
  return out;
}

/** JUnit XML (the common Jenkins / GitLab / GitHub dialect) for a boot verdict. */
export function toJunit(verdict: Verdict, options: JunitOptions): string {
  const all = cases(verdict, options.name, options.timeSeconds);
  const count = (kind: Outcome['kind']): number => all.filter((c) => c.outcome.kind === kind).length;
  const totals = {
    tests: all.length,
    failures: count('failure'),
    errors: count('error'),
    skipped: count('skipped'),
    time: options.timeSeconds === undefined ? undefined : seconds(options.timeSeconds),
  };
  const totalAttributes: [string, string | number | undefined][] = [
    ['tests', totals.tests],
    ['failures', totals.failures],
    ['errors', totals.errors],
    ['skipped', totals.skipped],
    ['time', totals.time],
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes([['name', 'r4l'], ...totalAttributes])}>`,
    `  <testsuite${attributes([['name', options.name], ...totalAttributes])}>`,
  ];
  const properties = Object.entries(options.properties ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (properties.length > 0) {
    lines.push('    <properties>');
    for (const [key, value] of properties) lines.push(`      <property${attributes([['name', key], ['value', value]])}/>`);
    lines.push('    </properties>');
  }
  for (const c of all) lines.push(...renderCase(c));
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

// Config fragments and `.config` files in the kernel's syntax:
//
//   CONFIG_X=y | =m | =n | ="text" | =123 | =-1 | =0x10
//   # CONFIG_X is not set
//   # any other comment
//   (blank lines)
//
// Every assignment keeps its file, line and column so that the audit can say who asked.

import { R4lError } from '../errors.js';

/** One `CONFIG_X=...` or `# CONFIG_X is not set` line. */
export interface ConfigAssignment {
  /** Symbol name without the `CONFIG_` prefix, as Kconfig files spell it (`RUST`). */
  name: string;
  /** The value as written (`y`, `m`, `n`, `"text"` with its quotes and escapes, `123`, `0x10`);
   * `n` for `# CONFIG_X is not set`. */
  value: string;
  /** What the value looks like: y/m/n, a quoted string, a decimal or a 0x hex number. */
  kind: 'tristate' | 'string' | 'int' | 'hex';
  /** Written as `# CONFIG_X is not set`. */
  notSet: boolean;
  /** The file as it is shown to the user. */
  file: string;
  /** 1-based line and column (the column of `CONFIG_`). */
  line: number;
  col: number;
}

export interface FragmentProblem {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** One or more lines of a fragment (or `.config`) are not in the kernel's syntax. */
export class FragmentSyntaxError extends R4lError {
  constructor(readonly problems: readonly FragmentProblem[]) {
    super(
      'recipe-invalid',
      problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`).join('\n'),
      'write each line as CONFIG_NAME=y|m|n|"string"|123|0x1f or "# CONFIG_NAME is not set"',
    );
    this.name = 'FragmentSyntaxError';
  }
}

const NAME = /[A-Za-z0-9_]+/y;
const NOT_SET = /^# CONFIG_([A-Za-z0-9_]+) is not set[ \t]*$/;

/** Parses one line; returns an assignment, null for comments and blank lines, or a problem. */
function parseLine(raw: string, file: string, line: number): ConfigAssignment | FragmentProblem | null {
  const text = raw.replace(/[ \t\r]+$/, '');
  if (text === '') return null;
  if (text.startsWith('#')) {
    const m = NOT_SET.exec(text);
    if (m) return { name: m[1]!, value: 'n', kind: 'tristate', notSet: true, file, line, col: 3 };
    return null;
  }
  const problem = (col: number, message: string): FragmentProblem => ({ file, line, col, message });
  if (/^[ \t]/.test(text)) {
    const col = text.search(/[^ \t]/) + 1;
    return problem(col, 'unexpected indentation (Kconfig ignores indented lines)');
  }
  if (!text.startsWith('CONFIG_')) return problem(1, `expected CONFIG_NAME=value or a # comment, found '${text.slice(0, 30)}'`);
  NAME.lastIndex = 7;
  const nm = NAME.exec(text);
  if (!nm) return problem(8, 'expected an option name after CONFIG_');
  const name = nm[0];
  let i = 7 + name.length;
  if (text[i] !== '=') return problem(i + 1, `expected '=' after CONFIG_${name}`);
  i++;
  const rest = text.slice(i);
  const at = (kind: ConfigAssignment['kind'], value: string): ConfigAssignment => ({ name, value, kind, notSet: false, file, line, col: 1 });
  if (rest === '') return problem(i + 1, `expected a value after CONFIG_${name}=`);
  if (rest === 'y' || rest === 'm' || rest === 'n') return at('tristate', rest);
  if (rest.startsWith('"')) {
    let j = 1;
    while (j < rest.length && rest[j] !== '"') {
      if (rest[j] === '\\') j++;
      j++;
    }
    if (j >= rest.length) return problem(i + 1, 'unterminated string (missing closing ")');
    if (j !== rest.length - 1) return problem(i + j + 2, 'unexpected text after the closing "');
    return at('string', rest);
  }
  if (/^-?[0-9]+$/.test(rest)) return at('int', rest);
  if (/^0[xX][0-9a-fA-F]+$/.test(rest)) return at('hex', rest);
  return problem(i + 1, `bad value '${rest.slice(0, 30)}': expected y, m, n, a "quoted string", a decimal number or 0x hex`);
}

function parseAll(text: string, file: string): { assignments: ConfigAssignment[]; problems: FragmentProblem[] } {
  const assignments: ConfigAssignment[] = [];
  const problems: FragmentProblem[] = [];
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, idx) => {
    const r = parseLine(raw, file, idx + 1);
    if (r === null) return;
    if ('message' in r) problems.push(r);
    else assignments.push(r);
  });
  return { assignments, problems };
}

/** Parses a fragment; `file` is the path shown in messages. Throws FragmentSyntaxError listing every
 * bad line. */
export function parseFragment(text: string, file: string): ConfigAssignment[] {
  const { assignments, problems } = parseAll(text, file);
  if (problems.length > 0) throw new FragmentSyntaxError(problems);
  return assignments;
}

/** Parses a `.config` the same way into name (without `CONFIG_`) → value as written; `# CONFIG_X is
 * not set` gives `n`. A later line wins over an earlier one, as in Kconfig. */
export function parseConfig(text: string, file = '.config'): Map<string, string> {
  const map = new Map<string, string>();
  for (const a of parseFragment(text, file)) map.set(a.name, a.value);
  return map;
}

/** How a value reads in a report: `y`, `not set`, `"text"`, `0x10`. */
export function describeValue(value: string | undefined): string {
  return value === undefined || value === 'n' ? 'not set' : value;
}

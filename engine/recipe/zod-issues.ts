// Turns zod issues into sentences that say what was expected, in the user's terms.
import type { z } from 'zod';

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  input?: unknown;
  keys?: string[];
  values?: unknown[];
  errors?: Issue[][];
  minimum?: number | bigint;
  origin?: string;
}

/** One problem: where (a path into the document, and key or value) and what. */
export interface IssueText {
  path: PropertyKey[];
  at: 'key' | 'value';
  message: string;
}

function describeType(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function article(type: string): string {
  if (type === 'array') return 'a list';
  if (type === 'object' || type === 'record') return 'a map';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** What the branches of a union accept, in words. */
function unionWanted(i: Issue): string {
  const wanted = (i.errors ?? []).flat().map((e) => (e.code === 'invalid_format' ? e.message : e.code === 'invalid_value' ? (e.values ?? []).map((v) => JSON.stringify(v)).join(' or ') : e.expected ? article(e.expected) : e.message));
  return [...new Set(wanted)].join(', or ');
}

/** Renders one zod issue; `input` is the document value at the issue's path (for "got …"). */
export function describeIssue(issue: z.core.$ZodIssue, valueAt: (path: PropertyKey[]) => unknown): IssueText[] {
  const i = issue as unknown as Issue;
  const got = valueAt(i.path);
  const field = i.path.length ? String(i.path[i.path.length - 1]) : '';
  switch (i.code) {
    case 'invalid_type':
      if (got === undefined) return [{ path: i.path.slice(0, -1), at: 'key', message: `missing field \`${field}\` (expected ${article(i.expected ?? 'value')})` }];
      return [{ path: i.path, at: 'value', message: `\`${field}\`: expected ${article(i.expected ?? 'value')}, got ${describeType(got)}` }];
    case 'unrecognized_keys':
      return (i.keys ?? []).map((key) => ({ path: [...i.path, key], at: 'key' as const, message: `unknown field \`${key}\`` }));
    case 'invalid_value':
      return [{ path: i.path, at: 'value', message: `\`${field}\`: expected one of ${(i.values ?? []).map((v) => JSON.stringify(v)).join(', ')}, got ${describeType(got)}` }];
    case 'invalid_format':
      return [{ path: i.path, at: 'value', message: `\`${field}\`: expected ${i.message}, got ${describeType(got)}` }];
    case 'invalid_union': {
      if (got === undefined && i.path.length) return [{ path: i.path.slice(0, -1), at: 'key', message: `missing field \`${field}\` (expected ${unionWanted(i)})` }];
      return [{ path: i.path, at: 'value', message: `\`${field}\`: expected ${unionWanted(i)}; got ${describeType(got)}` }];
    }
    case 'too_small':
      return [{ path: i.path, at: 'value', message: `\`${field}\`: ${i.origin === 'array' ? `needs at least ${String(i.minimum)} item(s)` : i.origin === 'string' ? 'must not be empty' : `must be at least ${String(i.minimum)}`}` }];
    default:
      return [{ path: i.path, at: 'value', message: `\`${field}\`: ${i.message}` }];
  }
}

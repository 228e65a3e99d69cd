// Debian version comparison (dpkg's rules: epoch, upstream, revision, `~` sorts first).
import { DebianError } from './errors.js';

/** A version split into its parts; a missing epoch is 0 and a missing revision is "". */
export interface DebVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

/** A version relation operator of a dependency field. */
export type Relation = '<<' | '<=' | '=' | '>=' | '>>';

/** Splits `[epoch:]upstream[-revision]` into its parts. */
export function parseVersion(text: string): DebVersion {
  const v = text.trim();
  const colon = v.indexOf(':');
  let epoch = 0;
  let rest = v;
  if (colon >= 0) {
    const e = v.slice(0, colon);
    if (!/^\d+$/.test(e)) throw new DebianError('bad-version', `bad epoch in version "${text}"`);
    epoch = Number(e);
    rest = v.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  const revision = dash >= 0 ? rest.slice(dash + 1) : '';
  if (upstream === '') throw new DebianError('bad-version', `empty upstream part in version "${text}"`);
  return { epoch, upstream, revision };
}

/** Compares two Debian versions: negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0;
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (va.epoch !== vb.epoch) return va.epoch < vb.epoch ? -1 : 1;
  const u = compareFragment(va.upstream, vb.upstream);
  if (u !== 0) return u;
  return compareFragment(va.revision, vb.revision);
}

/** Whether `version` satisfies `<op> <wanted>`; the obsolete `<` and `>` mean `<=` and `>=`. */
export function satisfies(version: string, op: Relation | '<' | '>', wanted: string): boolean {
  const c = compareVersions(version, wanted);
  switch (op) {
    case '<<': return c < 0;
    case '<=': case '<': return c <= 0;
    case '=': return c === 0;
    case '>=': case '>': return c >= 0;
    case '>>': return c > 0;
  }
}

/** dpkg's character order: `~` before everything (even the end), letters before other signs. */
function order(s: string, i: number): number {
  if (i >= s.length) return 0;
  const c = s.charCodeAt(i);
  if (c >= 48 && c <= 57) return 0;
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return c;
  if (c === 126) return -1;
  return c + 256;
}

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return i < s.length && c >= 48 && c <= 57;
}

/** dpkg's verrevcmp: alternating non-digit and digit runs. */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a, i)) || (j < b.length && !isDigit(b, j))) {
      const ac = order(a, i);
      const bc = order(b, j);
      if (ac !== bc) return ac < bc ? -1 : 1;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    let firstDiff = 0;
    while (isDigit(a, i) && isDigit(b, j)) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a, i)) return 1;
    if (isDigit(b, j)) return -1;
    if (firstDiff !== 0) return firstDiff < 0 ? -1 : 1;
  }
  return 0;
}

// Parser of dependency fields (Depends, Pre-Depends, Provides): groups of alternatives of atoms.
import { DebianError } from './errors.js';
import type { Relation } from './version.js';

/** One `name[:arch] [(op version)]` term of a dependency field. */
export interface DepAtom {
  name: string;
  /** The arch qualifier after `:` (`any`, `native`, or an architecture), when given. */
  archQualifier?: string;
  op?: Relation;
  version?: string;
}

/** One virtual name a package provides, with the version of a versioned Provides. */
export interface Provided {
  name: string;
  version?: string;
}

const ATOM = /^([A-Za-z0-9][A-Za-z0-9+.~_-]*)(?::([A-Za-z0-9-]+))?\s*(?:\(\s*(<<|<=|=|>=|>>|<|>)\s*([0-9A-Za-z][^)\s]*)\s*\))?\s*(?:\[[^\]]*\]\s*)?(?:<[^>]*>\s*)*$/;

/** Parses a dependency field into AND-groups of OR-alternatives. */
export function parseRelations(field: string | undefined): DepAtom[][] {
  if (field === undefined || field.trim() === '') return [];
  return field.split(',').map((group) => group.split('|').map((alt) => parseAtom(alt)));
}

/** Parses one dependency term; the obsolete `<` and `>` are read as `<=` and `>=`. */
export function parseAtom(text: string): DepAtom {
  const m = ATOM.exec(text.trim());
  if (!m || m[1] === undefined) throw new DebianError('bad-index', `cannot parse the dependency "${text.trim()}"`);
  const atom: DepAtom = { name: m[1] };
  if (m[2] !== undefined) atom.archQualifier = m[2];
  if (m[3] !== undefined && m[4] !== undefined) {
    atom.op = m[3] === '<' ? '<=' : m[3] === '>' ? '>=' : (m[3] as Relation);
    atom.version = m[4];
  }
  return atom;
}

/** Parses a Provides field (`name [(= version)]`, comma-separated). */
export function parseProvides(field: string | undefined): Provided[] {
  return parseRelations(field).flatMap((group) =>
    group.map((atom) => (atom.version !== undefined && atom.op === '=' ? { name: atom.name, version: atom.version } : { name: atom.name })),
  );
}

/** Writes an atom back as Debian writes it: `name:arch (op version)`. */
export function formatAtom(atom: DepAtom): string {
  const name = atom.archQualifier ? `${atom.name}:${atom.archQualifier}` : atom.name;
  return atom.op ? `${name} (${atom.op} ${atom.version})` : name;
}

// The closure of wanted packages over Depends and Pre-Depends, from an empty installed set.
import { DebianError } from './errors.js';
import type { DebPackage, PackageIndex } from './packages.js';
import { formatAtom, parseProvides, parseRelations, type DepAtom } from './relations.js';
import { compareVersions, satisfies } from './version.js';

/** One package of a resolved closure: enough to download and check it. */
export interface ResolvedPackage {
  name: string;
  version: string;
  architecture: string;
  filename: string;
  size: number;
  sha256: string;
  suite: string;
}

/** What to resolve: the indexes in priority order (later suites win with a higher version), the arch, the names. */
export interface ResolveRequest {
  indexes: PackageIndex[];
  architecture: string;
  packages: string[];
}

/** A dependency no package satisfies; `chain` runs from a wanted package to the failing dependency. */
export class UnsatisfiableError extends DebianError {
  constructor(
    readonly chain: string[],
    why: string,
  ) {
    super('unsatisfiable', `unsatisfiable dependency: ${chain.join(' → ')}: ${why}`, 'check the package names and suites of the request (a newer suite such as *-updates or *-security may be missing)');
    this.name = 'UnsatisfiableError';
  }
}

/** The package that every closure gets: the merged-/usr links and the mount-point directories. */
export const ALWAYS = ['base-files'];

/** Computes the sorted closure: Depends and Pre-Depends only, alternatives, Provides, versions, arch qualifiers. */
export function resolveClosure(request: ResolveRequest): ResolvedPackage[] {
  const universe = new Universe(request.indexes, request.architecture);
  const selected = new Map<string, DebPackage>();
  /** How each selected package was reached: the chain of terms from a wanted package. */
  const chains = new Map<string, string[]>();
  const queue: DebPackage[] = [];
  const deferred: { from: DebPackage; group: DepAtom[] }[] = [];

  const add = (pkg: DebPackage, chain: string[]) => {
    if (selected.has(pkg.name)) return;
    selected.set(pkg.name, pkg);
    chains.set(pkg.name, chain);
    queue.push(pkg);
  };

  const satisfy = (group: DepAtom[], chainTo: string[]) => {
    const text = group.map(formatAtom).join(' | ');
    // Prefer an alternative that is already in the closure.
    for (const atom of group) {
      if (universe.candidates(atom).some((c) => selected.get(c.name) === c)) return;
    }
    for (const atom of group) {
      const first = universe.candidates(atom)[0];
      if (first) {
        add(first, [...chainTo, text]);
        return;
      }
    }
    throw new UnsatisfiableError([...chainTo, text], group.map((a) => universe.explain(a)).join('; '));
  };

  const wanted = [...new Set([...ALWAYS, ...request.packages])].sort(byCodeUnit);
  for (const name of wanted) satisfy(parseRelations(name)[0] ?? [], []);

  for (;;) {
    while (queue.length > 0) {
      const pkg = queue.shift() as DebPackage;
      const chain = chains.get(pkg.name) ?? [pkg.name];
      for (const group of universe.dependencies(pkg)) {
        if (group.length === 1) satisfy(group, chain);
        else deferred.push({ from: pkg, group });
      }
    }
    // Alternatives last, so that one already pulled in by another path is preferred.
    const next = deferred.shift();
    if (!next) break;
    satisfy(next.group, chains.get(next.from.name) ?? [next.from.name]);
  }

  return [...selected.values()]
    .map((p) => ({ name: p.name, version: p.version, architecture: p.architecture, filename: p.filename, size: p.size, sha256: p.sha256, suite: p.suite }))
    .sort((a, b) => byCodeUnit(a.name, b.name));
}

/** Sorts by UTF-16 code units: the same order everywhere, whatever the locale. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The candidate version of every package name, and who provides what. */
class Universe {
  private readonly byName = new Map<string, DebPackage>();
  private readonly providers = new Map<string, { pkg: DebPackage; version?: string }[]>();
  private readonly deps = new Map<DebPackage, DepAtom[][]>();
  private readonly suites: string[];

  constructor(
    indexes: PackageIndex[],
    private readonly architecture: string,
  ) {
    this.suites = indexes.map((i) => i.suite);
    for (const index of indexes) {
      for (const pkg of index.packages) {
        if (pkg.architecture !== architecture && pkg.architecture !== 'all') continue;
        const current = this.byName.get(pkg.name);
        // A later suite overrides only with a higher version; equal versions keep the earlier suite.
        if (!current || compareVersions(pkg.version, current.version) > 0) this.byName.set(pkg.name, pkg);
      }
    }
    for (const pkg of this.byName.values()) {
      if (pkg.provides === undefined) continue;
      for (const p of parseProvides(pkg.provides)) {
        const list = this.providers.get(p.name) ?? [];
        list.push(p.version !== undefined ? { pkg, version: p.version } : { pkg });
        this.providers.set(p.name, list);
      }
    }
    // Providers by package name: the order does not depend on the order of the indexes.
    for (const list of this.providers.values()) list.sort((a, b) => byCodeUnit(a.pkg.name, b.pkg.name));
  }

  /** Pre-Depends then Depends of a package, parsed once. */
  dependencies(pkg: DebPackage): DepAtom[][] {
    let groups = this.deps.get(pkg);
    if (!groups) {
      groups = [...parseRelations(pkg.preDepends), ...parseRelations(pkg.depends)];
      this.deps.set(pkg, groups);
    }
    return groups;
  }

  /** Packages that satisfy a term, in order of preference: the real package, then providers by name. */
  candidates(atom: DepAtom): DebPackage[] {
    if (!this.archOk(atom)) return [];
    const out: DebPackage[] = [];
    const real = this.byName.get(atom.name);
    if (real && (atom.op === undefined || satisfies(real.version, atom.op, atom.version as string))) out.push(real);
    for (const p of this.providers.get(atom.name) ?? []) {
      if (out.includes(p.pkg)) continue;
      if (atom.op === undefined || (p.version !== undefined && satisfies(p.version, atom.op, atom.version as string))) out.push(p.pkg);
    }
    return out;
  }

  /** Why a term has no candidate, for the error message. */
  explain(atom: DepAtom): string {
    if (!this.archOk(atom)) return `${formatAtom(atom)} asks for another architecture than ${this.architecture}`;
    const real = this.byName.get(atom.name);
    const provided = (this.providers.get(atom.name) ?? []).map((p) => `${p.pkg.name} provides ${p.version ?? 'it without a version'}`);
    if (!real && provided.length === 0) return `no package ${atom.name} in ${this.suites.join(', ')} for ${this.architecture}`;
    const have = real ? [`${atom.name} is ${real.version} in ${real.suite}`] : [];
    return [...have, ...provided].join(', ');
  }

  private archOk(atom: DepAtom): boolean {
    const q = atom.archQualifier;
    return q === undefined || q === 'any' || q === 'native' || q === this.architecture;
  }
}

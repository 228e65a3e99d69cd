// The resolver on small hand-written Packages indexes.
import { describe, expect, it } from 'vitest';
import { DebianError } from '../../engine/debian/errors.js';
import { parsePackages, type PackageIndex } from '../../engine/debian/packages.js';
import { resolveClosure, UnsatisfiableError } from '../../engine/debian/resolve.js';

/** One Packages stanza; the sha256 is made up from the name so every package differs. */
function stanza(name: string, version: string, fields: Record<string, string> = {}): string {
  const arch = fields['Architecture'] ?? 'amd64';
  const hex = Buffer.from(`${name}_${version}`).toString('hex').padEnd(64, '0').slice(0, 64);
  const lines = [`Package: ${name}`, `Version: ${version}`, `Architecture: ${arch}`];
  for (const [k, v] of Object.entries(fields)) if (k !== 'Architecture') lines.push(`${k}: ${v}`);
  lines.push(`Description: ${name}`, ' long description line', ' .', ` more`);
  lines.push(`Filename: pool/main/${name[0]}/${name}/${name}_${version}_${arch}.deb`, `Size: ${name.length * 100}`, `SHA256: ${hex}`);
  return lines.join('\n');
}

function index(suite: string, stanzas: string[]): PackageIndex {
  return { suite, architecture: 'amd64', source: `${suite}/Packages`, packages: parsePackages(`${stanzas.join('\n\n')}\n`, suite) };
}

const trixie = index('trixie', [
  stanza('base-files', '13.8', { Essential: 'yes', 'Pre-Depends': 'awk' }),
  stanza('mawk', '1.3.4', { Provides: 'awk', 'Multi-Arch': 'foreign' }),
  stanza('gawk', '5.2.1', { Provides: 'awk', 'Pre-Depends': 'libc6 (>= 2.38)' }),
  stanza('libc6', '2.41-12', { Depends: 'libgcc-s1' }),
  stanza('libgcc-s1', '14.2.0-19', { Depends: 'gcc-14-base (= 14.2.0-19), libc6 (>= 2.35)' }),
  stanza('gcc-14-base', '14.2.0-19'),
  stanza('coreutils', '9.7-3', { Essential: 'yes' }),
  stanza('app', '1.0', {
    'Pre-Depends': 'dpkg-helper:any',
    Depends: 'liba (>= 2), libmissing | libalt, mail-transport-agent, rust-std (>= 1.80), libshared | libother',
    Recommends: 'bloat',
    Suggests: 'bloat2',
  }),
  stanza('other', '1.0', { Depends: 'libother' }),
  stanza('dpkg-helper', '1.0', { Architecture: 'all', 'Multi-Arch': 'foreign' }),
  stanza('liba', '2.1'),
  stanza('liba', '1.0', { Architecture: 'i386' }),
  stanza('libalt', '1.0'),
  stanza('libshared', '1.0'),
  stanza('libother', '1.0'),
  stanza('exim4', '4.98', { Provides: 'mail-transport-agent' }),
  stanza('postfix', '3.9', { Provides: 'mail-transport-agent' }),
  stanza('fake-std', '1.0', { Provides: 'rust-std' }),
  stanza('libstd-rust-dev', '1.85.1+dfsg1-1', { Provides: 'rust-std (= 1.85.1)' }),
  stanza('bloat', '1.0'),
  stanza('bloat2', '1.0'),
  stanza('rustc', '1.85.1+dfsg1-1', { Depends: 'libstd-rust-dev (= 1.85.1+dfsg1-1)' }),
]);

const updates = index('trixie-updates', [stanza('liba', '2.2')]);
const security = index('trixie-security', [stanza('liba', '2.0'), stanza('rustc', '1.85.1+dfsg1-1+deb13u1', { Depends: 'libstd-rust-dev (= 1.85.1+dfsg1-1+deb13u1)' })]);

const names = (request: string[], indexes = [trixie, updates, security]) =>
  resolveClosure({ indexes, architecture: 'amd64', packages: request }).map((p) => `${p.name}=${p.version}@${p.suite}`);

describe('resolveClosure', () => {
  it('follows Depends and Pre-Depends with alternatives, Provides and versions, never Recommends', () => {
    expect(names(['app', 'other'], [trixie])).toEqual([
      'app=1.0@trixie',
      'base-files=13.8@trixie',
      'dpkg-helper=1.0@trixie', // Pre-Depends with :any
      'exim4=4.98@trixie', // virtual: the first provider by name
      'gawk=5.2.1@trixie', // virtual awk: the first provider by name
      'gcc-14-base=14.2.0-19@trixie',
      'liba=2.1@trixie', // the amd64 one, not i386
      'libalt=1.0@trixie', // first satisfiable alternative
      'libc6=2.41-12@trixie',
      'libgcc-s1=14.2.0-19@trixie',
      'libother=1.0@trixie', // already in the closure (via other): preferred over libshared
      'libstd-rust-dev=1.85.1+dfsg1-1@trixie', // versioned Provides; fake-std's unversioned one does not count
      'other=1.0@trixie',
    ]);
  });

  it('always adds base-files, and no Essential package unless something depends on it', () => {
    const result = names(['dpkg-helper'], [trixie]);
    expect(result).toContain('base-files=13.8@trixie');
    expect(result.some((n) => n.startsWith('coreutils='))).toBe(false);
  });

  it('prefers a provider already in the closure', () => {
    expect(names(['mawk'], [trixie])).toEqual(['base-files=13.8@trixie', 'mawk=1.3.4@trixie']);
  });

  it('takes a higher version from a later suite, never a lower one', () => {
    const result = names(['liba']);
    expect(result).toContain('liba=2.2@trixie-updates');
  });

  it('gives the same result for the same indexes, whatever the request order', () => {
    expect(names(['other', 'app'])).toEqual(names(['app', 'other', 'app']));
  });

  it('returns what a lock needs, sorted by name', () => {
    const [first] = resolveClosure({ indexes: [trixie], architecture: 'amd64', packages: ['app'] });
    expect(first).toEqual({
      name: 'app',
      version: '1.0',
      architecture: 'amd64',
      filename: 'pool/main/a/app/app_1.0_amd64.deb',
      size: 300,
      sha256: Buffer.from('app_1.0').toString('hex').padEnd(64, '0'),
      suite: 'trixie',
    });
  });

  it('names the chain of an unsatisfiable dependency', () => {
    // trixie-security's rustc wants a libstd-rust-dev that no suite has.
    let error: unknown;
    try {
      names(['rustc']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsatisfiableError);
    expect((error as DebianError).reason).toBe('unsatisfiable');
    expect((error as UnsatisfiableError).chain).toEqual(['rustc', 'libstd-rust-dev (= 1.85.1+dfsg1-1+deb13u1)']);
    expect((error as Error).message).toBe(
      'unsatisfiable dependency: rustc → libstd-rust-dev (= 1.85.1+dfsg1-1+deb13u1): libstd-rust-dev is 1.85.1+dfsg1-1 in trixie',
    );
  });

  it('names a deeper chain, and unknown packages', () => {
    const broken = index('trixie', [
      stanza('base-files', '13.8'),
      stanza('rustc', '1.85', { Depends: 'libstd-rust-dev (= 1.85)' }),
      stanza('libstd-rust-dev', '1.85', { Depends: 'libgcc-s1 (>= 99) | libgcc1' }),
      stanza('libgcc-s1', '14.2.0-19'),
    ]);
    expect(() => names(['rustc'], [broken])).toThrow(
      'unsatisfiable dependency: rustc → libstd-rust-dev (= 1.85) → libgcc-s1 (>= 99) | libgcc1: libgcc-s1 is 14.2.0-19 in trixie; no package libgcc1 in trixie for amd64',
    );
    expect(() => names(['no-such-package'], [broken])).toThrow('unsatisfiable dependency: no-such-package: no package no-such-package in trixie for amd64');
  });
});

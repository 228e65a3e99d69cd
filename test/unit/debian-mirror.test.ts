// Mirror discovery from env and apt sources, and the lock file's schema, rendering and staleness.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DebianError } from '../../engine/debian/errors.js';
import { isLockStale, parseLockFile, renderLockFile, type LockEntry, type LockFile } from '../../engine/debian/lockfile.js';
import { packageUrl, resolveMirrors, suiteBase } from '../../engine/debian/mirror.js';

let apt: string;
beforeEach(() => {
  apt = mkdtempSync(join(tmpdir(), 'r4l-apt-'));
  mkdirSync(join(apt, 'sources.list.d'));
});
afterEach(() => rmSync(apt, { recursive: true, force: true }));

describe('resolveMirrors', () => {
  it('takes the option, then R4L_DEBIAN_MIRROR, deriving the security base', () => {
    expect(resolveMirrors({ mirror: 'http://m.example/debian/', env: {}, aptDir: apt })).toEqual({ archive: 'http://m.example/debian', security: 'http://m.example/debian-security' });
    expect(resolveMirrors({ env: { R4L_DEBIAN_MIRROR: 'http://m.example/debian' }, aptDir: apt })).toEqual({ archive: 'http://m.example/debian', security: 'http://m.example/debian-security' });
    expect(resolveMirrors({ env: { R4L_DEBIAN_MIRROR: 'http://m.example/debian', R4L_DEBIAN_SECURITY_MIRROR: 'http://s.example/sec' }, aptDir: apt })).toEqual({ archive: 'http://m.example/debian', security: 'http://s.example/sec' });
  });

  it('reads deb822 sources; the URI serving *-security suites is the security base', () => {
    writeFileSync(
      join(apt, 'sources.list.d', 'debian.sources'),
      [
        'Types: deb',
        '# a comment',
        'URIs: http://a.example/debian',
        'Suites: bookworm bookworm-updates',
        'Components: main',
        '',
        'Types: deb-src',
        'URIs: http://src.example/debian',
        'Suites: bookworm',
        '',
        'Types: deb',
        'URIs: http://b.example/debian-security/',
        'Suites: bookworm-security',
        'Components: main',
        '',
      ].join('\n'),
    );
    expect(resolveMirrors({ env: {}, aptDir: apt })).toEqual({ archive: 'http://a.example/debian', security: 'http://b.example/debian-security' });
  });

  it('reads one-line sources.list', () => {
    writeFileSync(join(apt, 'sources.list'), '# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://c.example/debian trixie main\ndeb http://c.example/debian-security trixie-security main\n');
    expect(resolveMirrors({ env: {}, aptDir: apt })).toEqual({ archive: 'http://c.example/debian', security: 'http://c.example/debian-security' });
  });

  it('says to set R4L_DEBIAN_MIRROR when nothing is found', () => {
    let error: unknown;
    try {
      resolveMirrors({ env: {}, aptDir: apt });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DebianError);
    expect((error as DebianError).reason).toBe('no-mirror');
    expect((error as DebianError).message).toContain(`no usable deb source in ${apt}`);
    expect((error as DebianError).hint).toContain('set R4L_DEBIAN_MIRROR');
  });

  it('picks the base of a suite and the URL of a package', () => {
    const m = { archive: 'http://a/debian', security: 'http://a/debian-security' };
    expect(suiteBase(m, 'trixie-updates')).toBe('http://a/debian');
    expect(suiteBase(m, 'trixie-security')).toBe('http://a/debian-security');
    expect(packageUrl(m, { suite: 'trixie-security', filename: 'pool/updates/main/x.deb' })).toBe('http://a/debian-security/pool/updates/main/x.deb');
  });
});

const entry: LockEntry = {
  suites: ['trixie', 'trixie-security'],
  architecture: 'amd64',
  requested: ['hello'],
  packages: [
    { name: 'libc6', version: '2.41-12', architecture: 'amd64', filename: 'pool/main/g/glibc/libc6_2.41-12_amd64.deb', size: 10, sha256: 'b'.repeat(64), suite: 'trixie' },
    { name: 'base-files', version: '13.8', architecture: 'amd64', filename: 'pool/main/b/base-files/base-files_13.8_amd64.deb', size: 5, sha256: 'a'.repeat(64), suite: 'trixie' },
  ],
  inRelease: { 'trixie-security': { date: 'Tue, 24 Nov 2026 00:34:34 UTC', sha256: 'd'.repeat(64) }, trixie: { date: 'Sat, 21 Nov 2026 09:15:44 UTC', sha256: 'c'.repeat(64) } },
};

describe('lock file', () => {
  it('renders pretty JSON with a fixed key order, sorted packages and a trailing newline', () => {
    // Keys given in a scrambled order must come out the same.
    const scrambled = { nodes: { zeta: entry, alpha: { ...entry, packages: [...entry.packages].reverse() } }, lockVersion: 1 } as unknown as LockFile;
    const text = renderLockFile(scrambled);
    expect(text.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(text).nodes)).toEqual(['alpha', 'zeta']);
    expect(text.indexOf('"base-files"')).toBeLessThan(text.indexOf('"libc6"'));
    expect(text).toContain('{\n  "lockVersion": 1,\n  "nodes": {\n    "alpha": {\n      "suites": [');
    expect(renderLockFile(parseLockFile(text, 'x.lock.json'))).toBe(text);
  });

  it('refuses an invalid lock file, naming it', () => {
    expect(() => parseLockFile('{"lockVersion": 2, "nodes": {}}', 'rust.lock.json')).toThrow(/^rust.lock.json: not a valid lock file: lockVersion: /);
    expect(() => parseLockFile('{', 'rust.lock.json')).toThrow(/^rust.lock.json: not JSON/);
  });

  it('is stale when the request names, suites or architecture change', () => {
    const request = { suites: ['trixie', 'trixie-security'], architecture: 'amd64', packages: ['hello', 'hello'] };
    expect(isLockStale(entry, request)).toBe(false);
    expect(isLockStale(entry, { ...request, packages: ['hello', 'busybox-static'] })).toBe(true);
    expect(isLockStale(entry, { ...request, suites: ['trixie'] })).toBe(true);
    expect(isLockStale(entry, { ...request, suites: ['trixie-security', 'trixie'] })).toBe(true);
    expect(isLockStale(entry, { ...request, architecture: 'arm64' })).toBe(true);
  });
});

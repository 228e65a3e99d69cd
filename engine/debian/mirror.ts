// Where the Debian archive is: from options, the environment, or the host's apt sources.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStanzas } from './control.js';
import { DebianError } from './errors.js';

/** Base URLs of the archive (…/debian) and of the security archive (…/debian-security). */
export interface Mirrors {
  archive: string;
  security: string;
}

/** Options of resolveMirrors; `aptDir` defaults to /etc/apt and `env` to process.env (for tests). */
export interface ResolveMirrorsOptions {
  mirror?: string;
  securityMirror?: string;
  aptDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** One apt source: a URI and the suites it serves. */
export interface AptSource {
  uri: string;
  suites: string[];
}

const HINT = 'set R4L_DEBIAN_MIRROR to the archive base URL (ending in /debian), and R4L_DEBIAN_SECURITY_MIRROR if the security archive is not beside it';

/** Finds the archive and security base URLs: options, then env, then the host's apt sources. */
export function resolveMirrors(opts: ResolveMirrorsOptions = {}): Mirrors {
  const env = opts.env ?? process.env;
  const explicit = opts.mirror ?? nonEmpty(env.R4L_DEBIAN_MIRROR);
  if (explicit) {
    const archive = trimSlash(explicit);
    const security = trimSlash(opts.securityMirror ?? nonEmpty(env.R4L_DEBIAN_SECURITY_MIRROR) ?? deriveSecurity(archive));
    return { archive, security };
  }
  const sources = readAptSources(opts.aptDir ?? '/etc/apt');
  const archiveSource = sources.find((s) => s.suites.some((x) => !x.endsWith('-security')));
  const securitySource = sources.find((s) => s.suites.some((x) => x.endsWith('-security')));
  if (!archiveSource) {
    throw new DebianError('no-mirror', `no Debian mirror found: no R4L_DEBIAN_MIRROR and no usable deb source in ${opts.aptDir ?? '/etc/apt'}`, HINT);
  }
  const archive = trimSlash(archiveSource.uri);
  const security = trimSlash(opts.securityMirror ?? nonEmpty(env.R4L_DEBIAN_SECURITY_MIRROR) ?? securitySource?.uri ?? deriveSecurity(archive));
  return { archive, security };
}

/** The base URL that serves a suite: the security archive for `*-security` suites. */
export function suiteBase(mirrors: Mirrors, suite: string): string {
  return suite.endsWith('-security') ? mirrors.security : mirrors.archive;
}

/** Reads every `deb` source of an apt configuration dir (deb822 `*.sources` and one-line `*.list`). */
export function readAptSources(aptDir: string): AptSource[] {
  const out: AptSource[] = [];
  const listFile = join(aptDir, 'sources.list');
  const text = readOptional(listFile);
  if (text !== undefined) out.push(...parseOneLineSources(text));
  const dir = join(aptDir, 'sources.list.d');
  let names: string[] = [];
  try {
    names = readdirSync(dir).sort();
  } catch {
    names = [];
  }
  for (const name of names) {
    const content = readOptional(join(dir, name));
    if (content === undefined) continue;
    if (name.endsWith('.sources')) out.push(...parseDeb822Sources(content));
    else if (name.endsWith('.list')) out.push(...parseOneLineSources(content));
  }
  return out.filter((s) => /^https?:\/\//.test(s.uri));
}

/** Parses deb822 sources (`Types:`, `URIs:`, `Suites:`); disabled and non-`deb` stanzas are skipped. */
export function parseDeb822Sources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of parseStanzas(text)) {
    // Field names are case-insensitive in deb822 sources.
    const field = (name: string) => [...stanza].find(([k]) => k.toLowerCase() === name)?.[1].replace(/\s+/g, ' ').trim() ?? '';
    if (!field('types').split(' ').includes('deb') || field('enabled').toLowerCase() === 'no') continue;
    const suites = field('suites').split(' ').filter(Boolean);
    for (const uri of field('uris').split(' ').filter(Boolean)) out.push({ uri, suites });
  }
  return out;
}

/** Parses one-line sources (`deb [opts] URI SUITE COMPONENT…`). */
export function parseOneLineSources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').replace(/\[[^\]]*\]/, ' ').trim();
    const parts = line.split(/\s+/);
    if (parts[0] !== 'deb' || parts[1] === undefined || parts[2] === undefined) continue;
    out.push({ uri: parts[1], suites: [parts[2]] });
  }
  return out;
}

function deriveSecurity(archive: string): string {
  return /\/debian$/.test(archive) ? archive.replace(/\/debian$/, '/debian-security') : `${archive}-security`;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The download URL of a locked package: its suite's base plus its pool file name. */
export function packageUrl(mirrors: Mirrors, pkg: { suite: string; filename: string }): string {
  return `${suiteBase(mirrors, pkg.suite)}/${pkg.filename}`;
}

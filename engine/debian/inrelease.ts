// Fetches a suite's InRelease, checks its OpenPGP signature, and parses the signed text.
import { createHash } from 'node:crypto';
import * as openpgp from 'openpgp';
import { parseStanzas } from './control.js';
import { DebianError } from './errors.js';
import { describe, fetchBytes, type FetchOptions } from './http.js';
import { loadKeyring } from './keyring.js';

/** Size and sha256 of one index file listed in InRelease. */
export interface IndexFile {
  size: number;
  sha256: string;
}

/** A verified, parsed InRelease. */
export interface InRelease {
  /** Where it came from (URL or file name), for messages. */
  source: string;
  /** Base URL of the archive that served it, and the suite asked for. */
  base: string;
  suite: string;
  /** sha256 of the whole InRelease file as served. */
  sha256: string;
  /** The `Date:` field as written, and `Valid-Until:` when present (parsed, not enforced). */
  date: string;
  validUntil?: string;
  acquireByHash: boolean;
  /** Every field of the signed text, except the checksum lists. */
  fields: Record<string, string>;
  /** The SHA256 list: path relative to dists/<suite>/ → size and sha256. */
  files: Map<string, IndexFile>;
  /** Fingerprints of the trusted keys whose signatures checked. */
  signedBy: string[];
}

/** Options of fetchInRelease. */
export interface InReleaseOptions extends FetchOptions {
  /** Directory of trusted binary keyrings (`*.gpg`). */
  keyringDir: string;
  /** Already loaded keys (skip reading keyringDir again). */
  keys?: openpgp.Key[];
}

/** URL of a suite's InRelease under an archive base. */
export function inReleaseUrl(base: string, suite: string): string {
  return `${base}/dists/${suite}/InRelease`;
}

/** Downloads `<base>/dists/<suite>/InRelease`, checks its signature and parses it. */
export async function fetchInRelease(base: string, suite: string, opts: InReleaseOptions): Promise<InRelease> {
  const url = inReleaseUrl(base, suite);
  const bytes = await fetchBytes(url, opts);
  const keys = opts.keys ?? (await loadKeyring(opts.keyringDir));
  const release = await verifyInRelease(bytes, url, keys);
  return { ...release, base, suite: checkSuite(release, suite, url) };
}

/** Checks a cleartext-signed InRelease against trusted keys; returns the parsed signed part. */
export async function verifyInRelease(bytes: Uint8Array, source: string, keys: openpgp.Key[]): Promise<InRelease> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const refuse = (why: string) =>
    new DebianError('bad-signature', `${source}: refused, ${why}`, 'the index may have been tampered with or the mirror is broken; check R4L_DEBIAN_MIRROR and the keyring in recipes/keys');
  let signedText: string;
  const signedBy: string[] = [];
  try {
    const message = await openpgp.readCleartextMessage({ cleartextMessage: Buffer.from(bytes).toString('utf8') });
    const result = await openpgp.verify({ message, verificationKeys: keys });
    for (const signature of result.signatures) {
      try {
        await signature.verified;
        const key = keys.find((k) => k.getKeys(signature.keyID).length > 0);
        signedBy.push(key ? key.getFingerprint() : signature.keyID.toHex());
      } catch {
        // A signature by a key we do not trust, or a bad one: it does not count.
      }
    }
    signedText = message.getText();
  } catch (error) {
    throw refuse(`it is not a valid OpenPGP cleartext-signed message (${describe(error)})`);
  }
  if (signedBy.length === 0) throw refuse('no valid signature from a trusted key');
  return { ...parseReleaseText(signedText, source), sha256, signedBy };
}

/** Parses the (signed) text of a Release file into fields and the SHA256 file list. */
export function parseReleaseText(text: string, source: string): Omit<InRelease, 'sha256' | 'signedBy'> {
  const stanza = parseStanzas(text)[0];
  if (!stanza) throw new DebianError('bad-index', `${source}: empty Release text`);
  const fields: Record<string, string> = {};
  const files = new Map<string, IndexFile>();
  for (const [name, value] of stanza) {
    if (name === 'SHA256') {
      for (const line of value.split('\n')) {
        const parts = line.trim().split(/\s+/);
        const [sha, size, path] = parts;
        if (sha === undefined || size === undefined || path === undefined || !/^[0-9a-f]{64}$/.test(sha)) continue;
        files.set(path, { size: Number(size), sha256: sha });
      }
    } else if (name !== 'MD5Sum' && name !== 'SHA1' && name !== 'SHA512') {
      fields[name] = value;
    }
  }
  if (files.size === 0) throw new DebianError('bad-index', `${source}: no SHA256 file list in the signed text`);
  const date = fields['Date'];
  if (date === undefined) throw new DebianError('bad-index', `${source}: no Date field`);
  return {
    source,
    base: '',
    suite: fields['Codename'] ?? fields['Suite'] ?? '',
    date,
    ...(fields['Valid-Until'] !== undefined ? { validUntil: fields['Valid-Until'] } : {}),
    acquireByHash: (fields['Acquire-By-Hash'] ?? '').toLowerCase() === 'yes',
    fields,
    files,
  };
}

/** An InRelease must describe the suite asked for (by Codename or Suite), or it is a replay. */
function checkSuite(release: InRelease, suite: string, url: string): string {
  const names = [release.fields['Codename'], release.fields['Suite']];
  if (!names.includes(suite)) {
    throw new DebianError('wrong-suite', `${url}: signed for suite ${names.filter(Boolean).join('/') || '(none)'}, not ${suite}`, 'the mirror serves the wrong index for this suite');
  }
  return suite;
}

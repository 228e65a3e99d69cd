// The action-cache entry: what /ac/<key> holds. A small JSON document that says which store
// objects a node key realised to and where their archives are, signed with ed25519:
//
//   { "version": 1, "key": "<node key>", "kind": "command", "builderVersion": 1,
//     "outputs": { "out": { "hash": "<narhash>", "cas": "<sha256 of the .nar.gz>", "size": 1234 } },
//     "signatures": [ { "keyName": "ci-1", "sig": "<base64>" } ] }
//
// Each signature is over the canonical JSON (engine/util/canonical-json.ts) of the entry without
// `signatures`. `size` is the byte size of the compressed archive (what /cas/<cas> holds). Version 1
// archives are gzip-compressed NAR serialisations (engine/cache/nar-archive.ts).
import { z } from 'zod';
import { canonicalJson } from '../util/canonical-json.js';
import { KEY_NAME, signBytes, verifyBytes, type PublicKey, type SecretKey } from './keys.js';
import type { NodeKey, OutputHash } from '../util/hash.js';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits (a sha256)');

export const CacheOutput = z.strictObject({
  hash: Hex64.describe('the store hash of the output: sha256 of its NAR serialisation'),
  cas: Hex64.describe('sha256 of the compressed archive (gzip of the NAR), its name under /cas/'),
  size: z.number().int().nonnegative().describe('bytes of the compressed archive'),
});

export const CacheSignature = z.strictObject({
  keyName: z.string().regex(KEY_NAME, 'a key name'),
  sig: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'a base64 ed25519 signature (64 bytes)'),
});

export const CacheEntry = z
  .strictObject({
    version: z.literal(1),
    key: Hex64.describe('the node key (sha256 of its key record)'),
    kind: z.string().min(1).max(64).describe('the node kind'),
    builderVersion: z.number().int().nonnegative(),
    outputs: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an output name'), CacheOutput).describe('output name → store hash and archive'),
    signatures: z.array(CacheSignature).max(64).describe('ed25519 signatures over the canonical JSON of the entry without `signatures`'),
  })
  .refine((entry) => Object.keys(entry.outputs).length > 0, { message: 'an entry needs at least one output', path: ['outputs'] });

export type CacheEntry = z.infer<typeof CacheEntry>;
export type CacheEntryBody = Omit<CacheEntry, 'signatures'>;

/** The JSON Schema of a cache entry (schemas/cache-entry.schema.json). */
export function cacheEntryJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(CacheEntry, { target: 'draft-7' }) as Record<string, unknown>;
  // The refinement (at least one output) is not expressible by zod's converter; say it here.
  const outputs = (schema.properties as Record<string, Record<string, unknown>> | undefined)?.outputs;
  if (outputs) outputs.minProperties = 1;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'r4l remote cache entry (/ac/<key>)',
    description: 'Which store objects a node key realised to, where their archives are (/cas/<cas>), and ed25519 signatures over the canonical JSON of the entry without `signatures`.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}

/** Parses and validates a pulled entry; throws an Error naming what is wrong. */
export function parseCacheEntry(text: string, where: string): CacheEntry {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not JSON (${(error as Error).message})`);
  }
  const parsed = CacheEntry.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`${where}: not a cache entry: ${first ? `${first.path.join('.') || '(top)'}: ${first.message}` : 'invalid'}`);
  }
  return parsed.data;
}

/** The bytes every signature covers. */
export function signedBytes(entry: CacheEntryBody | CacheEntry): Buffer {
  const { signatures, ...body } = entry as CacheEntry;
  void signatures;
  return Buffer.from(canonicalJson(body), 'utf8');
}

export function bodyOf(entry: CacheEntry): CacheEntryBody {
  const { signatures, ...body } = entry;
  void signatures;
  return body;
}

/** Adds (or replaces) the signature of this key. */
export function signEntry(entry: CacheEntryBody | CacheEntry, secret: SecretKey): CacheEntry {
  const existing = 'signatures' in entry ? entry.signatures.filter((s) => s.keyName !== secret.name) : [];
  const sig = signBytes(secret, signedBytes(entry));
  return { ...(entry as CacheEntryBody), signatures: [...existing, { keyName: secret.name, sig }] };
}

export type Verdict = { ok: true; keyName: string } | { ok: false; reason: string };

/**
 * Whether the entry carries a valid signature of a trusted key. Signatures of keys nobody trusts
 * are ignored (as in Nix); a trusted key's signature that does not verify is reported.
 */
export function verifyEntry(entry: CacheEntry, trusted: PublicKey[]): Verdict {
  if (!trusted.length) return { ok: false, reason: 'no trusted public key: add --trusted-key NAME:BASE64 (or trustedKeys in r4l.config.json, or R4L_TRUSTED_KEYS)' };
  if (!entry.signatures.length) return { ok: false, reason: 'the entry is not signed' };
  const bytes = signedBytes(entry);
  const bad: string[] = [];
  for (const signature of entry.signatures) {
    for (const key of trusted.filter((k) => k.name === signature.keyName)) {
      if (verifyBytes(key, bytes, signature.sig)) return { ok: true, keyName: key.name };
      bad.push(signature.keyName);
    }
  }
  if (bad.length) return { ok: false, reason: `the signature by ${[...new Set(bad)].join(', ')} does not verify (the entry was altered, or signed by another key of that name)` };
  return { ok: false, reason: `signed only by untrusted keys (${entry.signatures.map((s) => s.keyName).join(', ')}); trusted: ${trusted.map((k) => k.name).join(', ')}` };
}

/** The entry's outputs as a realisation's `outputs`. */
export function outputHashes(entry: CacheEntry): Record<string, OutputHash> {
  return Object.fromEntries(Object.entries(entry.outputs).map(([name, o]) => [name, o.hash as OutputHash]));
}

export function entryKey(entry: CacheEntry): NodeKey {
  return entry.key as NodeKey;
}

// ed25519 signing keys for the remote cache, in Nix's text forms:
//   NAME.secret   `NAME:<base64 of the 32-byte seed followed by the 32-byte public key>` (mode 0600)
//   NAME.public   `NAME:<base64 of the raw 32-byte public key>`
// so `nix key generate-secret` / `nix key convert-secret-to-public` files work here too.
// A PKCS#8 PEM private key is accepted as well; its name is then the file name without `.secret`.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { R4lError } from '../errors.js';

/** Key names: what an entry's signature says it was made with. */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

export interface PublicKey {
  name: string;
  /** The raw 32-byte ed25519 public key. */
  raw: Buffer;
  key: KeyObject;
}

export interface SecretKey {
  name: string;
  key: KeyObject;
  publicKey: PublicKey;
}

const b64url = (bytes: Buffer): string => bytes.toString('base64url');

function publicFromRaw(name: string, raw: Buffer): PublicKey {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(raw) }, format: 'jwk' });
  return { name, raw, key };
}

function rawPublicOf(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x) throw new R4lError('usage', 'not an ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

function checkName(name: string, where: string): void {
  if (!KEY_NAME.test(name)) throw new R4lError('usage', `${where}: key name \`${name}\` is not valid`, 'use letters, digits, `.`, `_`, `+`, `-` (e.g. ci.example-1)');
}

/** A fresh key pair; returns the text of NAME.secret and NAME.public. */
export function generateKeyPair(name: string): { secretText: string; publicText: string; publicKey: PublicKey } {
  checkName(name, 'r4l key generate');
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d!, 'base64url');
  const raw = Buffer.from(jwk.x!, 'base64url');
  return {
    secretText: `${name}:${Buffer.concat([seed, raw]).toString('base64')}\n`,
    publicText: `${name}:${raw.toString('base64')}\n`,
    publicKey: publicFromRaw(name, raw),
  };
}

/** Parses `NAME:BASE64` (a trusted public key). */
export function parsePublicKey(text: string, where = 'trusted key'): PublicKey {
  const line = text.trim();
  const colon = line.indexOf(':');
  const name = colon > 0 ? line.slice(0, colon) : '';
  const data = colon > 0 ? line.slice(colon + 1) : '';
  const raw = /^[A-Za-z0-9+/]+={0,2}$/.test(data) ? Buffer.from(data, 'base64') : Buffer.alloc(0);
  if (!name || raw.length !== 32) {
    throw new R4lError('usage', `${where}: \`${line.slice(0, 80)}\` is not a public key`, 'expected NAME:BASE64 (the one line of a NAME.public file from `r4l key generate NAME`)');
  }
  checkName(name, where);
  return publicFromRaw(name, raw);
}

/**
 * A trusted key given on the command line, in the environment or in a config file: `NAME:BASE64`,
 * or the path of a NAME.public file.
 */
export async function resolvePublicKey(value: string, where: string): Promise<PublicKey> {
  if (!/^[^:/]+:[A-Za-z0-9+/]+={0,2}$/.test(value.trim())) {
    const text = await fs.readFile(value, 'utf8').catch(() => undefined);
    if (text !== undefined) return parsePublicKey(text, `${where} (${value})`);
  }
  return parsePublicKey(value, where);
}

/** Reads a secret key file (Nix's `NAME:BASE64` form, or a PKCS#8 PEM). */
export async function loadSecretKey(file: string): Promise<SecretKey> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new R4lError('usage', `cannot read the signing key ${file}: ${(error as Error).message}`, 'create one with `r4l key generate NAME` and pass --sign NAME.secret');
  }
  const trimmed = text.trim();
  if (trimmed.includes('-----BEGIN')) {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: trimmed, format: 'pem' });
    } catch (error) {
      throw new R4lError('usage', `${file}: not a private key (${(error as Error).message})`);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new R4lError('usage', `${file}: an ${key.asymmetricKeyType} key; the cache signs with ed25519`, 'create one with `r4l key generate NAME`');
    const name = path.basename(file).replace(/\.(secret|pem|key)$/, '');
    checkName(name, file);
    return { name, key, publicKey: publicFromRaw(name, rawPublicOf(key)) };
  }
  const colon = trimmed.indexOf(':');
  const name = colon > 0 ? trimmed.slice(0, colon) : '';
  const data = colon > 0 ? Buffer.from(trimmed.slice(colon + 1), 'base64') : Buffer.alloc(0);
  if (!name || (data.length !== 64 && data.length !== 32)) {
    throw new R4lError('usage', `${file}: not a signing key`, 'expected NAME:BASE64 as written by `r4l key generate NAME` (or a PKCS#8 PEM ed25519 key)');
  }
  checkName(name, file);
  const seed = data.subarray(0, 32);
  let key: KeyObject;
  try {
    // The public half is derived from the seed; for a 32-byte form we compute it first.
    const derived = rawPublicOf(createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' }));
    if (data.length === 64 && !derived.equals(data.subarray(32))) throw new Error('its public half does not belong to its seed');
    key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64url(seed), x: b64url(derived) }, format: 'jwk' });
  } catch (error) {
    throw new R4lError('usage', `${file}: not a valid ed25519 key (${(error as Error).message})`);
  }
  return { name, key, publicKey: publicFromRaw(name, rawPublicOf(key)) };
}

/** The one-line public form of a key. */
export function publicKeyText(key: PublicKey): string {
  return `${key.name}:${key.raw.toString('base64')}`;
}

export function signBytes(secret: SecretKey, data: Buffer): string {
  return sign(null, data, secret.key).toString('base64');
}

export function verifyBytes(publicKey: PublicKey, data: Buffer, signature: string): boolean {
  const sig = Buffer.from(signature, 'base64');
  if (sig.length !== 64) return false;
  try {
    return verify(null, data, publicKey.key, sig);
  } catch {
    return false;
  }
}

// Cache entries (schema, signatures), ed25519 key files, cache URLs, and where substituters and
// trusted keys come from.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPair, loadSecretKey, parsePublicKey, publicKeyText, resolvePublicKey, type SecretKey } from '../../engine/cache/keys.js';
import { cacheEntryJsonSchema, parseCacheEntry, signEntry, signedBytes, verifyEntry, type CacheEntryBody } from '../../engine/cache/entry.js';
import { loadConfigs, substituterUrlsFrom, substitutersFrom, trustedKeysFrom } from '../../engine/cache/config.js';
import { parseCacheUrl, CacheClient } from '../../engine/cache/http.js';
import { canonicalJson } from '../../engine/util/canonical-json.js';
import { Store } from '../../engine/store/store.js';
import { freePort } from '../fixtures/cache/servers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'r4l-cache-entry-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function secret(name: string): Promise<{ secret: SecretKey; publicLine: string }> {
  const pair = generateKeyPair(name);
  writeFileSync(join(dir, `${name}.secret`), pair.secretText, { mode: 0o600 });
  return { secret: await loadSecretKey(join(dir, `${name}.secret`)), publicLine: pair.publicText.trim() };
}

const H = (c: string): string => c.repeat(64);
const body: CacheEntryBody = { version: 1, key: H('a'), kind: 'command', builderVersion: 1, outputs: { out: { hash: H('b'), cas: H('c'), size: 123 } } };

describe('keys', () => {
  it('writes Nix-style key files that load back and sign/verify', async () => {
    const { secret: key, publicLine } = await secret('ci-1');
    expect(publicLine).toMatch(/^ci-1:[A-Za-z0-9+/]{43}=$/);
    expect(publicKeyText(key.publicKey)).toBe(publicLine);
    const trusted = parsePublicKey(publicLine);
    const entry = signEntry(body, key);
    expect(verifyEntry(entry, [trusted])).toEqual({ ok: true, keyName: 'ci-1' });
  });

  it('accepts a PKCS#8 PEM ed25519 key, named by its file', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'team.secret'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const key = await loadSecretKey(join(dir, 'team.secret'));
    expect(key.name).toBe('team');
    expect(verifyEntry(signEntry(body, key), [key.publicKey]).ok).toBe(true);
  });

  it('refuses a secret whose public half does not match, and malformed public keys', async () => {
    const a = generateKeyPair('x');
    const b = generateKeyPair('x');
    const seedA = Buffer.from(a.secretText.trim().split(':')[1]!, 'base64').subarray(0, 32);
    const pubB = Buffer.from(b.publicText.trim().split(':')[1]!, 'base64');
    writeFileSync(join(dir, 'bad.secret'), `x:${Buffer.concat([seedA, pubB]).toString('base64')}\n`);
    await expect(loadSecretKey(join(dir, 'bad.secret'))).rejects.toThrow(/does not belong/);
    await expect(loadSecretKey(join(dir, 'missing.secret'))).rejects.toThrow(/cannot read the signing key/);
    expect(() => parsePublicKey('nocolon')).toThrow(/not a public key/);
    expect(() => parsePublicKey('k:AAAA')).toThrow(/not a public key/);
    expect(() => parsePublicKey('bad name:' + Buffer.alloc(32).toString('base64'))).toThrow(/not valid/);
  });

  it('resolves a trusted key given as a NAME.public file', async () => {
    const pair = generateKeyPair('ci-2');
    writeFileSync(join(dir, 'ci-2.public'), pair.publicText);
    const key = await resolvePublicKey(join(dir, 'ci-2.public'), '--trusted-key');
    expect(key.name).toBe('ci-2');
    expect(key.raw.equals(pair.publicKey.raw)).toBe(true);
  });
});

describe('cache entries', () => {
  it('signs the canonical JSON of the entry without signatures', async () => {
    const { secret: key } = await secret('ci-1');
    const entry = signEntry(body, key);
    expect(signedBytes(entry).toString()).toBe(canonicalJson(body));
    // Key order and white space of the stored document do not matter.
    const reordered = JSON.stringify({ signatures: entry.signatures, outputs: entry.outputs, builderVersion: 1, kind: 'command', key: entry.key, version: 1 }, null, 3);
    expect(verifyEntry(parseCacheEntry(reordered, 'test'), [key.publicKey]).ok).toBe(true);
  });

  it('refuses a forged entry, an untrusted signer, an unsigned entry, and no trusted key at all', async () => {
    const { secret: ci } = await secret('ci-1');
    const { secret: other } = await secret('other');
    const entry = signEntry(body, ci);
    const forged = { ...entry, outputs: { out: { ...entry.outputs.out!, hash: H('d') } } };
    expect(verifyEntry(forged, [ci.publicKey])).toMatchObject({ ok: false, reason: expect.stringMatching(/signature by ci-1 does not verify/) });
    expect(verifyEntry(signEntry(body, other), [ci.publicKey])).toMatchObject({ ok: false, reason: expect.stringMatching(/untrusted keys \(other\)/) });
    expect(verifyEntry({ ...body, signatures: [] }, [ci.publicKey])).toMatchObject({ ok: false, reason: expect.stringMatching(/not signed/) });
    expect(verifyEntry(entry, [])).toMatchObject({ ok: false, reason: expect.stringMatching(/^no trusted public key: add --trusted-key/) });
    // An impostor key with the trusted name does not help.
    const impostor = generateKeyPair('ci-1');
    writeFileSync(join(dir, 'imp.secret'), impostor.secretText);
    expect(verifyEntry(signEntry(body, await loadSecretKey(join(dir, 'imp.secret'))), [ci.publicKey]).ok).toBe(false);
  });

  it('keeps several signers; any trusted one suffices', async () => {
    const { secret: ci } = await secret('ci-1');
    const { secret: other } = await secret('other');
    const both = signEntry(signEntry(body, other), ci);
    expect(both.signatures.map((s) => s.keyName)).toEqual(['other', 'ci-1']);
    expect(verifyEntry(both, [ci.publicKey]).ok).toBe(true);
    expect(verifyEntry(both, [other.publicKey]).ok).toBe(true);
    // Re-signing replaces our own signature instead of piling up.
    expect(signEntry(both, ci).signatures).toHaveLength(2);
  });

  it('validates pulled entries (zod), and the JSON Schema agrees', async () => {
    const { secret: ci } = await secret('ci-1');
    const good = signEntry(body, ci);
    const validate = new Ajv({ strict: false }).compile(cacheEntryJsonSchema());
    expect(validate(good)).toBe(true);
    const bad: [unknown, RegExp][] = [
      [{ ...good, version: 2 }, /version/],
      [{ ...good, key: 'abc' }, /key/],
      [{ ...good, outputs: {} }, /at least one output/],
      [{ ...good, outputs: { out: { hash: H('b'), cas: H('c') } } }, /size/],
      [{ ...good, outputs: { '../x': { hash: H('b'), cas: H('c'), size: 1 } } }, /outputs/],
      [{ ...good, extra: true }, /extra|Unrecognized/i],
      [{ ...good, signatures: [{ keyName: 'ci-1', sig: 'short' }] }, /signatures/],
    ];
    for (const [doc, message] of bad) {
      expect(() => parseCacheEntry(JSON.stringify(doc), 'http://c/ac/x')).toThrow(message);
      expect(validate(doc)).toBe(false);
    }
    expect(() => parseCacheEntry('{not json', 'http://c/ac/x')).toThrow(/not JSON/);
    const schema = cacheEntryJsonSchema();
    expect(schema.$schema).toMatch(/draft-07/);
    expect(schema.title).toMatch(/cache entry/);
  });
});

describe('cache URLs', () => {
  it('keeps a path prefix, hides credentials and sends them as Basic auth', () => {
    const parsed = parseCacheUrl('http://user:p%40ss@127.0.0.1:8080/team/r4l');
    expect(parsed.display).toBe('http://127.0.0.1:8080/team/r4l');
    expect(parsed.authorization).toBe('Basic ' + Buffer.from('user:p@ss').toString('base64'));
    const client = new CacheClient('http://127.0.0.1:8080/team/r4l/');
    expect(client.href('ac/abc')).toBe('http://127.0.0.1:8080/team/r4l/ac/abc');
    expect(new CacheClient('http://127.0.0.1:8080').href('cas/x')).toBe('http://127.0.0.1:8080/cas/x');
    expect(() => parseCacheUrl('ftp://x/')).toThrow(/only http/);
    expect(() => parseCacheUrl('not a url')).toThrow(/not a URL/);
  });

  it('names the URL when the cache is down', async () => {
    const port = await freePort();
    const client = new CacheClient(`http://127.0.0.1:${port}/prefix`, { timeoutMs: 5000 });
    await expect(client.getSmall('ac/' + H('a'))).rejects.toThrow(`remote cache http://127.0.0.1:${port}/prefix: GET /ac/${H('a')}: connection refused`);
    await expect(client.exists('cas/' + H('b'))).rejects.toThrow(`http://127.0.0.1:${port}/prefix`);
  });
});

describe('substituters and trusted keys from flags, environment and config', () => {
  it('takes --substituter first, then R4L_SUBSTITUTERS, then the project config, then the user config', async () => {
    const cwd = join(dir, 'project');
    const xdg = join(dir, 'xdg');
    mkdirSync(cwd);
    mkdirSync(join(xdg, 'r4l'), { recursive: true });
    writeFileSync(join(xdg, 'r4l', 'config.json'), JSON.stringify({ substituters: ['http://user.invalid/c'] }));
    const env = { XDG_CONFIG_HOME: xdg } as NodeJS.ProcessEnv;
    expect(substituterUrlsFrom([], await loadConfigs({ cwd, env }), env).urls).toEqual(['http://user.invalid/c']);
    writeFileSync(join(cwd, 'r4l.config.json'), JSON.stringify({ substituters: ['http://project.invalid/c'] }));
    const configs = await loadConfigs({ cwd, env });
    expect(substituterUrlsFrom([], configs, env)).toEqual({ urls: ['http://project.invalid/c'], from: join(cwd, 'r4l.config.json') });
    expect(substituterUrlsFrom([], configs, { ...env, R4L_SUBSTITUTERS: 'http://env.invalid/a http://env.invalid/b' }).urls).toEqual(['http://env.invalid/a', 'http://env.invalid/b']);
    expect(substituterUrlsFrom(['http://flag.invalid/'], configs, { ...env, R4L_SUBSTITUTERS: 'http://env.invalid/a' }).urls).toEqual(['http://flag.invalid/']);
  });

  it('trusts the union of --trusted-key, R4L_TRUSTED_KEYS and both config files', async () => {
    const cwd = join(dir, 'project');
    const xdg = join(dir, 'xdg');
    mkdirSync(cwd);
    mkdirSync(join(xdg, 'r4l'), { recursive: true });
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => generateKeyPair(n).publicText.trim());
    writeFileSync(join(cwd, 'r4l.config.json'), JSON.stringify({ trustedKeys: [c] }));
    writeFileSync(join(xdg, 'r4l', 'config.json'), JSON.stringify({ trustedKeys: [d, c] }));
    const keys = await trustedKeysFrom([a!], { cwd, env: { XDG_CONFIG_HOME: xdg, R4L_TRUSTED_KEYS: ` ${b} ` } });
    expect(keys.map((k) => k.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('names a broken config file', async () => {
    writeFileSync(join(dir, 'r4l.config.json'), JSON.stringify({ substituters: 'http://x' }));
    await expect(loadConfigs({ cwd: dir, env: { XDG_CONFIG_HOME: join(dir, 'none') } })).rejects.toThrow(/r4l\.config\.json: substituters/);
    writeFileSync(join(dir, 'r4l.config.json'), '{');
    await expect(loadConfigs({ cwd: dir, env: { XDG_CONFIG_HOME: join(dir, 'none') } })).rejects.toThrow(/r4l\.config\.json: not JSON/);
  });

  it('warns when substituters are set but no key is trusted, and refuses a bad URL', async () => {
    const store = new Store(join(dir, 'store'));
    const warnings: string[] = [];
    const subs = await substitutersFrom(['http://127.0.0.1:1/c'], store, { cwd: dir, env: { XDG_CONFIG_HOME: join(dir, 'none') }, trustedKeys: [], warn: (l) => warnings.push(l) });
    expect(subs.map((s) => s.url)).toEqual(['http://127.0.0.1:1/c']);
    expect(warnings.join('\n')).toMatch(/no trusted public key/);
    expect(await substitutersFrom([], store, { cwd: dir, env: { XDG_CONFIG_HOME: join(dir, 'none') } })).toEqual([]);
    await expect(substitutersFrom(['file:///tmp/c'], store, { cwd: dir, env: {} })).rejects.toThrow(/only http/);
  });
});

// The remote cache end to end, through the CLI, against a real nginx with WebDAV PUT on loopback:
// push from store A; plan/realize/pull into empty stores fetch instead of building, byte for byte;
// a corrupt archive, a forged entry, an untrusted or missing key, an unsafe archive and a cache
// that is down all end in a message and a local build.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBinary, freePort, nginxHasDav, startNginx, type Nginx } from '../fixtures/cache/servers.js';
import { ensureBuilt, r4l, type Run } from '../fixtures/cache/cli.js';
import { parseCacheEntry, signEntry, verifyEntry, type CacheEntry } from '../../engine/cache/entry.js';
import { loadSecretKey, parsePublicKey } from '../../engine/cache/keys.js';

const nginxBinary = findBinary('nginx');
const usable = Boolean(nginxBinary && nginxHasDav(nginxBinary));
if (!usable) {
  console.warn(
    `\n${'!'.repeat(78)}\n!! SKIPPED test/unit/cache-remote.test.ts: ${nginxBinary ? `${nginxBinary} has no WebDAV module` : 'no nginx binary'}.\n!! Install it (apt-get install -y nginx-light) to test the remote cache.\n${'!'.repeat(78)}\n`,
  );
}

// `a` is deterministic; `b` copies from it and adds a random nonce, so a rebuild of `b` has a new
// hash and an equal hash proves it was fetched.
const RECIPE = `nodes:
  a:
    kind: command
    toolchain: host
    script: |
      mkdir -p /out/sub/deeper
      echo hello > /out/sub/greeting
      printf '#!/bin/sh\\necho hi\\n' > /out/run.sh
      chmod +x /out/run.sh
      ln -s sub/greeting /out/link
      ln -s ../greeting /out/sub/deeper/up
      ln -s /usr/bin/env /out/absolute
      : > /out/empty
  b:
    kind: command
    toolchain: host
    inputs:
      a: a
    script: |
      cat /in/a/sub/greeting > /out/copy
      od -An -N16 -tx8 /dev/urandom > /out/nonce
`;

describe.skipIf(!usable)('remote cache over a real nginx WebDAV server', () => {
  let nginx: Nginx;
  let work: string;
  let url: string;
  let publicLine: string;
  let otherPublic: string;
  const keys: Record<string, string> = {};
  const hashesA: Record<string, string> = {};
  let storeCount = 0;

  const fresh = (): string => join(work, `store-${storeCount++}`);
  const run = (args: string[], env?: Record<string, string>): Promise<Run> => r4l(args, { cwd: work, env });
  const realizeInto = (store: string, ...extra: string[]): Promise<Run> => run(['--store', store, 'realize', 'r.yaml', '--no-link', ...extra]);
  /** node → output hash, from realize's `NAME PATH` lines. */
  const outputsOf = (result: Run): Record<string, string> =>
    Object.fromEntries(result.stdout.split('\n').filter((l) => /^\S+ \/\S+$/.test(l)).map((l) => [l.split(' ')[0]!, basename(l.split(' ')[1]!)]));
  const acFile = (prefix: string, key: string): string => join(nginx.root, prefix, 'ac', key);
  const casFile = (prefix: string, cas: string): string => join(nginx.root, prefix, 'cas', cas);
  const readEntry = async (prefix: string, key: string): Promise<CacheEntry> => parseCacheEntry(await fs.readFile(acFile(prefix, key), 'utf8'), key);
  const show = (result: Run): string => `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;

  beforeAll(async () => {
    await ensureBuilt();
    nginx = await startNginx(nginxBinary!);
    work = mkdtempSync(join(tmpdir(), 'r4l-cache-remote-'));
    await fs.writeFile(join(work, 'r.yaml'), RECIPE);
    url = `${nginx.origin}/team/r4l`;
    const generated = await run(['key', 'generate', 'ci-1', '--dir', 'keys']);
    expect(generated.code, show(generated)).toBe(0);
    publicLine = generated.stdout.trim();
    otherPublic = (await run(['key', 'generate', 'other', '--dir', 'keys'])).stdout.trim();
    const built = await realizeInto(join(work, 'storeA'));
    expect(built.code, show(built)).toBe(0);
    Object.assign(hashesA, outputsOf(built));
    const plan = await run(['--store', join(work, 'storeA'), 'plan', 'r.yaml', '--json']);
    for (const entry of JSON.parse(plan.stdout) as { name: string; key: string; state: string }[]) {
      expect(entry.state).toBe('cached');
      keys[entry.name] = entry.key;
    }
  });

  afterAll(async () => {
    await nginx?.remove();
    if (work) {
      await fs.chmod(work, 0o755).catch(() => undefined);
      const { removeTree } = await import('../../engine/util/fs.js');
      await removeTree(work);
    }
  });

  it('key generate writes a 0600 NAME.secret and prints the NAME:BASE64 public line', async () => {
    expect(publicLine).toMatch(/^ci-1:[A-Za-z0-9+/]{43}=$/);
    expect((await fs.stat(join(work, 'keys', 'ci-1.secret'))).mode & 0o777).toBe(0o600);
    expect((await fs.readFile(join(work, 'keys', 'ci-1.public'), 'utf8')).trim()).toBe(publicLine);
    expect((await run(['key', 'public', 'keys/ci-1.secret'])).stdout.trim()).toBe(publicLine);
    const again = await run(['key', 'generate', 'ci-1', '--dir', 'keys']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists/);
  });

  it('push uploads every realised node: archives under /cas, a signed entry under /ac; again, nothing', async () => {
    const pushed = await run(['--store', join(work, 'storeA'), 'push', 'r.yaml', '--cache', url, '--sign', 'keys/ci-1.secret']);
    expect(pushed.code, show(pushed)).toBe(0);
    expect(pushed.stdout).toMatch(/^PUSHED +a /m);
    expect(pushed.stdout).toMatch(/^PUSHED +b /m);
    for (const node of ['a', 'b']) {
      const entry = await readEntry('team/r4l', keys[node]!);
      expect(entry).toMatchObject({ version: 1, key: keys[node], kind: 'command', builderVersion: 1 });
      expect(entry.outputs.out!.hash).toBe(hashesA[node]);
      expect(verifyEntry(entry, [parsePublicKey(publicLine)]).ok).toBe(true);
      const archive = await fs.readFile(casFile('team/r4l', entry.outputs.out!.cas));
      expect(createHash('sha256').update(archive).digest('hex')).toBe(entry.outputs.out!.cas);
      expect(archive.length).toBe(entry.outputs.out!.size);
    }
    const again = await run(['--store', join(work, 'storeA'), 'push', 'r.yaml', '--cache', url, '--sign', 'keys/ci-1.secret']);
    expect(again.code, show(again)).toBe(0);
    expect(again.stdout).toMatch(/^PRESENT a /m);
    expect(again.stdout).toMatch(/^PRESENT b /m);
    expect(again.stderr).toMatch(/0\.0 MiB uploaded/);
  });

  it('a second signer adds its signature to an equal entry', async () => {
    const prefix = 'two-signers';
    await run(['--store', join(work, 'storeA'), 'push', 'r.yaml', 'a', '--cache', `${nginx.origin}/${prefix}`, '--sign', 'keys/ci-1.secret']);
    const signed = await run(['--store', join(work, 'storeA'), 'push', 'r.yaml', 'a', '--cache', `${nginx.origin}/${prefix}/`, '--sign', 'keys/other.secret']);
    expect(signed.code, show(signed)).toBe(0);
    expect(signed.stdout).toMatch(/^SIGNED +a /m);
    const entry = await readEntry(prefix, keys.a!);
    expect(entry.signatures.map((s) => s.keyName).sort()).toEqual(['ci-1', 'other']);
    expect(verifyEntry(entry, [parsePublicKey(otherPublic)]).ok).toBe(true);
    expect(verifyEntry(entry, [parsePublicKey(publicLine)]).ok).toBe(true);
  });

  it('push refuses to run without a signing key, and names unrealised nodes', async () => {
    const unsigned = await run(['--store', join(work, 'storeA'), 'push', 'r.yaml', '--cache', url]);
    expect(unsigned.code).toBe(2);
    expect(unsigned.stderr).toMatch(/signing key/);
    const empty = await run(['--store', fresh(), 'push', 'r.yaml', 'b', '--cache', url, '--sign', 'keys/ci-1.secret']);
    expect(empty.code).toBe(1);
    expect(empty.stdout).toMatch(/^SKIP +a \(not realised/m);
  });

  it('plan on an empty store says `substitute` for what the cache has', async () => {
    const plan = await run(['--store', fresh(), 'plan', 'r.yaml', '--json', '--substituter', url, '--trusted-key', publicLine]);
    expect(plan.code, show(plan)).toBe(0);
    const entries = JSON.parse(plan.stdout) as { name: string; key: string | null; state: string }[];
    expect(entries.find((e) => e.name === 'a')).toMatchObject({ key: keys.a, state: 'substitute' });
    // Without a trusted key the entry would be refused, so the plan says build.
    const untrusted = await run(['--store', fresh(), 'plan', 'r.yaml', '--json', '--substituter', url]);
    expect((JSON.parse(untrusted.stdout) as { name: string; state: string }[]).find((e) => e.name === 'a')!.state).toBe('build');
    expect(untrusted.stderr).toMatch(/no trusted public key/);
  });

  it('realize on an empty store fetches instead of building, byte-identical outputs', async () => {
    const store = fresh();
    const fetched = await realizeInto(store, '--substituter', url, '--trusted-key', 'keys/ci-1.public');
    expect(fetched.code, show(fetched)).toBe(0);
    expect(fetched.stderr).toMatch(/FETCHED +a/);
    expect(fetched.stderr).toMatch(/FETCHED +b/);
    expect(fetched.stderr).not.toMatch(/BUILT/);
    expect(outputsOf(fetched)).toEqual(hashesA);
    const hashed = await run(['hash', join(store, 'o', hashesA.a!), join(work, 'storeA', 'o', hashesA.a!), join(store, 'o', hashesA.b!)]);
    const [h1, h2, h3] = hashed.stdout.trim().split('\n').map((l) => l.split(' ')[0]);
    expect(h1).toBe(hashesA.a);
    expect(h2).toBe(hashesA.a);
    expect(h3).toBe(hashesA.b);
    expect(await fs.readFile(join(store, 'o', hashesA.b!, 'nonce'), 'utf8')).toBe(await fs.readFile(join(work, 'storeA', 'o', hashesA.b!, 'nonce'), 'utf8'));
    expect(await fs.readlink(join(store, 'o', hashesA.a!, 'absolute'))).toBe('/usr/bin/env');
    // The index remembers where it came from; a second realize is all cache hits.
    const again = await realizeInto(store);
    expect(again.stderr).toMatch(/CACHED +a/);
    expect(again.stderr).toMatch(/CACHED +b/);
  });

  it('pull substitutes every node without building, in dependency order', async () => {
    const store = fresh();
    const pulled = await run(['--store', store, 'pull', 'r.yaml', '--cache', url, '--trusted-key', publicLine]);
    expect(pulled.code, show(pulled)).toBe(0);
    expect(pulled.stdout).toMatch(/^FETCHED a from/m);
    expect(pulled.stdout).toMatch(/^FETCHED b from/m);
    const after = await realizeInto(store);
    expect(after.code, show(after)).toBe(0);
    expect(after.stderr).toMatch(/CACHED +a/);
    expect(after.stderr).toMatch(/CACHED +b/);
    expect(outputsOf(after)).toEqual(hashesA);
    const again = await run(['--store', store, 'pull', 'r.yaml', '--cache', url, '--trusted-key', publicLine]);
    expect(again.stdout).toMatch(/^CACHED +a/m);
    // A cache without the entries: nothing to fetch, b waits on a.
    const none = await run(['--store', fresh(), 'pull', 'r.yaml', '--cache', `${nginx.origin}/empty`, '--trusted-key', publicLine]);
    expect(none.code, show(none)).toBe(0);
    expect(none.stdout).toMatch(/^MISSING a/m);
    expect(none.stdout).toMatch(/^WAITING b/m);
  });

  it('a flipped byte in an archive is refused and the node is built instead', async () => {
    const entry = await readEntry('team/r4l', keys.a!);
    const file = casFile('team/r4l', entry.outputs.out!.cas);
    const original = await fs.readFile(file);
    const flipped = Buffer.from(original);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
    await fs.writeFile(file, flipped);
    try {
      const result = await realizeInto(fresh(), '--substituter', url, '--trusted-key', publicLine);
      expect(result.code, show(result)).toBe(0);
      expect(result.stderr).toMatch(new RegExp(`refused ${url}/cas/${entry.outputs.out!.cas}.*hashes to`));
      expect(result.stderr).toMatch(/BUILT +a/);
      // a rebuilds to the same bytes, so b keeps its key and is still fetched.
      expect(result.stderr).toMatch(/FETCHED +b/);
      expect(outputsOf(result)).toEqual(hashesA);
    } finally {
      await fs.writeFile(file, original);
    }
  });

  it('a forged entry (another output hash, the old signature) is refused and the node is built', async () => {
    const file = acFile('team/r4l', keys.b!);
    const original = await fs.readFile(file, 'utf8');
    const entry = JSON.parse(original) as CacheEntry;
    const a = await readEntry('team/r4l', keys.a!);
    // Point b at a's (valid, existing) archive, keeping b's signature.
    entry.outputs.out = a.outputs.out!;
    await fs.writeFile(file, JSON.stringify(entry));
    try {
      const result = await realizeInto(fresh(), '--substituter', url, '--trusted-key', publicLine);
      expect(result.code, show(result)).toBe(0);
      expect(result.stderr).toMatch(/refused .*signature by ci-1 does not verify/);
      expect(result.stderr).toMatch(/FETCHED +a/);
      expect(result.stderr).toMatch(/BUILT +b/);
      expect(outputsOf(result).b).not.toBe(hashesA.b);
      expect(outputsOf(result).b).not.toBe(hashesA.a);
    } finally {
      await fs.writeFile(file, original);
    }
  });

  it('an entry signed only by an untrusted key is refused and the node is built', async () => {
    const other = `${nginx.origin}/untrusted`;
    const pushed = await run(['--store', join(work, 'storeA'), 'push', 'r.yaml', '--cache', other, '--sign', 'keys/other.secret']);
    expect(pushed.code, show(pushed)).toBe(0);
    const result = await realizeInto(fresh(), '--substituter', other, '--trusted-key', publicLine);
    expect(result.code, show(result)).toBe(0);
    expect(result.stderr).toMatch(/signed only by untrusted keys \(other\)/);
    expect(result.stderr).toMatch(/BUILT +a/);
    expect(result.stderr).toMatch(/BUILT +b/);
    // With no trusted key at all: refused with the hint, and built.
    const none = await realizeInto(fresh(), '--substituter', url);
    expect(none.code, show(none)).toBe(0);
    expect(none.stderr).toMatch(/no trusted public key: add --trusted-key/);
    expect(none.stderr).toMatch(/BUILT +a/);
  });

  it('an archive that would unpack outside its directory is refused, even when signed', async () => {
    const prefix = 'evil';
    const s = (value: string): Buffer => {
      const bytes = Buffer.from(value);
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(bytes.length));
      return Buffer.concat([len, bytes, Buffer.alloc((8 - (bytes.length % 8)) % 8)]);
    };
    const file = Buffer.concat(['(', 'type', 'regular', 'contents', 'pwned', ')'].map(s));
    const nar = Buffer.concat([...['nix-archive-1', '(', 'type', 'directory', 'entry', '(', 'name', '..', 'node'].map(s), file, s(')'), s(')')]);
    const archive = gzipSync(nar);
    const cas = createHash('sha256').update(archive).digest('hex');
    await fs.mkdir(join(nginx.root, prefix, 'cas'), { recursive: true });
    await fs.mkdir(join(nginx.root, prefix, 'ac'), { recursive: true });
    await fs.writeFile(casFile(prefix, cas), archive);
    const secret = await loadSecretKey(join(work, 'keys', 'ci-1.secret'));
    const entry = signEntry({ version: 1, key: keys.a!, kind: 'command', builderVersion: 1, outputs: { out: { hash: createHash('sha256').update(nar).digest('hex'), cas, size: archive.length } } }, secret);
    await fs.writeFile(acFile(prefix, keys.a!), JSON.stringify(entry));
    const store = fresh();
    const result = await realizeInto(store, '--substituter', `${nginx.origin}/${prefix}`, '--trusted-key', publicLine);
    expect(result.code, show(result)).toBe(0);
    expect(result.stderr).toMatch(/refused .*path traversal refused/);
    expect(result.stderr).toMatch(/BUILT +a/);
    expect(await fs.readdir(join(store, 'tmp'))).toEqual([]);
    expect((await fs.readdir(store)).sort()).not.toContain('pwned');
  });

  it('substituters and trusted keys come from r4l.config.json; --substituter replaces the list', async () => {
    const config = join(work, 'r4l.config.json');
    await fs.writeFile(config, JSON.stringify({ substituters: [url], trustedKeys: [publicLine] }));
    try {
      const fetched = await realizeInto(fresh());
      expect(fetched.code, show(fetched)).toBe(0);
      expect(fetched.stderr).toMatch(/FETCHED +a/);
      expect(fetched.stderr).toMatch(/FETCHED +b/);
      const closed = `http://127.0.0.1:${await freePort()}/nothing`;
      const replaced = await realizeInto(fresh(), '--substituter', closed);
      expect(replaced.stderr).toMatch(/BUILT +a/);
      expect(replaced.stderr).toContain(closed);
    } finally {
      await fs.rm(config, { force: true });
    }
    const fromEnv = await realizeInto(fresh(), '--substituter', url);
    expect(fromEnv.stderr).toMatch(/no trusted public key/);
    const envKeys = await run(['--store', fresh(), 'realize', 'r.yaml', '--no-link', '--substituter', url], { R4L_TRUSTED_KEYS: `${otherPublic} ${publicLine}` });
    expect(envKeys.stderr).toMatch(/FETCHED +a/);
  });

  it('a cache that is down (closed port, or nginx stopped) means building, with the URL in the message', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/cache`;
    const refused = await realizeInto(fresh(), '--substituter', closed, '--trusted-key', publicLine);
    expect(refused.code, show(refused)).toBe(0);
    expect(refused.stderr).toContain(`remote cache ${closed}: GET /ac/${keys.a}: connection refused`);
    expect(refused.stderr).toMatch(/BUILT +a/);
    expect(refused.stderr).toMatch(/BUILT +b/);
    await nginx.stop();
    try {
      const down = await realizeInto(fresh(), '--substituter', url, '--trusted-key', publicLine);
      expect(down.code, show(down)).toBe(0);
      expect(down.stderr).toContain(`remote cache ${url}`);
      expect(down.stderr).toMatch(/BUILT +a/);
      const plan = await run(['--store', fresh(), 'plan', 'r.yaml', '--json', '--substituter', url, '--trusted-key', publicLine]);
      expect(plan.code, show(plan)).toBe(0);
      expect((JSON.parse(plan.stdout) as { state: string }[])[0]!.state).toBe('build');
      const push = await run(['--store', join(work, 'storeA'), 'push', 'r.yaml', '--cache', url, '--sign', 'keys/ci-1.secret']);
      expect(push.code).toBe(3);
      expect(push.stdout).toContain(`remote cache ${url}`);
    } finally {
      await nginx.start();
    }
    const back = await realizeInto(fresh(), '--substituter', url, '--trusted-key', publicLine);
    expect(back.stderr).toMatch(/FETCHED +a/);
  });
});

// The remote cache on the command line:
//   r4l key generate NAME [--dir DIR] [--force]   ed25519 key pair: NAME.secret (0600), NAME.public
//   r4l key public SECRETFILE                      print the public line of a secret key
//   r4l push RECIPE [NODE…] --cache URL --sign KEYFILE   upload realised nodes, signed
//   r4l pull RECIPE [NODE…] [--cache URL…]         substitute what a cache has, build nothing
// and `--trusted-key NAME:BASE64|FILE` (repeatable) on realize, plan and graph.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadGraph, openStore, openStoreIndex, type GlobalOptions } from '../context.js';
import { planGraph } from '../../graph/plan.js';
import { EXIT, R4lError } from '../../errors.js';
import { short } from '../../util/hash.js';
import { generateKeyPair, loadSecretKey, publicKeyText } from '../../cache/keys.js';
import { CacheClient } from '../../cache/http.js';
import { pushAll, type PushItem } from '../../cache/push.js';
import { pullGraph, type PullNodeResult } from '../../cache/pull.js';
import { substitutersFrom } from '../../cache/config.js';
import type { Realisation } from '../../index/index.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function mib(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

function stamp(text: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

interface PushFlags extends GlobalOptions {
  cache?: string;
  sign?: string;
  jobs?: string;
}

interface PullFlags extends GlobalOptions {
  cache?: string[];
  trustedKey?: string[];
  jobs?: string;
}

export function registerCache(program: Command): void {
  const key = program.command('key').description('ed25519 signing keys for the remote cache');
  key
    .command('generate')
    .description('create a key pair: NAME.secret (mode 0600, for --sign) and NAME.public (one line NAME:BASE64, for --trusted-key); prints the public line')
    .argument('<name>', 'key name, e.g. ci-1 (it is written into every signature)')
    .option('--dir <dir>', 'directory to write the two files to', '.')
    .option('--force', 'overwrite an existing NAME.secret')
    .action(async (name: string, flags: { dir: string; force?: boolean }) => {
      const pair = generateKeyPair(name);
      const secretFile = path.resolve(flags.dir, `${name}.secret`);
      const publicFile = path.resolve(flags.dir, `${name}.public`);
      await fs.mkdir(path.dirname(secretFile), { recursive: true });
      try {
        await fs.writeFile(secretFile, pair.secretText, { mode: 0o600, flag: flags.force ? 'w' : 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new R4lError('usage', `${secretFile} exists`, 'pick another name, or pass --force to replace the key (entries it signed will no longer verify)');
        throw error;
      }
      await fs.chmod(secretFile, 0o600);
      await fs.writeFile(publicFile, pair.publicText);
      process.stderr.write(`wrote ${secretFile} (keep it secret; pass it to push --sign)\nwrote ${publicFile} (give it to --trusted-key, or trustedKeys in r4l.config.json)\n`);
      process.stdout.write(pair.publicText);
    });
  key
    .command('public')
    .description('print the public line (NAME:BASE64) of a secret key file')
    .argument('<secret-file>', 'NAME.secret')
    .action(async (file: string) => {
      process.stdout.write(publicKeyText((await loadSecretKey(file)).publicKey) + '\n');
    });

  program
    .command('push')
    .description('upload the realised nodes of a recipe (all, or the named ones and what they need) to a remote cache, signed')
    .argument('<recipe>', 'recipe file')
    .argument('[nodes...]', 'nodes to push (default: every realised node of the recipe)')
    .option('--cache <url>', 'the cache: http(s)://HOST[:PORT][/PATH] (default: $R4L_CACHE)')
    .option('--sign <keyfile>', 'secret key to sign entries with, from `r4l key generate` (default: $R4L_SIGNING_KEY)')
    .option('-j, --jobs <n>', 'nodes uploaded at once', '4')
    .action(async (recipe: string, nodes: string[], _f: unknown, command: Command) => {
      process.exitCode = await runPush(recipe, nodes, command.optsWithGlobals<PushFlags>());
    });

  program
    .command('pull')
    .description('fetch every node of a recipe that a cache has (checked and signed), building nothing')
    .argument('<recipe>', 'recipe file')
    .argument('[nodes...]', 'only these nodes and what they need')
    .option('--cache <url>', 'cache to pull from (repeatable; default: the substituters of the config, see `realize --substituter`)', collect)
    .option('--trusted-key <key>', 'public key whose signatures are trusted: NAME:BASE64 or a NAME.public file (repeatable; also R4L_TRUSTED_KEYS and config trustedKeys)', collect)
    .option('-j, --jobs <n>', 'nodes fetched at once', '4')
    .action(async (recipe: string, nodes: string[], _f: unknown, command: Command) => {
      process.exitCode = await runPull(recipe, nodes, command.optsWithGlobals<PullFlags>());
    });
}

async function runPush(recipe: string, nodes: string[], flags: PushFlags): Promise<number> {
  const url = flags.cache ?? process.env.R4L_CACHE;
  if (!url) throw new R4lError('usage', 'push needs a cache', 'pass --cache http(s)://HOST[:PORT][/PATH] (or set R4L_CACHE)');
  const keyFile = flags.sign ?? process.env.R4L_SIGNING_KEY;
  if (!keyFile) throw new R4lError('usage', 'push needs a signing key: unsigned entries are refused by every reader', 'create one with `r4l key generate NAME`, then pass --sign NAME.secret (or set R4L_SIGNING_KEY)');
  const secret = await loadSecretKey(keyFile);
  const client = new CacheClient(url);
  const store = await openStore(flags);
  const index = await openStoreIndex(store, flags);
  try {
    const graph = await loadGraph(recipe, store);
    const plan = await planGraph(graph, store, index, nodes);
    const items: PushItem[] = [];
    let unrealised = 0;
    for (const entry of plan) {
      const realisation: Realisation | undefined = entry.state === 'cached' && entry.key ? await index.get(entry.key) : undefined;
      if (realisation) items.push({ name: entry.name, realisation });
      else {
        unrealised++;
        process.stdout.write(`SKIP    ${entry.name} (not realised in ${store.root}; realize it first)\n`);
      }
    }
    stamp(`pushing ${items.length} node(s) to ${client.url}, signed by ${secret.name}`);
    const results = await pushAll(items, { client, store, secret, say: stamp, jobs: Math.max(1, Number(flags.jobs) || 4) });
    let failed = 0;
    let uploaded = 0;
    for (const r of results) {
      if (r.status === 'failed') {
        failed++;
        process.stdout.write(`FAILED  ${r.name}: ${r.message}\n`);
      } else {
        uploaded += r.bytes;
        const word = r.status === 'uploaded' ? 'PUSHED ' : r.status === 'signed' ? 'SIGNED ' : 'PRESENT';
        process.stdout.write(`${word} ${r.name} ${short(r.key)}${r.archives ? ` (${r.archives} archive(s), ${mib(r.bytes)})` : ''}\n`);
      }
    }
    process.stderr.write(`${results.length - failed} pushed or present, ${failed} failed, ${unrealised} not realised; ${mib(uploaded)} uploaded to ${client.url}\n`);
    if (failed) return EXIT.infra;
    return nodes.length && unrealised ? EXIT.failed : EXIT.ok;
  } finally {
    await index.close();
  }
}

const PULL_WORD: Record<PullNodeResult['status'], string> = {
  cached: 'CACHED ',
  fetched: 'FETCHED',
  missing: 'MISSING',
  refused: 'REFUSED',
  'after-deps': 'WAITING',
};

async function runPull(recipe: string, nodes: string[], flags: PullFlags): Promise<number> {
  const store = await openStore(flags);
  await store.cleanAbandonedScratch();
  const index = await openStoreIndex(store, flags);
  try {
    const substituters = await substitutersFrom(flags.cache ?? [], store, { trustedKeys: flags.trustedKey ?? [] });
    if (!substituters.length) throw new R4lError('usage', 'pull needs a cache', 'pass --cache URL, or list substituters in r4l.config.json (see docs)');
    const graph = await loadGraph(recipe, store);
    const results = await pullGraph(graph, {
      store,
      index,
      substituters,
      targets: nodes,
      say: stamp,
      jobs: Math.max(1, Number(flags.jobs) || 4),
      onNode: (r) => {
        const tail = r.status === 'refused' ? `: ${r.message}` : r.status === 'after-deps' ? ' (a dependency is in no cache)' : r.status === 'fetched' ? ` from ${r.from} in ${(r.durationMs / 1000).toFixed(1)}s` : '';
        process.stdout.write(`${PULL_WORD[r.status]} ${r.name}${tail}\n`);
      },
    });
    const counts: Record<string, number> = {};
    for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
    process.stderr.write(`${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}\n`);
    return results.some((r) => r.status === 'refused') ? EXIT.failed : EXIT.ok;
  } finally {
    await index.close();
  }
}

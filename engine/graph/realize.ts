// The executor: runs what the analyzer produced. Each node: wait for its dependencies, compute
// its key from their output hashes, then use the index, a substituter, or build it in the
// sandbox under a per-key lock, and add the outputs to the store atomically.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import PQueue from 'p-queue';
import type { Graph, GraphNode } from './graph.js';
import { closureOf } from './graph.js';
import { keyOf, type KeyedNode } from './inputs.js';
import type { Store } from '../store/store.js';
import { acquireLock } from '../store/lock.js';
import type { Index, Realisation } from '../index/index.js';
import type { NodeKey, OutputHash } from '../util/hash.js';
import { BuildFailure, type BuildContext, type InputPaths } from '../builders/types.js';
import { runInSandbox, type SandboxSpec } from '../sandbox/run.js';
import type { BwrapCommand } from '../sandbox/bwrap.js';
import { removeTree } from '../util/fs.js';
import { R4lError, explainFsError } from '../errors.js';
import { fixedKey, type FixedOutput } from './key.js';
import type { Reporter } from '../ui/reporter.js';
import type { Substituter } from '../cache/substituter.js';
import type { XzDecoder } from '../debian/deb.js';

export type NodeStatus = 'cached' | 'built' | 'substituted' | 'failed' | 'skipped';

export interface NodeResult {
  name: string;
  kind: string;
  status: NodeStatus;
  key?: NodeKey;
  outputs?: Record<string, OutputHash>;
  durationMs: number;
  failure?: { reason: string; message: string; context: string[]; hint?: string; log?: string };
  /** For skipped nodes: the dependency that failed. */
  because?: string;
  summary?: string[];
}

export interface RealizeOptions {
  store: Store;
  index: Index;
  bwrap: () => Promise<BwrapCommand>;
  reporter: Reporter;
  jobs: number;
  keepGoing: boolean;
  targets: string[];
  rerunTests?: boolean;
  substituters?: Substituter[];
  mirror?: string;
  signal: AbortSignal;
  /** Set while realising r4l's own bootstrap closures: they unpack without the native tools. */
  bootstrap?: boolean;
  /** Build these nodes again even when cached, into scratch, without touching the store (r4l check). */
  rebuild?: Set<string>;
  /** Receives the scratch outputs of rebuilt nodes (check compares them; it owns their removal). */
  onRebuilt?: (name: string, outputs: Record<string, string>, hashes: Record<string, OutputHash>, cached: Realisation) => Promise<void>;
}

export interface RealizeResult {
  results: Map<string, NodeResult>;
  ok: boolean;
}

/** Realises the target nodes and their dependencies. */
export async function realize(graph: Graph, opts: RealizeOptions): Promise<RealizeResult> {
  const names = closureOf(graph, opts.targets);
  const results = new Map<string, NodeResult>();
  const outputsOf = new Map<string, Record<string, OutputHash>>();
  const queue = new PQueue({ concurrency: Math.max(1, opts.jobs) });
  let running = 0;
  let stopped = false;
  const done = new Map<string, Promise<NodeResult>>();
  let xzTool: Promise<XzDecoder | undefined> | undefined;
  /** The native xz decoder (from its pinned closure), or undefined to use the library's. */
  const xz = (): Promise<XzDecoder | undefined> => {
    if (opts.bootstrap) return Promise.resolve(undefined);
    xzTool ??= (async () => {
      const [{ bootstrapXz }, { nativeXz }] = await Promise.all([import('../sandbox/bootstrap.js'), import('../debian/native-xz.js')]);
      return nativeXz(await bootstrapXz(opts.store, opts.index, opts.mirror));
    })().catch((error: unknown) => {
      opts.reporter.message(`native xz unavailable (${(error as Error).message}); unpacking with the slower built-in decoder`);
      return undefined;
    });
    return xzTool;
  };

  const runNode = async (node: GraphNode): Promise<NodeResult> => {
    const depResults = await Promise.all(node.deps.map((d) => done.get(d)!));
    const broken = depResults.find((r) => r.status === 'failed' || r.status === 'skipped');
    if (broken || (stopped && !opts.keepGoing)) {
      const because = broken ? (broken.status === 'skipped' ? broken.because ?? broken.name : broken.name) : 'an earlier node failed (use --keep-going to build the rest)';
      const result: NodeResult = { name: node.name, kind: node.kind, status: 'skipped', durationMs: 0, because };
      opts.reporter.nodeFinished(result);
      return result;
    }
    return queue.add(async () => {
      if (stopped && !opts.keepGoing) {
        const result: NodeResult = { name: node.name, kind: node.kind, status: 'skipped', durationMs: 0, because: 'an earlier node failed (use --keep-going to build the rest)' };
        opts.reporter.nodeFinished(result);
        return result;
      }
      running++;
      try {
        return await realizeOne(node);
      } finally {
        running--;
      }
    }) as Promise<NodeResult>;
  };

  const realizeOne = async (node: GraphNode): Promise<NodeResult> => {
    const started = Date.now();
    const keyed = await keyOf(node, (n) => outputsOf.get(n));
    if (!keyed) throw new Error(`internal: key of ${node.name} unknown after its dependencies`);
    const finish = (result: NodeResult): NodeResult => {
      if (result.outputs) outputsOf.set(node.name, result.outputs);
      if (result.status === 'failed') stopped = true;
      opts.reporter.nodeFinished(result);
      return result;
    };
    try {
      const cached = await lookup(keyed.key);
      const rerun = opts.rerunTests && node.builder.rerunnable;
      if (cached && !rerun && !opts.rebuild?.has(node.name)) {
        return finish({ name: node.name, kind: node.kind, status: 'cached', key: keyed.key, outputs: cached.outputs, durationMs: Date.now() - started, summary: await summarize(node, cached.outputs) });
      }
      if (cached && opts.rebuild?.has(node.name)) {
        const fresh = await build(node, keyed, started, { keepInScratch: true, cached });
        if (fresh.status === 'built') fresh.outputs = cached.outputs;
        return finish(fresh);
      }
      if (!rerun) {
        for (const substituter of opts.substituters ?? []) {
          const got = await substituter.fetch(keyed.key, opts.store, (line) => opts.reporter.message(line)).catch((error: unknown) => {
            opts.reporter.message(`substituter ${substituter.url}: ${(error as Error).message}; building ${node.name} instead`);
            return undefined;
          });
          if (got) {
            await opts.index.set({ ...got, substitutedFrom: substituter.url });
            await opts.store.writeRecord(keyed.key, { node: node.name, recipe: graph.recipe.rootFile, record: keyed.record });
            await rememberLast(node.name, keyed.key);
            return finish({ name: node.name, kind: node.kind, status: 'substituted', key: keyed.key, outputs: got.outputs, durationMs: Date.now() - started, summary: await summarize(node, got.outputs) });
          }
        }
      }
      const release = await acquireLock(path.join(opts.store.root, 'locks'), keyed.key, (pid) => opts.reporter.message(`${node.name}: waiting for process ${pid}, which is building the same key`), opts.signal);
      try {
        const again = rerun ? undefined : await lookup(keyed.key);
        if (again) return finish({ name: node.name, kind: node.kind, status: 'cached', key: keyed.key, outputs: again.outputs, durationMs: Date.now() - started, summary: await summarize(node, again.outputs) });
        return finish(await build(node, keyed, started, {}));
      } finally {
        await release();
      }
    } catch (error) {
      if (error instanceof R4lError && error.exitCode === 2) throw error;
      const message = error instanceof Error ? error.message : String(error);
      // Library errors (R4lError, DebianError, cache errors) carry a kebab-case reason and a hint.
      const { reason, hint } = error as { reason?: unknown; hint?: unknown };
      return finish({ name: node.name, kind: node.kind, status: 'failed', key: keyed.key, durationMs: Date.now() - started, failure: { reason: typeof reason === 'string' ? reason : 'internal', message, context: [], hint: typeof hint === 'string' ? hint : undefined } });
    }
  };

  /** A realisation that is usable: in the index, and every output present in the store. */
  const lookup = async (key: NodeKey): Promise<Realisation | undefined> => {
    const hit = await opts.index.get(key);
    if (!hit) return undefined;
    for (const hash of Object.values(hit.outputs)) if (!(await opts.store.has(hash))) return undefined;
    // A use restarts the object's gc keep window.
    for (const hash of Object.values(hit.outputs)) await opts.store.touch(hash);
    return hit;
  };

  const summarize = async (node: GraphNode, outputs: Record<string, OutputHash>): Promise<string[] | undefined> =>
    node.builder.summary?.(Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, opts.store.objectPath(v)])));

  const inputPaths = async (node: GraphNode, keyed: KeyedNode): Promise<Record<string, InputPaths>> => {
    const paths: Record<string, InputPaths> = {};
    for (const [name, input] of node.inputs) {
      if ('path' in input) {
        const hash = keyed.pathHashes[name]!;
        await addLocalPath(input.path, hash);
        paths[name] = { outputs: { out: opts.store.objectPath(hash) }, out: opts.store.objectPath(hash), label: input.label };
      } else {
        const outputs = outputsOf.get(input.node)!;
        const hosts = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, opts.store.objectPath(v)]));
        paths[name] = { outputs: hosts, out: hosts.out ?? Object.values(hosts)[0]!, label: input.node };
      }
    }
    return paths;
  };

  const addLocalPath = async (full: string, hash: OutputHash): Promise<void> => {
    if (await opts.store.has(hash)) return;
    const scratch = await opts.store.newScratch('path');
    try {
      const copy = path.join(scratch, 'p');
      await fs.cp(full, copy, { recursive: true, verbatimSymlinks: true });
      const added = await opts.store.add(copy);
      if (added !== hash) throw new R4lError('hash-mismatch', `${full} changed while r4l was reading it`, 'run again once the file stops changing');
    } finally {
      await removeTree(scratch);
    }
  };

  const build = async (node: GraphNode, keyed: KeyedNode, started: number, mode: { keepInScratch?: boolean; cached?: Realisation }): Promise<NodeResult> => {
    const scratch = await opts.store.newScratch(node.name);
    let keepScratch = false;
    const logFile = mode.keepInScratch ? path.join(scratch, 'build.log') : opts.store.logPath(keyed.key);
    try {
      await fs.rm(logFile, { force: true });
      opts.reporter.nodeStarted(node.name, node.kind, mode.keepInScratch ? 'check' : 'build');
      const outputs: Record<string, string> = {};
      for (const out of node.builder.outputs(node.recipeNode.params as never)) {
        outputs[out] = path.join(scratch, `out-${out}`);
        await fs.mkdir(outputs[out]!, { recursive: true });
      }
      const buildDir = path.join(scratch, 'build');
      await fs.mkdir(buildDir);
      const controller = new AbortController();
      const onAbort = (): void => controller.abort();
      opts.signal.addEventListener('abort', onAbort);
      const logLines: string[] = [];
      let logError: unknown;
      const log = (line: string): void => {
        logLines.push(line);
        opts.reporter.nodeLine(node.name, line);
        fs.appendFile(logFile, line + '\n').catch((error: unknown) => (logError ??= error));
      };
      // The last sandbox run's output: a command that died of a full disk says so there.
      let lastTail: string[] = [];
      const ctx: BuildContext = {
        name: node.name,
        params: node.recipeNode.params as never,
        inputs: await inputPaths(node, keyed),
        outputs,
        scratch: buildDir,
        jobs: Math.max(1, opts.jobs - (running - 1)),
        epoch: 1,
        extra: node.extra,
        log,
        signal: controller.signal,
        settings: { mirror: opts.mirror, fetchIntoStore: (fixed, fetcher) => fetchFixed(fixed, fetcher), xz },
        run: async (spec: Omit<SandboxSpec, 'logFile'>) => {
          const result = await runInSandbox(await opts.bwrap(), {
            ...spec,
            logFile,
            signal: spec.signal ? AbortSignal.any([spec.signal, controller.signal]) : controller.signal,
            onLine: (line) => {
              opts.reporter.nodeLine(node.name, line);
              spec.onLine?.(line);
            },
          });
          lastTail = result.tail;
          return result;
        },
      };
      try {
        await node.builder.build(ctx as never);
      } catch (error) {
        if (error instanceof BuildFailure && lastTail.some((l) => l.includes(NO_SPACE))) {
          throw new BuildFailure('no-space', `${error.message}: the disk holding the store is full (${NO_SPACE})`, error.context, 'free some space (or run `r4l gc`), or move the store with --store DIR; nothing of this build was kept');
        }
        throw error;
      } finally {
        opts.signal.removeEventListener('abort', onAbort);
      }
      if (logError) throw explainFsError(logError, `the log of node ${node.name}`);
      if (opts.signal.aborted) throw new BuildFailure('cancelled', 'interrupted');
      if (mode.keepInScratch && mode.cached) {
        const { narHash } = await import('../store/nar.js');
        const hashes: Record<string, OutputHash> = {};
        for (const [name, dir] of Object.entries(outputs)) hashes[name] = await narHash(dir);
        keepScratch = true;
        await opts.onRebuilt?.(node.name, outputs, hashes, mode.cached);
        return { name: node.name, kind: node.kind, status: 'built', key: keyed.key, durationMs: Date.now() - started };
      }
      const hashes: Record<string, OutputHash> = {};
      for (const [name, dir] of Object.entries(outputs)) hashes[name] = await opts.store.add(dir);
      await opts.store.writeRecord(keyed.key, { node: node.name, recipe: graph.recipe.rootFile, record: keyed.record });
      const realisation: Realisation = {
        key: keyed.key,
        outputs: hashes,
        kind: node.kind,
        builderVersion: node.builder.version,
        durationMs: Date.now() - started,
        log: logFile,
        builtAt: new Date().toISOString(),
      };
      await opts.index.set(realisation);
      await rememberLast(node.name, keyed.key);
      return { name: node.name, kind: node.kind, status: 'built', key: keyed.key, outputs: hashes, durationMs: Date.now() - started, summary: await summarize(node, hashes) };
    } catch (error) {
      const fsError = explainFsError(error, `node ${node.name}`);
      if (fsError instanceof R4lError) throw fsError;
      if (error instanceof BuildFailure) {
        return { name: node.name, kind: node.kind, status: 'failed', key: keyed.key, durationMs: Date.now() - started, failure: { reason: error.reason, message: error.message, context: error.context, hint: error.hint, log: logFile } };
      }
      throw error;
    } finally {
      if (!keepScratch) await removeTree(scratch).catch(() => undefined);
    }
  };

  /** A fixed-output object named by its sha256 (a .deb): from the store, or fetched once. */
  const fetchFixed = async (fixed: FixedOutput, fetcher: (dir: string) => Promise<void>): Promise<string> => {
    const key = fixedKey(fixed);
    const hit = await lookup(key);
    if (hit) return opts.store.objectPath(hit.outputs.out!);
    const scratch = await opts.store.newScratch('fetch');
    try {
      const dir = path.join(scratch, 'out');
      await fs.mkdir(dir);
      await fetcher(dir);
      const hash = await opts.store.add(dir);
      await opts.index.set({ key, outputs: { out: hash }, kind: 'fixed', builderVersion: 1, durationMs: 0, builtAt: new Date().toISOString() });
      return opts.store.objectPath(hash);
    } catch (error) {
      throw explainFsError(error, `a download into ${opts.store.root}`);
    } finally {
      await removeTree(scratch).catch(() => undefined);
    }
  };

  /** Remembers the last realised key of each node of this recipe (for `r4l why`). */
  const rememberLast = async (name: string, key: NodeKey): Promise<void> => {
    const { writeFileAtomic } = await import('../util/fs.js');
    const { sha256Hex } = await import('../util/hash.js');
    await writeFileAtomic(path.join(opts.store.root, 'last', sha256Hex(`${graph.recipe.rootFile}\0${name}`) + '.json'), JSON.stringify({ recipe: graph.recipe.rootFile, node: name, key }) + '\n');
  };

  for (const name of names) {
    const node = graph.nodes.get(name)!;
    done.set(name, runNode(node));
  }
  const all = await Promise.all(names.map((n) => done.get(n)!));
  for (const r of all) results.set(r.name, r);
  return { results, ok: all.every((r) => r.status !== 'failed' && r.status !== 'skipped') };
}

/** strerror(ENOSPC), as a build tool inside the sandbox prints it. */
const NO_SPACE = 'No space left on device';

/** Default --jobs: the machine's cores. */
export function defaultJobs(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

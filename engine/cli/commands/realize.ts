// `r4l realize RECIPE [NODE…]`: build what is missing, print output paths, link result-<node>.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { bwrapProvider, loadGraph, openStore, openStoreIndex, substituterOptions, type GlobalOptions, type SubstituterFlags } from '../context.js';
import { defaultJobs, realize } from '../../graph/realize.js';
import { makeReporter } from '../../ui/reporter.js';
import { failureText } from '../output.js';
import { EXIT, isInfrastructureReason } from '../../errors.js';
import { abortOnInterrupt } from '../interrupt.js';
import { sha256Hex } from '../../util/hash.js';
import { substitutersFrom } from '../../cache/config.js';

export interface RealizeFlags extends GlobalOptions, SubstituterFlags {
  jobs?: string;
  keepGoing?: boolean;
  rerunTests?: boolean;
  link?: boolean;
  verbose?: boolean;
}

export function registerRealize(program: Command): void {
  const command = program
    .command('realize')
    .description('build the nodes of a recipe (all, or the named ones and what they need) and print their output paths')
    .argument('<recipe>', 'recipe file (YAML)')
    .argument('[nodes...]', 'nodes to realize (default: all)')
    .option('-j, --jobs <n>', 'parallel jobs, shared between concurrent nodes and passed to make', String(defaultJobs()))
    .option('-k, --keep-going', 'build everything that does not depend on a failed node')
    .option('--rerun-tests', 'boot again even when a verdict is cached')
    .option('--no-link', 'do not create result-<node> links')
    .option('-v, --verbose', 'print every log line (non-TTY output)');
  substituterOptions(command).action(async (recipe: string, nodes: string[], _flags: RealizeFlags, command: Command) => {
      process.exitCode = await runRealize(recipe, nodes, command.optsWithGlobals<RealizeFlags>());
    });
}

export async function runRealize(recipe: string, nodes: string[], flags: RealizeFlags): Promise<number> {
  const store = await openStore(flags);
  await store.cleanAbandonedScratch();
  const index = await openStoreIndex(store, flags);
  const reporter = makeReporter(flags.verbose);
  const controller = new AbortController();
  const restoreSignals = abortOnInterrupt(controller, (line) => reporter.message(line));
  try {
    const graph = await loadGraph(recipe, store);
    const { results, ok } = await realize(graph, {
      store,
      index,
      bwrap: bwrapProvider(store, index, flags, (l) => reporter.message(l)),
      reporter,
      jobs: Math.max(1, Number(flags.jobs ?? defaultJobs()) || 1),
      keepGoing: Boolean(flags.keepGoing),
      rerunTests: Boolean(flags.rerunTests),
      targets: nodes,
      substituters: await substitutersFrom(flags.substituter ?? [], store, { trustedKeys: flags.trustedKey }),
      mirror: flags.mirror,
      signal: controller.signal,
    });
    reporter.close();
    const lines: string[] = [];
    for (const result of results.values()) {
      for (const [output, hash] of Object.entries(result.outputs ?? {})) {
        const target = store.objectPath(hash);
        const suffix = output === 'out' ? '' : `-${output}`;
        lines.push(`${result.name}${suffix} ${target}`);
        if (flags.link !== false && (nodes.length === 0 || nodes.includes(result.name))) await linkResult(store.root, `result-${result.name}${suffix}`, target);
      }
      for (const line of result.summary ?? []) lines.push(`${result.name}: ${line}`);
    }
    process.stdout.write(lines.join('\n') + (lines.length ? '\n' : ''));
    const failed = [...results.values()].filter((r) => r.status === 'failed');
    for (const result of failed) process.stderr.write(`\n${failureText(result)}\n`);
    const counts = countBy([...results.values()].map((r) => r.status));
    process.stderr.write(`${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}\n`);
    if (controller.signal.aborted) return EXIT.interrupted;
    if (failed.some((r) => r.failure && isInfrastructureReason(r.failure.reason))) return EXIT.infra;
    return ok ? EXIT.ok : EXIT.failed;
  } finally {
    reporter.close();
    restoreSignals();
    await index.close();
  }
}

function countBy(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[item] = (out[item] ?? 0) + 1;
  return out;
}

/** Creates ./result-<name> → store object, and registers it as a gc root. */
async function linkResult(storeRoot: string, linkName: string, target: string): Promise<void> {
  const link = path.resolve(linkName);
  const tmp = `${link}.tmp-${process.pid}`;
  await fs.rm(tmp, { force: true });
  await fs.symlink(target, tmp);
  await fs.rename(tmp, link);
  const root = path.join(storeRoot, 'roots', sha256Hex(link));
  await fs.rm(root, { force: true });
  await fs.symlink(link, root);
}

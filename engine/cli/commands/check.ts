// `r4l check RECIPE [NODE…]`: rebuild nodes ignoring the cache, in fresh scratch, and compare
// output hashes with the stored ones. A mismatch names every differing file and keeps the
// second output for inspection (and runs diffoscope on it when the host has it).
import path from 'node:path';
import type { Command } from 'commander';
import { execa } from 'execa';
import { bwrapProvider, loadGraph, openStore, openStoreIndex, type GlobalOptions } from '../context.js';
import { closureOf } from '../../graph/graph.js';
import { defaultJobs, realize } from '../../graph/realize.js';
import { makeReporter } from '../../ui/reporter.js';
import { compareTrees, type FileDifference } from '../../check/compare.js';
import { failureText } from '../output.js';
import { EXIT } from '../../errors.js';
import { abortOnInterrupt } from '../interrupt.js';
import { removeTree, writeFileAtomic } from '../../util/fs.js';
import { escapeXmlAttribute, escapeXmlText } from '../../boot/junit.js';

interface CheckFlags extends GlobalOptions {
  jobs?: string;
  report?: string;
  junit?: string;
  keep?: boolean;
}

export interface CheckedNode {
  name: string;
  kind: string;
  status: 'reproducible' | 'differs' | 'failed';
  outputs: { name: string; stored: string; rebuilt: string; kept?: string; differences: FileDifference[] }[];
  seconds: number;
  message?: string;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('rebuild nodes ignoring the cache and compare their output hashes with the stored ones (reproducibility)')
    .argument('<recipe>', 'recipe file')
    .argument('[nodes...]', 'nodes to check (default: every node of the recipe except fixed outputs and boot tests)')
    .option('-j, --jobs <n>', 'parallel jobs', String(defaultJobs()))
    .option('--report <file>', 'write a JSON report')
    .option('--junit <file>', 'write JUnit XML')
    .action(async (recipe: string, nodes: string[], _o: unknown, command: Command) => {
      process.exitCode = await runCheck(recipe, nodes, command.optsWithGlobals<CheckFlags>());
    });
}

async function runCheck(recipe: string, nodes: string[], flags: CheckFlags): Promise<number> {
  const store = await openStore(flags);
  const index = await openStoreIndex(store, flags);
  const reporter = makeReporter();
  let restoreSignals = (): void => undefined;
  try {
    const graph = await loadGraph(recipe, store);
    // Default: every built artifact. Fixed outputs are checked by their hash already, and a boot
    // test is a run, not an artifact (its result records timings): both only when named.
    const isArtifact = (n: string): boolean => {
      const node = graph.nodes.get(n)!;
      return !node.builder.fixedOutput?.(node.recipeNode.params as never) && !node.builder.rerunnable;
    };
    const targets = closureOf(graph, nodes).filter((n) => (nodes.length ? nodes.includes(n) : isArtifact(n)));
    const checked: CheckedNode[] = [];
    const controller = new AbortController();
    restoreSignals = abortOnInterrupt(controller, (line) => reporter.message(line));
    const { results, ok } = await realize(graph, {
      store,
      index,
      bwrap: bwrapProvider(store, index, flags, (l) => reporter.message(l)),
      reporter,
      jobs: Math.max(1, Number(flags.jobs) || 1),
      keepGoing: true,
      targets: nodes,
      signal: controller.signal,
      mirror: flags.mirror,
      rebuild: new Set(targets),
      onRebuilt: async (name, outputs, hashes, cached) => {
        const entry: CheckedNode = { name, kind: graph.nodes.get(name)!.kind, status: 'reproducible', outputs: [], seconds: 0 };
        let keep = false;
        for (const [out, dir] of Object.entries(outputs)) {
          const stored = cached.outputs[out];
          const same = stored === hashes[out];
          const differences = same || !stored ? [] : await compareTrees(store.objectPath(stored), dir);
          if (!same) keep = true;
          entry.outputs.push({ name: out, stored: stored ?? '(none)', rebuilt: hashes[out]!, ...(same ? {} : { kept: dir }), differences });
        }
        if (keep) entry.status = 'differs';
        else await removeTree(path.dirname(Object.values(outputs)[0]!));
        checked.push(entry);
      },
    });
    reporter.close();
    for (const c of checked) c.seconds = (results.get(c.name)?.durationMs ?? 0) / 1000;
    for (const r of results.values()) {
      if (r.status === 'failed') checked.push({ name: r.name, kind: r.kind, status: 'failed', outputs: [], seconds: r.durationMs / 1000, message: failureText(r) });
    }
    const differing = checked.filter((c) => c.status === 'differs');
    for (const c of checked.sort((a, b) => a.name.localeCompare(b.name))) {
      process.stdout.write(`${c.status === 'reproducible' ? 'OK     ' : c.status === 'differs' ? 'DIFFERS' : 'FAILED '} ${c.name}\n`);
      if (c.message) process.stdout.write(c.message + '\n');
      for (const o of c.outputs.filter((o) => o.kept)) {
        process.stdout.write(`  output ${o.name}: stored ${o.stored.slice(0, 12)}, rebuilt ${o.rebuilt.slice(0, 12)}; the rebuilt output is kept at ${o.kept}\n`);
        for (const d of o.differences) {
          const side = (s: FileDifference['stored']): string => (s ? `${s.type} ${s.size} bytes sha256 ${s.sha256.slice(0, 12)}` : 'absent');
          process.stdout.write(`    ${d.path}: stored ${side(d.stored)}; rebuilt ${side(d.rebuilt)}\n`);
        }
        await diffoscope(store.objectPath(o.stored as never), o.kept!);
      }
    }
    process.stdout.write(`${checked.length} checked: ${checked.length - differing.length - checked.filter((c) => c.status === 'failed').length} reproducible, ${differing.length} differ\n`);
    if (flags.report) await writeFileAtomic(flags.report, JSON.stringify({ recipe, checked }, null, 2) + '\n');
    if (flags.junit) await writeFileAtomic(flags.junit, checkJunit(checked));
    if (controller.signal.aborted) return EXIT.interrupted;
    return ok && differing.length === 0 ? EXIT.ok : EXIT.failed;
  } finally {
    restoreSignals();
    reporter.close();
    await index.close();
  }
}

/** Runs diffoscope on a differing output when the host has it (it is optional). */
async function diffoscope(stored: string, rebuilt: string): Promise<void> {
  const result = await execa('diffoscope', ['--text', '-', stored, rebuilt], { reject: false, stdout: 'pipe', stderr: 'ignore' }).catch(() => undefined);
  if (!result || result.failed && result.exitCode === undefined) return;
  if (typeof result.stdout === 'string' && result.stdout) process.stdout.write(result.stdout + '\n');
}

function checkJunit(checked: CheckedNode[]): string {
  const failures = checked.filter((c) => c.status !== 'reproducible').length;
  const cases = checked.map((c) => {
    const body = c.status === 'reproducible' ? '' : `<failure message="${escapeXmlAttribute(c.status === 'differs' ? 'output differs from the stored one' : 'rebuild failed')}">${escapeXmlText(c.message ?? c.outputs.flatMap((o) => o.differences.map((d) => d.path)).join('\n'))}</failure>`;
    return `    <testcase classname="r4l.check" name="${escapeXmlAttribute(c.name)}" time="${c.seconds.toFixed(1)}">${body}</testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="r4l check" tests="${checked.length}" failures="${failures}">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`;
}


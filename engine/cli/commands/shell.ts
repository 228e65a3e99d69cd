// `r4l shell RECIPE NODE [-- CMD…]`: a shell (or one command) in the node's sandbox: its
// toolchain as `/`, its inputs read-only under /in, a throw-away /build and /out (Nix's `nix develop`).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { bwrapProvider, loadGraph, openStore, openStoreIndex, type GlobalOptions } from '../context.js';
import { realize } from '../../graph/realize.js';
import { makeReporter } from '../../ui/reporter.js';
import { baseEnv, runInSandbox, type Bind } from '../../sandbox/run.js';
import { failureText } from '../output.js';
import { EXIT, R4lError } from '../../errors.js';
import { removeTree } from '../../util/fs.js';

export function registerShell(program: Command): void {
  program
    .command('shell')
    .description("run a shell (or CMD) inside a node's sandbox, as its builder sees it")
    .argument('<recipe>', 'recipe file')
    .argument('<node>', 'node name (a debian-packages node gives a shell in that closure)')
    .argument('[cmd...]', 'command to run instead of a shell (after --)')
    .action(async (recipe: string, node: string, cmd: string[], _o: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalOptions>();
      const store = await openStore(flags);
      const index = await openStoreIndex(store, flags);
      const reporter = makeReporter();
      try {
        const graph = await loadGraph(recipe, store);
        const target = graph.nodes.get(node);
        if (!target) throw new R4lError('unknown-node', `no node \`${node}\` in ${recipe}`, `nodes: ${[...graph.nodes.keys()].sort().join(', ')}`);
        const isClosure = target.kind === 'debian-packages';
        const needed = isClosure ? [node] : target.deps;
        const bwrap = bwrapProvider(store, index, flags, (l) => reporter.message(l));
        const { results, ok } = await realize(graph, { store, index, bwrap, reporter, jobs: 2, keepGoing: false, targets: needed, mirror: flags.mirror, signal: new AbortController().signal });
        reporter.close();
        if (!ok) {
          for (const r of results.values()) if (r.failure) process.stderr.write(failureText(r) + '\n');
          process.exitCode = EXIT.failed;
          return;
        }
        const outOf = (name: string): string => store.objectPath(results.get(name)!.outputs!.out!);
        let root: string | 'host' = 'host';
        const binds: Bind[] = [];
        if (isClosure) root = outOf(node);
        for (const [inputName, input] of target.inputs) {
          // A local file or directory: the builder sees its store copy, the same bytes.
          if (!('node' in input)) {
            binds.push({ host: input.path, dest: `/in/${inputName.replace(/^in\//, '')}` });
            continue;
          }
          if (inputName === 'toolchain') root = outOf(input.node);
          else binds.push({ host: outOf(input.node), dest: `/in/${inputName.replace(/^in\//, '')}` });
        }
        const scratch = await store.newScratch(`shell-${node}`);
        await fs.mkdir(path.join(scratch, 'build'));
        await fs.mkdir(path.join(scratch, 'out'));
        binds.push({ host: path.join(scratch, 'build'), dest: '/build', writable: true }, { host: path.join(scratch, 'out'), dest: '/out', writable: true });
        if (root === 'host') process.stderr.write(`r4l: impure: ${node} has no toolchain; the shell uses the host's /usr\n`);
        try {
          const result = await runInSandbox(await bwrap(), {
            root,
            binds,
            argv: cmd.length ? cmd : ['/bin/sh', '-i'],
            env: { ...baseEnv(1), TERM: process.env.TERM ?? 'dumb', PS1: `[r4l ${node}]$ ` },
            interactive: true,
          });
          process.exitCode = result.outcome.reason === 'ok' ? 0 : result.outcome.reason === 'exit-non-zero' ? result.outcome.exitCode : EXIT.failed;
        } finally {
          await removeTree(scratch);
        }
      } finally {
        reporter.close();
        await index.close();
      }
    });
}

// `r4l plan|graph RECIPE [NODE…]`: the DAG, with what is cached and what would be built.
import type { Command } from 'commander';
import { substituterOptions, withGraph, type GlobalOptions, type SubstituterFlags } from '../context.js';
import { planGraph, renderPlanDot, renderPlanText } from '../../graph/plan.js';
import { substitutersFrom } from '../../cache/config.js';

interface PlanFlags extends GlobalOptions, SubstituterFlags {
  json?: boolean;
  dot?: boolean;
}

export function registerPlan(program: Command): void {
  for (const [name, description, dot] of [
    ['plan', 'show what realize would do: each node with its key and state (cached, substitute, build)', false],
    ['graph', 'show the DAG (DOT by default; --json or --text)', true],
  ] as const) {
    program
      .command(name)
      .description(description)
      .argument('<recipe>', 'recipe file')
      .argument('[nodes...]', 'only these nodes and their dependencies')
      .option('--json', 'one JSON object per node: name, kind, key, state, deps')
      .option(dot ? '--text' : '--dot', dot ? 'plain text instead of DOT' : 'Graphviz DOT');
    substituterOptions(program.commands[program.commands.length - 1]!)
      .action(async (recipe: string, nodes: string[], _f: unknown, command: Command) => {
        const flags = command.optsWithGlobals<PlanFlags & { text?: boolean }>();
        await withGraph(recipe, flags, async (graph, store, index) => {
          const entries = await planGraph(graph, store, index, nodes, await substitutersFrom(flags.substituter ?? [], store, { trustedKeys: flags.trustedKey }));
          if (flags.json) process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
          else if (flags.dot || (dot && !flags.text)) process.stdout.write(renderPlanDot(entries) + '\n');
          else process.stdout.write(renderPlanText(entries) + '\n');
        });
      });
  }
}

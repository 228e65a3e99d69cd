// `r4l export RECIPE -o FILE.tar`: a recipe bundle another machine realises with `r4l realize FILE.tar`.
import type { Command } from 'commander';
import { loadGraph, openStore, type GlobalOptions } from '../context.js';
import { exportBundle } from '../../share/bundle.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('bundle a recipe, everything it imports and every local file its nodes read into one tar')
    .argument('<recipe>', 'recipe file')
    .requiredOption('-o, --output <file>', 'the bundle to write (FILE.tar)')
    .action(async (recipe: string, _o: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalOptions & { output: string }>();
      const graph = await loadGraph(recipe, await openStore(flags));
      const manifest = await exportBundle(graph, flags.output);
      process.stdout.write(`${flags.output}: ${Object.keys(manifest.files).length} files, root recipe ${manifest.recipe}\n`);
    });
}

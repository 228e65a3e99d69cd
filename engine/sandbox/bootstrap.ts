// Bootstraps bwrap from its pinned Debian closure when the host has none (recipes/bootstrap/):
// unpacking a debian-packages closure needs no sandbox, so the closure is realised like any node.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../store/store.js';
import type { Index } from '../index/index.js';
import { closureBwrap, type BwrapCommand } from './bwrap.js';
import { R4lError } from '../errors.js';
import { PlainReporter } from '../ui/reporter.js';

/** The recipe that pins the bubblewrap closure, shipped with r4l. */
export const BOOTSTRAP_RECIPE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../recipes/bootstrap/bwrap.yaml');

export async function bootstrapBwrap(store: Store, index: Index, mirror: string | undefined, say: (line: string) => void): Promise<BwrapCommand> {
  say('bwrap is not on PATH: using the pinned bubblewrap closure (recipes/bootstrap/bwrap.yaml)');
  const { loadRecipe } = await import('../recipe/load.js');
  const { analyze } = await import('../graph/graph.js');
  const { realize } = await import('../graph/realize.js');
  const graph = await analyze(await loadRecipe(BOOTSTRAP_RECIPE));
  const { results, ok } = await realize(graph, {
    store,
    index,
    bwrap: () => Promise.reject(new R4lError('sandbox-unavailable', 'the bubblewrap closure needs no sandbox to unpack')),
    reporter: new PlainReporter(process.stderr),
    jobs: 2,
    keepGoing: false,
    targets: ['bubblewrap'],
    mirror,
    signal: new AbortController().signal,
  });
  const result = results.get('bubblewrap');
  if (!ok || !result?.outputs?.out) {
    throw new R4lError('sandbox-unavailable', `bwrap is not on PATH and the pinned bubblewrap closure could not be fetched: ${result?.failure?.message ?? 'unknown error'}`, 'install bubblewrap (`apt-get install bubblewrap`), or check the Debian mirror (R4L_DEBIAN_MIRROR)');
  }
  return closureBwrap(store.objectPath(result.outputs.out));
}

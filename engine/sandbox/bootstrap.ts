// Tools r4l brings in itself from pinned Debian closures (recipes/bootstrap/), so nothing is taken
// from the host but Node: bwrap when PATH has none, and a native xz for unpacking .debs. Unpacking
// a debian-packages closure needs no sandbox, so these are realised like any node.
import { PACKAGE_ROOT } from '../util/package-root.js';
import path from 'node:path';
import type { Store } from '../store/store.js';
import type { Index } from '../index/index.js';
import { closureBwrap, type BwrapCommand } from './bwrap.js';
import { R4lError } from '../errors.js';
import { PlainReporter } from '../ui/reporter.js';

const BOOTSTRAP_DIR = path.join(PACKAGE_ROOT, 'recipes/bootstrap');

/** Realises one node of a bootstrap recipe and returns the host path of its tree. */
async function realizeBootstrap(recipe: string, node: string, store: Store, index: Index, mirror: string | undefined): Promise<string> {
  const { loadRecipe } = await import('../recipe/load.js');
  const { analyze } = await import('../graph/graph.js');
  const { realize } = await import('../graph/realize.js');
  const graph = await analyze(await loadRecipe(path.join(BOOTSTRAP_DIR, recipe)));
  const { results, ok } = await realize(graph, {
    store,
    index,
    bwrap: () => Promise.reject(new R4lError('sandbox-unavailable', 'a bootstrap closure needs no sandbox to unpack')),
    reporter: new PlainReporter(process.stderr),
    jobs: 2,
    keepGoing: false,
    targets: [node],
    mirror,
    bootstrap: true,
    signal: new AbortController().signal,
  });
  const result = results.get(node);
  if (!ok || !result?.outputs?.out) {
    throw new R4lError('network', `the pinned ${node} closure (recipes/bootstrap/${recipe}) could not be fetched: ${result?.failure?.message ?? 'unknown error'}`, 'check the Debian mirror (R4L_DEBIAN_MIRROR or the host apt sources)');
  }
  return store.objectPath(result.outputs.out);
}

export async function bootstrapBwrap(store: Store, index: Index, mirror: string | undefined, say: (line: string) => void): Promise<BwrapCommand> {
  say('bwrap is not on PATH: using the pinned bubblewrap closure (recipes/bootstrap/bwrap.yaml)');
  try {
    return closureBwrap(await realizeBootstrap('bwrap.yaml', 'bubblewrap', store, index, mirror));
  } catch (error) {
    throw new R4lError('sandbox-unavailable', `bwrap is not on PATH and ${(error as Error).message}`, 'install bubblewrap (`apt-get install bubblewrap`), or check the Debian mirror (R4L_DEBIAN_MIRROR)');
  }
}

/** The root of the pinned xz-utils closure. */
export function bootstrapXz(store: Store, index: Index, mirror: string | undefined): Promise<string> {
  return realizeBootstrap('xz.yaml', 'xz', store, index, mirror);
}

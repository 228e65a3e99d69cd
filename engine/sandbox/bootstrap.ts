// Bootstraps bwrap from its pinned Debian closure when the host has none (recipes/bootstrap/).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../store/store.js';
import type { Index } from '../index/index.js';
import { closureBwrap, type BwrapCommand } from './bwrap.js';
import { R4lError } from '../errors.js';

/** The recipe that pins the bubblewrap closure, shipped with r4l. */
export const BOOTSTRAP_RECIPE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../recipes/bootstrap/bwrap.yaml');

export async function bootstrapBwrap(store: Store, index: Index, mirror: string | undefined, say: (line: string) => void): Promise<BwrapCommand> {
  const realizeClosureWithoutSandbox = undefined as undefined | ((...a: unknown[]) => Promise<string>);
  if (!realizeClosureWithoutSandbox) {
    throw new R4lError('sandbox-unavailable', 'bwrap (bubblewrap) is not on PATH', 'install it (`apt-get install bubblewrap`)');
  }
  say('bwrap is not on PATH: using the pinned bubblewrap closure (recipes/bootstrap/bwrap.yaml)');
  const root = await realizeClosureWithoutSandbox(BOOTSTRAP_RECIPE, 'bubblewrap', store, index, mirror);
  return closureBwrap(root);
}

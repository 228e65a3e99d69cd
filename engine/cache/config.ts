// Substituters from the command line and the environment.
import type { Substituter } from './substituter.js';
import type { Store } from '../store/store.js';
import { R4lError } from '../errors.js';

export async function substitutersFrom(urls: string[], store: Store): Promise<Substituter[]> {
  void store;
  if (!urls.length) return [];
  throw new R4lError('usage', 'substituters are not available yet');
}

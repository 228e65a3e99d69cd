// Commands contributed by the toolchain, cache and sharing modules.
import type { Command } from 'commander';
import { registerLock } from './lock.js';
import { registerCheck } from './check.js';
import { registerCache } from './cache.js';

export async function registerExtra(program: Command): Promise<void> {
  registerLock(program);
  registerCheck(program);
  registerCache(program);
}

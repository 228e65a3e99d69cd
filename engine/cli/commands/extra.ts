// Commands contributed by the toolchain, cache and sharing modules.
import type { Command } from 'commander';

export async function registerExtra(program: Command): Promise<void> {
  void program;
}

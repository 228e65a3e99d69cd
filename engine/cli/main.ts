// The r4l command line: thin commands over the engine (docs/cli.md lists them and the exit codes).
import { Command } from 'commander';
import { registerRealize } from './commands/realize.js';
import { registerPlan } from './commands/plan.js';
import { registerStoreCommands } from './commands/store-commands.js';
import { registerInspect } from './commands/inspect.js';
import { registerShell } from './commands/shell.js';
import { registerExtra } from './commands/extra.js';
import { reportError } from './output.js';

const program = new Command('r4l')
  .description('declarative, cached, reproducible builds of Rust-for-Linux kernels')
  .version('0.1.0')
  .option('--store <dir>', 'store directory (default: $R4L_STORE or ./store)')
  .option('--index <url>', 'index URL, e.g. redis://127.0.0.1:6379 (default: embedded in the store; $R4L_INDEX)')
  .option('--mirror <url>', 'Debian mirror base URL (default: $R4L_DEBIAN_MIRROR, else the host apt sources)')
  .showHelpAfterError()
  .addHelpText('after', '\nExit codes: 0 success, 1 a node or check failed, 2 user error (recipe, arguments, lock), 3 infrastructure error (network, disk, sandbox), 130 interrupted.');

registerRealize(program);
registerPlan(program);
registerStoreCommands(program);
registerInspect(program);
registerShell(program);
await registerExtra(program);

// Usage errors exit 2 (a user error) from every command, subcommands included: commander's own
// default is 1, which would read as "a node failed".
const exitOnUsage = (command: Command): void => {
  command.exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : 2);
  });
  command.commands.forEach(exitOnUsage);
};
exitOnUsage(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}

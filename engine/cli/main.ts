// The r4l command line: thin commands over the engine (docs/cli.md lists them and the exit codes).
// Only the module of the command being run is loaded, so a no-op realize starts fast.
import { Command } from 'commander';
import { reportError } from './output.js';

type Register = (program: Command) => void | Promise<void>;

/** command name → the module that registers it (and its siblings). */
const COMMANDS: Record<string, () => Promise<Register>> = {
  realize: async () => (await import('./commands/realize.js')).registerRealize,
  plan: async () => (await import('./commands/plan.js')).registerPlan,
  graph: async () => (await import('./commands/plan.js')).registerPlan,
  hash: async () => (await import('./commands/store-commands.js')).registerStoreCommands,
  verify: async () => (await import('./commands/store-commands.js')).registerStoreCommands,
  gc: async () => (await import('./commands/store-commands.js')).registerStoreCommands,
  lint: async () => (await import('./commands/inspect.js')).registerInspect,
  log: async () => (await import('./commands/inspect.js')).registerInspect,
  why: async () => (await import('./commands/inspect.js')).registerInspect,
  shell: async () => (await import('./commands/shell.js')).registerShell,
  lock: async () => (await import('./commands/lock.js')).registerLock,
  check: async () => (await import('./commands/check.js')).registerCheck,
  export: async () => (await import('./commands/export.js')).registerExport,
  key: async () => (await import('./commands/cache.js')).registerCache,
  push: async () => (await import('./commands/cache.js')).registerCache,
  pull: async () => (await import('./commands/cache.js')).registerCache,
};

/** Global options that take a value (their value is not the command name). */
const VALUED = new Set(['--store', '--index', '--mirror']);

/** The first word that is not an option or an option's value: the command. */
function commandName(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (VALUED.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

const program = new Command('r4l')
  .description('declarative, cached, reproducible builds of Rust-for-Linux kernels')
  .version('0.1.0')
  .option('--store <dir>', 'store directory (default: $R4L_STORE or ./store)')
  .option('--index <url>', 'index URL, e.g. redis://127.0.0.1:6379 (default: embedded in the store; $R4L_INDEX)')
  .option('--mirror <url>', 'Debian mirror base URL (default: $R4L_DEBIAN_MIRROR, else the host apt sources)')
  .showHelpAfterError()
  .addHelpText('after', '\nExit codes: 0 success, 1 a node or check failed, 2 user error (recipe, arguments, lock), 3 infrastructure error (network, disk, sandbox), 130 interrupted.');

const wanted = commandName(process.argv.slice(2));
const loaders = wanted && COMMANDS[wanted] ? [COMMANDS[wanted]] : [...new Set(Object.values(COMMANDS))];
const registered = new Set<Register>();
for (const load of loaders) {
  const register = await load();
  if (registered.has(register)) continue;
  registered.add(register);
  await register(program);
}

// Usage errors (unknown option, missing argument) exit 2 from every subcommand, as documented.
const exitOnUsageError = (command: Command): void => {
  command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  command.commands.forEach(exitOnUsageError);
};
exitOnUsageError(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}

// Printing results and errors the same way in every command.
import { RecipeError } from '../recipe/diagnostic.js';
import { R4lError, EXIT } from '../errors.js';
import type { NodeResult } from '../graph/realize.js';

/** Prints an error (recipe diagnostics, or one line plus a hint) and returns the exit code. */
export function reportError(error: unknown): number {
  if (error instanceof RecipeError) {
    process.stderr.write(`${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`);
    return EXIT.user;
  }
  if (error instanceof R4lError) {
    process.stderr.write(`r4l: error: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`);
    return error.exitCode;
  }
  const text = error instanceof Error ? error.stack ?? error.message : String(error);
  process.stderr.write(`r4l: internal error: ${text}\nhint: this is a bug in r4l; please report it with the command line\n`);
  return EXIT.infra;
}

/** The failure block of a node: message, context lines, the log, a hint. */
export function failureText(result: NodeResult): string {
  const f = result.failure;
  if (!f) return '';
  const lines = [`${result.name}: ${f.message}`];
  if (f.context.length) lines.push(...f.context.map((l) => `  | ${l}`));
  if (f.log) lines.push(`  log: ${f.log}`);
  if (f.hint) lines.push(`  hint: ${f.hint}`);
  return lines.join('\n');
}

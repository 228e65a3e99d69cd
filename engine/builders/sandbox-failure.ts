// Maps a sandbox run's outcome to a BuildFailure that keeps the command line and the last lines.
import { BuildFailure } from './types.js';
import type { RunResult } from '../sandbox/run.js';
import { unreachable } from '../errors.js';

/** Throws a BuildFailure unless the run succeeded. `what` names the step ("make bzImage"). */
export function expectSuccess(result: RunResult, what: string, tailLines = 30): void {
  const outcome = result.outcome;
  const tail = result.tail.slice(-tailLines);
  switch (outcome.reason) {
    case 'ok':
      return;
    case 'exit-non-zero':
      throw new BuildFailure('exit-non-zero', `${what} exited with code ${outcome.exitCode}`, tail);
    case 'killed':
      throw new BuildFailure('killed', `${what} was killed by ${outcome.signal}`, tail);
    case 'timeout':
      throw new BuildFailure('timeout', `${what} timed out after ${outcome.seconds}s`, tail, 'raise the node\'s timeout, or look at the log for a hang');
    case 'cancelled':
      throw new BuildFailure('cancelled', `${what} was interrupted`, tail);
    default:
      unreachable(outcome);
  }
}

// Typed errors. Two roots, as users see them: a user error (fix your recipe or command line) and
// an infrastructure error (network, disk, sandbox). Build failures are results, not exceptions.

/** Why r4l stopped: kebab-case, stable, switchable. */
export type ErrorReason =
  | 'usage'
  | 'recipe-invalid'
  | 'recipe-not-found'
  | 'import-hash-mismatch'
  | 'dependency-cycle'
  | 'unknown-reference'
  | 'unknown-node'
  | 'lock-missing'
  | 'lock-stale'
  | 'hash-mismatch'
  | 'no-space'
  | 'sandbox-unavailable'
  | 'network'
  | 'store-corrupt'
  | 'cache-refused'
  | 'internal';

const USER_REASONS = new Set<ErrorReason>([
  'usage', 'recipe-invalid', 'recipe-not-found', 'import-hash-mismatch', 'dependency-cycle',
  'unknown-reference', 'unknown-node', 'lock-missing', 'lock-stale', 'hash-mismatch',
]);

/** An error with a reason and a hint that tells the user what to do. */
export class R4lError extends Error {
  constructor(
    readonly reason: ErrorReason,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'R4lError';
  }

  /** User errors exit 2, infrastructure errors exit 3 (see docs/cli.md). */
  get exitCode(): number {
    return USER_REASONS.has(this.reason) ? 2 : 3;
  }
}

/** Failures of the machine rather than of the build: a realize that met one exits 3, not 1. */
// Every ErrorReason that is neither a user's nor `internal`; typed, so a misspelt one fails to compile.
const INFRASTRUCTURE_REASONS = new Set<ErrorReason>(['no-space', 'sandbox-unavailable', 'network', 'store-corrupt', 'cache-refused']);

/** A node failure's reason (an ErrorReason, or a builder's own such as `exit-non-zero`). */
export function isInfrastructureReason(reason: string): boolean {
  return INFRASTRUCTURE_REASONS.has(reason as ErrorReason);
}

/** Exit codes of every r4l command (docs/cli.md). */
export const EXIT = { ok: 0, failed: 1, user: 2, infra: 3, interrupted: 130 } as const;

/** Turns an ENOSPC into the store's clear message; anything else passes through. */
export function explainFsError(error: unknown, where: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new R4lError('no-space', `no space left on the device while writing ${where}`, 'free some space (or run `r4l gc`), or move the store with --store DIR; the store was left intact');
  }
  return error;
}

/** Marks a switch as exhaustive: the compiler fails when a case is missing. */
export function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}

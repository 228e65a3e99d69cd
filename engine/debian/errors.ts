// The one error type of the Debian library: a kebab-case reason, a message and a hint.

/** Why a Debian operation stopped (stable, kebab-case, switchable). */
export type DebianErrorReason =
  | 'no-mirror'
  | 'network'
  | 'http-error'
  | 'not-on-mirror'
  | 'no-keyring'
  | 'bad-signature'
  | 'wrong-suite'
  | 'index-missing'
  | 'hash-mismatch'
  | 'size-mismatch'
  | 'bad-index'
  | 'bad-version'
  | 'unknown-package'
  | 'unsatisfiable'
  | 'bad-lock'
  | 'bad-deb'
  | 'unsafe-member'
  | 'file-conflict';

/** An error of the Debian library; `hint` tells the user what to do about it. */
export class DebianError extends Error {
  constructor(
    readonly reason: DebianErrorReason,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'DebianError';
  }
}

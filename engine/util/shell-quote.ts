// Quoting for POSIX shell scripts that r4l writes (/init, the unpack step).

/** Quotes a string for a POSIX shell: single quotes, with `'` written as `'\''`. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

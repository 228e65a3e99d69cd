// Console text as lines: serial consoles end lines with CR LF (sometimes CR CR LF), and the kernel
// prefixes its lines with a printk timestamp, and with the caller id under CONFIG_PRINTK_CALLER.

/** Splits console text into lines without their CRs; a final newline does not add an empty line. */
export function splitConsoleLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n').map((line) => line.replace(/\r+$/, ''));
  if (text.endsWith('\n')) lines.pop();
  return lines;
}

/** `[    1.234567] `, optionally followed by a caller id such as `[    T1] ` or `[  C0] `. */
const PRINTK_PREFIX = /^\[\s*\d+\.\d+\](?:\[\s*[TC]\d+\])? ?/;

/** A line without its printk timestamp (and caller id); other lines come back unchanged. */
export function stripPrintkPrefix(line: string): string {
  return line.replace(PRINTK_PREFIX, '');
}

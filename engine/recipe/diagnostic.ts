// Diagnostics that point into the user's file: `file:line:col: what was expected`, the line,
// and a squiggle under the offending text.
import path from 'node:path';

export interface Diagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  /** Length of the squiggle (at least 1). */
  length: number;
  message: string;
  /** The text of the line, when known. */
  sourceLine?: string;
}

/** A file path as shown to people: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** Renders one diagnostic in the compiler style. */
export function renderDiagnostic(d: Diagnostic): string {
  const head = `${displayPath(d.file)}:${d.line}:${d.col}: error: ${d.message}`;
  if (d.sourceLine === undefined) return head;
  const gutter = String(d.line).length;
  const available = Math.max(1, d.sourceLine.length - (d.col - 1));
  const squiggle = '^'.repeat(Math.max(1, Math.min(d.length, available)));
  return [
    head,
    ` ${String(d.line)} | ${d.sourceLine}`,
    ` ${' '.repeat(gutter)} | ${' '.repeat(d.col - 1)}${squiggle}`,
  ].join('\n');
}

/** Renders every diagnostic of a run, sorted by file and position. */
export function renderDiagnostics(list: Diagnostic[]): string {
  return [...list]
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col)
    .map(renderDiagnostic)
    .join('\n\n');
}

/** Thrown when a recipe (or a file it imports) is invalid; carries every problem found. */
export class RecipeError extends Error {
  readonly reason = 'recipe-invalid' as const;
  constructor(readonly diagnostics: Diagnostic[], readonly hint?: string) {
    super(renderDiagnostics(diagnostics));
    this.name = 'RecipeError';
  }
}

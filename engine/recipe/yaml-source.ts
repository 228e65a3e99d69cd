// A parsed YAML file that remembers where every value came from.
import { promises as fs } from 'node:fs';
import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Diagnostic } from './diagnostic.js';

export class YamlSource {
  private readonly lines: string[];
  private constructor(
    readonly file: string,
    readonly text: string,
    readonly doc: Document,
    private readonly counter: LineCounter,
  ) {
    this.lines = text.split('\n');
  }

  /** Parses a file; YAML syntax errors come back as diagnostics, all of them. */
  static parse(file: string, text: string): { source: YamlSource; errors: Diagnostic[] } {
    const counter = new LineCounter();
    const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
    const source = new YamlSource(file, text, doc, counter);
    const errors = doc.errors.map((error) => source.diagnosticAt(error.pos[0], error.pos[1], `invalid YAML: ${firstLine(error.message)}`));
    return { source, errors };
  }

  static async read(file: string): Promise<{ source: YamlSource; errors: Diagnostic[] }> {
    return YamlSource.parse(file, await fs.readFile(file, 'utf8'));
  }

  /** A diagnostic at a character offset range of this file. */
  diagnosticAt(start: number, end: number, message: string): Diagnostic {
    const pos = this.counter.linePos(start);
    const endPos = this.counter.linePos(Math.max(start, end));
    const length = endPos.line === pos.line ? Math.max(1, endPos.col - pos.col) : 1;
    return { file: this.file, line: pos.line, col: pos.col, length, message, sourceLine: this.lines[pos.line - 1] ?? '' };
  }

  /**
   * A diagnostic for the value at a path (`['nodes', 'linux', 'kind']`). When the path does not
   * exist (a missing field), it points at the deepest parent that does, at its key.
   */
  diagnosticFor(pathParts: readonly PropertyKey[], message: string, at: 'value' | 'key' = 'value'): Diagnostic {
    let node: unknown = this.doc.contents;
    let keyNode: unknown;
    for (const part of pathParts) {
      if (!isMap(node) && !(isNode(node) && 'items' in node)) break;
      const items = (node as { items: unknown[] }).items;
      let next: unknown;
      let nextKey: unknown;
      for (const [i, item] of items.entries()) {
        if (isPair(item)) {
          const k = isScalar(item.key) ? item.key.value : item.key;
          if (String(k) === String(part)) {
            next = item.value;
            nextKey = item.key;
            break;
          }
        } else if (typeof part === 'number' && i === part) {
          next = item;
          break;
        }
      }
      if (next === undefined) break;
      node = next;
      keyNode = nextKey;
    }
    const target = (at === 'key' && isNode(keyNode) ? keyNode : isNode(node) ? node : keyNode) as Node | undefined;
    const range = target?.range ?? [0, 0, 0];
    // A block map's range spans many lines: point at its first key instead.
    if (isMap(target) && target.items[0] && isNode(target.items[0].key)) {
      const r = (target.items[0].key as Node).range ?? range;
      return this.diagnosticAt(r[0], r[1], message);
    }
    return this.diagnosticAt(range[0], range[1], message);
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

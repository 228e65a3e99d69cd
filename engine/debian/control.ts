// Parser of Debian control data (deb822): stanzas of `Field: value` with indented continuations.

/** One stanza: field names as written (case kept) → value (continuation lines joined by "\n"). */
export type Stanza = Map<string, string>;

/** Splits deb822 text into stanzas; blank lines separate them, `#` comment lines are skipped. */
export function parseStanzas(text: string): Stanza[] {
  const out: Stanza[] = [];
  let current: Stanza = new Map();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) out.push(current);
      current = new Map();
      last = undefined;
      continue;
    }
    if (line.startsWith('#')) continue;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last !== undefined) current.set(last, `${current.get(last) ?? ''}\n${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon);
    current.set(last, line.slice(colon + 1).trim());
  }
  if (current.size > 0) out.push(current);
  return out;
}

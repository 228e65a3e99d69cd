// Compares two output trees file by file: what `r4l check` prints when a rebuild differs.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface FileDifference {
  path: string;
  /** Size and sha256 of the file in the stored output, or null when absent there. */
  stored: { size: number; sha256: string; type: string } | null;
  rebuilt: { size: number; sha256: string; type: string } | null;
}

interface Entry {
  type: 'file' | 'executable' | 'symlink' | 'directory';
  size: number;
  sha256: string;
}

async function listTree(root: string): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  const visit = async (rel: string): Promise<void> => {
    const full = path.join(root, rel);
    const st = await fs.lstat(full);
    if (st.isSymbolicLink()) {
      const target = await fs.readlink(full);
      out.set(rel, { type: 'symlink', size: target.length, sha256: createHash('sha256').update(target).digest('hex') });
    } else if (st.isDirectory()) {
      if (rel) out.set(rel, { type: 'directory', size: 0, sha256: '' });
      for (const name of (await fs.readdir(full)).sort()) await visit(rel ? path.join(rel, name) : name);
    } else {
      const hash = createHash('sha256');
      for await (const chunk of (await import('node:fs')).createReadStream(full)) hash.update(chunk as Buffer);
      out.set(rel, { type: st.mode & 0o100 ? 'executable' : 'file', size: st.size, sha256: hash.digest('hex') });
    }
  };
  await visit('');
  return out;
}

/** Every path whose type, size or content differs between the stored and the rebuilt tree. */
export async function compareTrees(stored: string, rebuilt: string): Promise<FileDifference[]> {
  const [a, b] = await Promise.all([listTree(stored), listTree(rebuilt)]);
  const diffs: FileDifference[] = [];
  for (const p of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(p);
    const y = b.get(p);
    if (x && y && x.type === y.type && x.sha256 === y.sha256) continue;
    diffs.push({ path: p, stored: x ?? null, rebuilt: y ?? null });
  }
  return diffs;
}

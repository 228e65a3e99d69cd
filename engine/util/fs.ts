// Small file-system helpers: atomic writes, recursive permission changes, safe removal.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Writes a file atomically: temp file in the same directory, fsync, rename. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw error;
  }
}

/** Reads a JSON file, or returns undefined when it does not exist. */
export async function readJsonIfExists<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Walks a tree depth-first, calling visit for every entry below root (root excluded). */
export async function walk(root: string, visit: (full: string, dirent: import('node:fs').Dirent) => Promise<void> | void): Promise<void> {
  const entries = await fs.readdir(root, { withFileTypes: true });
  for (const entry of entries) {
    const full = path.join(root, entry.name);
    await visit(full, entry);
    if (entry.isDirectory()) await walk(full, visit);
  }
}

/** Makes a tree read-only (files keep their exec bit), the state of every store object. */
export async function makeReadOnly(target: string): Promise<void> {
  const st = await fs.lstat(target);
  if (st.isDirectory()) {
    await walk(target, async (full, dirent) => {
      if (dirent.isSymbolicLink()) return;
      const mode = (await fs.lstat(full)).mode;
      await fs.chmod(full, dirent.isDirectory() ? 0o555 : mode & 0o111 ? 0o555 : 0o444);
    });
    await fs.chmod(target, 0o555);
  } else if (st.isFile()) {
    await fs.chmod(target, st.mode & 0o111 ? 0o555 : 0o444);
  }
}

/** Removes a tree even when it was made read-only. */
export async function removeTree(target: string): Promise<void> {
  try {
    await fs.rm(target, { recursive: true, force: true });
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw error;
  }
  await makeWritable(target);
  await fs.rm(target, { recursive: true, force: true });
}

/** Gives the owner write (and search) permission on a tree again, e.g. on a copy of a store object. */
export async function makeWritable(target: string): Promise<void> {
  const st = await fs.lstat(target).catch(() => undefined);
  if (!st || st.isSymbolicLink()) return;
  await fs.chmod(target, st.mode | 0o700);
  if (st.isDirectory()) {
    for (const name of await fs.readdir(target)) await makeWritable(path.join(target, name));
  }
}

/** A random name part for scratch directories. */
export function randomId(): string {
  return randomBytes(6).toString('hex');
}

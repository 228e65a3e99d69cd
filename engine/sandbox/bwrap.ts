// Finds bubblewrap: the host's `bwrap` when it is on PATH, else the pinned `bubblewrap` closure
// from the store, run through that closure's own dynamic loader (nothing from the host but Node).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { R4lError } from '../errors.js';

/** How to start bwrap: a command and the arguments that come before bwrap's own. */
export interface BwrapCommand {
  file: string;
  prefixArgs: string[];
  origin: 'host' | 'closure';
}

/**
 * bwrap named by R4L_BWRAP (a bwrap executable, or the root of an unpacked bubblewrap closure, so
 * several stores can share one bootstrap), else from PATH, else undefined.
 */
export async function hostBwrap(): Promise<BwrapCommand | undefined> {
  if (process.env.R4L_NO_HOST_BWRAP === '1') return undefined;
  const named = process.env.R4L_BWRAP;
  if (named) {
    const st = await fs.stat(named).catch(() => undefined);
    if (st?.isDirectory()) return closureBwrap(named);
    if (st?.isFile()) return { file: named, prefixArgs: [], origin: 'host' };
    throw new R4lError('sandbox-unavailable', `R4L_BWRAP=${named}: no such file or directory`, 'point R4L_BWRAP at a bwrap executable or a bubblewrap closure root, or unset it');
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, 'bwrap');
    try {
      await fs.access(candidate, fs.constants.X_OK);
      return { file: candidate, prefixArgs: [], origin: 'host' };
    } catch {
      // not here
    }
  }
  return undefined;
}

/** bwrap inside an unpacked bubblewrap closure, started through the closure's ld.so. */
export function closureBwrap(root: string): BwrapCommand {
  const libdir = path.join(root, 'usr/lib/x86_64-linux-gnu');
  return {
    file: path.join(libdir, 'ld-linux-x86-64.so.2'),
    prefixArgs: ['--library-path', libdir, path.join(root, 'usr/bin/bwrap')],
    origin: 'closure',
  };
}

// Finds bubblewrap: the host's `bwrap` when it is on PATH, else the pinned `bubblewrap` closure
// from the store, run through that closure's own dynamic loader (nothing from the host but Node).
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** How to start bwrap: a command and the arguments that come before bwrap's own. */
export interface BwrapCommand {
  file: string;
  prefixArgs: string[];
  origin: 'host' | 'closure';
}

/** bwrap from PATH, or undefined. */
export async function hostBwrap(): Promise<BwrapCommand | undefined> {
  if (process.env.R4L_NO_HOST_BWRAP === '1') return undefined;
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

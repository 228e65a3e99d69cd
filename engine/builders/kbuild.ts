// Shared kbuild facts: the fixed sandbox paths and the make command line every kernel node uses.
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Where the kernel source is mounted (read-only) in every kbuild sandbox. */
export const SRC = '/src';
/** The kernel's build tree (O=): fixed, so .cmd files and the module build see the same path. */
export const KBUILD = '/kbuild';

/** The make variables a kernel-config node fixes for every later kbuild call (its kbuild.json). */
export interface KbuildSettings {
  make: Record<string, string>;
}

export const KBUILD_JSON = 'kbuild.json';

/** make's command line: `make -C /src O=<obj> VAR=value… targets`. */
export function makeArgv(settings: KbuildSettings, obj: string, targets: string[], jobs?: number): string[] {
  const vars = Object.entries(settings.make)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  return ['make', '-C', SRC, `O=${obj}`, ...(jobs ? [`-j${jobs}`] : []), ...vars, ...targets];
}

export async function readKbuildSettings(dir: string): Promise<KbuildSettings> {
  return JSON.parse(await fs.readFile(path.join(dir, KBUILD_JSON), 'utf8')) as KbuildSettings;
}

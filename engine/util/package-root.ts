// The r4l package's root directory (where package.json, recipes/ and schemas/ are), found from
// this module's own location, so it is right from dist/ and from the TypeScript sources alike.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('r4l: cannot find the package root (no package.json above the engine)');
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = findRoot();

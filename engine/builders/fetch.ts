// `fetch`: a fixed-output download (https:// or file://), keyed by its declared sha256 alone, so
// a mirror change rebuilds nothing. A file whose hash differs is refused and nothing is stored.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Builder } from './types.js';
import { BuildFailure } from './types.js';
import { fetchBytes } from '../debian/http.js';

/** The file name inside the output: `name`, else the URL's last path part. */
export function fetchName(params: { url: string; name?: string }): string {
  return params.name ?? decodeURIComponent(new URL(params.url).pathname.split('/').filter(Boolean).pop() ?? 'download');
}

export const fetchBuilder: Builder<'fetch'> = {
  kind: 'fetch',
  version: 1,
  outputs: () => ['out'],
  inputs: () => ({}),
  fixedOutput: (params) => ({ sha256: params.sha256, name: fetchName(params) }),
  async build(ctx) {
    const { url, sha256 } = ctx.params;
    const target = path.join(ctx.outputs.out!, fetchName(ctx.params));
    let data: Buffer;
    try {
      data = url.startsWith('file://') ? await fs.readFile(fileURLToPath(url)) : await fetchBytes(url);
    } catch (error) {
      throw new BuildFailure('fetch-failed', `cannot fetch ${url}: ${(error as Error).message}`);
    }
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== sha256) {
      throw new BuildFailure('hash-mismatch', `hash mismatch for ${url}: the recipe says sha256 ${sha256}, the file has ${actual}`, [], 'if the new file is the one you want, put its hash in the recipe');
    }
    await fs.writeFile(target, data);
  },
};

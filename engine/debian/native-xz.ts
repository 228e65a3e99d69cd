// A native xz decoder from a pinned xz-utils closure, run through that closure's own ld.so (about
// 2.3× faster than the pure library; the bytes out are the same, so it never enters a key).
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { XzDecoder } from './deb.js';

/** An XzDecoder that pipes data through `<root>/usr/bin/xz -dc`. */
export function nativeXz(root: string): XzDecoder {
  const libdir = path.join(root, 'usr/lib/x86_64-linux-gnu');
  const loader = path.join(libdir, 'ld-linux-x86-64.so.2');
  const args = ['--library-path', libdir, path.join(root, 'usr/bin/xz'), '-dc', '--threads=1'];
  return (data) =>
    new Promise((resolve, reject) => {
      const child = spawn(loader, args, { stdio: ['pipe', 'pipe', 'pipe'], env: {} });
      const chunks: Buffer[] = [];
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`xz -dc exited with ${code}: ${stderr.trim()}`))));
      child.stdin.on('error', () => undefined);
      child.stdin.end(data);
    });
}

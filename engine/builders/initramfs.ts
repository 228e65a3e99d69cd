// `initramfs`: a deterministic gzip'd cpio (sorted entries, fixed times, uid/gid 0, fixed inode
// numbers) with a static busybox and its applet links, the recipe's modules and a generated /init.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Builder, InputSpec } from './types.js';
import { BuildFailure } from './types.js';

export const INITRAMFS_FILE = 'initramfs.cpio.gz';

export const initramfsBuilder: Builder<'initramfs'> = {
  kind: 'initramfs',
  version: 1,
  outputs: () => ['out'],
  inputs(params) {
    const inputs: Record<string, InputSpec> = { busybox: { ref: params.busybox, field: ['busybox'] } };
    params.modules.forEach((m, i) => (inputs[`module/${i}`] = { ref: m, field: ['modules', i] }));
    return inputs;
  },
  async build(ctx) {
    const [{ writeCpio, gzipDeterministic }, { renderInit }, { DEFAULT_APPLETS, initramfsEntries }] = await Promise.all([
      import('../boot/cpio.js'),
      import('../boot/init-script.js'),
      import('../boot/initramfs-layout.js'),
    ]);
    const busyboxRoot = ctx.inputs.busybox!.out;
    const busybox = await firstReadable([path.join(busyboxRoot, 'usr/bin/busybox'), path.join(busyboxRoot, 'bin/busybox')]);
    if (!busybox) throw new BuildFailure('missing-input', `${ctx.inputs.busybox!.label} has no usr/bin/busybox (add busybox-static to it)`);
    const modules: { name: string; data: Buffer }[] = [];
    for (let i = 0; i < ctx.params.modules.length; i++) {
      const dir = ctx.inputs[`module/${i}`]!.out;
      for (const file of (await fs.readdir(dir)).filter((f) => f.endsWith('.ko')).sort()) {
        if (modules.some((m) => m.name === file)) throw new BuildFailure('duplicate-module', `two modules are named ${file}`);
        modules.push({ name: file, data: await fs.readFile(path.join(dir, file)) });
      }
    }
    const init = renderInit({ script: ctx.params.script });
    const entries = initramfsEntries({ busybox, applets: DEFAULT_APPLETS, init, modules });
    const cpio = writeCpio(entries, { mtime: ctx.params.epoch });
    await fs.writeFile(path.join(ctx.outputs.out!, INITRAMFS_FILE), gzipDeterministic(cpio));
    await fs.writeFile(path.join(ctx.outputs.out!, 'init'), init);
    ctx.log(`initramfs: ${entries.length} entries, ${modules.length} module(s), ${cpio.length} bytes before gzip`);
  },
};

async function firstReadable(paths: string[]): Promise<Buffer | undefined> {
  for (const p of paths) {
    const data = await fs.readFile(p).catch(() => undefined);
    if (data) return data;
  }
  return undefined;
}

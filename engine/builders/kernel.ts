// `kernel`: source + config + toolchain → the boot image (`out`: bzImage, System.map, .config,
// Module.symvers, kernelrelease, optionally vmlinux) and the build tree out-of-tree modules
// need (`dev`, built in place at the fixed path /kbuild), like Nix's out/dev split.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Builder } from './types.js';
import { BuildFailure } from './types.js';
import { baseEnv } from '../sandbox/run.js';
import { expectSuccess } from './sandbox-failure.js';
import { KBUILD, KBUILD_JSON, SRC, makeArgv, readKbuildSettings } from './kbuild.js';

export const kernelBuilder: Builder<'kernel'> = {
  kind: 'kernel',
  version: 1,
  outputs: () => ['out', 'dev'],
  inputs(params) {
    return {
      config: { ref: params.config, field: ['config'], outputs: ['out'] },
      source: params.source ? { ref: params.source, field: ['source'] } : { through: 'config', input: 'source' },
      toolchain: params.toolchain ? { ref: params.toolchain, field: ['toolchain'] } : { through: 'config', input: 'toolchain' },
    };
  },
  async build(ctx) {
    const config = ctx.inputs.config!.out;
    const settings = await readKbuildSettings(config);
    const dev = ctx.outputs.dev!;
    const out = ctx.outputs.out!;
    await fs.copyFile(path.join(config, '.config'), path.join(dev, '.config'));
    await fs.chmod(path.join(dev, '.config'), 0o644);
    const argv = makeArgv(settings, KBUILD, ctx.params.targets, ctx.jobs);
    ctx.log(`r4l: $ ${argv.join(' ')}`);
    const result = await ctx.run({
      root: ctx.inputs.toolchain!.out,
      binds: [
        { host: ctx.inputs.source!.out, dest: SRC },
        { host: dev, dest: KBUILD, writable: true },
        { host: ctx.scratch, dest: '/build', writable: true },
      ],
      argv,
      env: baseEnv(ctx.epoch),
    });
    if (result.outcome.reason === 'exit-non-zero') {
      throw new BuildFailure('exit-non-zero', `make ${ctx.params.targets.join(' ')} failed (exit ${result.outcome.exitCode})`, firstErrors(result.tail), 'the full log: r4l log RECIPE NODE');
    }
    expectSuccess(result, `make ${ctx.params.targets.join(' ')}`);
    const copies: [string, string][] = [
      ['arch/x86/boot/bzImage', 'bzImage'],
      ['System.map', 'System.map'],
      ['.config', '.config'],
      ['Module.symvers', 'Module.symvers'],
      ['include/config/kernel.release', 'kernelrelease'],
    ];
    if (ctx.params.vmlinux) copies.push(['vmlinux', 'vmlinux']);
    for (const [from, to] of copies) {
      try {
        await fs.copyFile(path.join(dev, from), path.join(out, to));
      } catch {
        if (to === 'Module.symvers') throw new BuildFailure('missing-output', `the build wrote no Module.symvers: add the \`modules\` target (out-of-tree modules need it)`);
        if (to !== 'bzImage' || ctx.params.targets.includes('bzImage')) throw new BuildFailure('missing-output', `the build wrote no ${from}`);
      }
    }
    await fs.writeFile(path.join(out, KBUILD_JSON), JSON.stringify(settings, null, 2) + '\n');
    await fs.writeFile(path.join(dev, KBUILD_JSON), JSON.stringify(settings, null, 2) + '\n');
  },
  async summary(outputs) {
    const release = await fs.readFile(path.join(outputs.out!, 'kernelrelease'), 'utf8').catch(() => '?');
    const size = await fs.stat(path.join(outputs.out!, 'bzImage')).then((s) => `${Math.round(s.size / 1024)} KiB`, () => '');
    return [`Linux ${release.trim()} bzImage ${size}`];
  },
};

/** The lines around make's first error, rather than make's last words ("Error 2"). */
export function firstErrors(tail: string[]): string[] {
  const index = tail.findIndex((l) => /(^|\s)(error|Error)(\[E\d+\])?:|\*\*\* /.test(l) && !/^make(\[\d+\])?: \*\*\*/.test(l));
  return index >= 0 ? tail.slice(Math.max(0, index - 2), index + 25) : tail.slice(-30);
}

// `kernel-config`: a base config and fragments merged by the kernel's own Kconfig in the sandbox
// (with the same make variables the build uses, so rust_is_available.sh sees the same tools),
// then the audit: every option a fragment asks for must land, or the node fails and says why.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Builder, InputSpec } from './types.js';
import { BuildFailure } from './types.js';
import { baseEnv } from '../sandbox/run.js';
import { expectSuccess } from './sandbox-failure.js';
import { KBUILD_JSON, SRC, makeArgv, type KbuildSettings } from './kbuild.js';

const OBJ = '/build/obj';

/** The base's own fragments, for the one-pass `allconfig` merge (what `make tinyconfig` uses). */
const TINY_FRAGMENTS = ['kernel/configs/tiny-base.config', 'kernel/configs/tiny.config', 'arch/x86/configs/tiny.config'];

export const kernelConfigBuilder: Builder<'kernel-config'> = {
  kind: 'kernel-config',
  version: 2,
  /** `out`: .config and kbuild.json (what the kernel reads); `report`: the audit report. */
  outputs: () => ['out', 'report'],
  inputs(params) {
    const inputs: Record<string, InputSpec> = {
      source: { ref: params.source, field: ['source'] },
      toolchain: { ref: params.toolchain, field: ['toolchain'] },
    };
    if (params.base.startsWith('.')) inputs.base = { path: params.base, field: ['base'] };
    params.fragments.forEach((f, i) => (inputs[`fragment/${i}`] = { path: f, field: ['fragments', i] }));
    return inputs;
  },
  keyParams(params) {
    return { base: params.base.startsWith('.') ? 'file' : params.base, merge: mergeOf(params), make: params.make, fragments: params.fragments.length };
  },
  async build(ctx) {
    const { params } = ctx;
    const settings: KbuildSettings = { make: params.make };
    const source = ctx.inputs.source!.out;
    const fragments = await Promise.all(
      params.fragments.map(async (f, i) => ({ displayPath: ctx.inputs[`fragment/${i}`]!.label, text: await fs.readFile(ctx.inputs[`fragment/${i}`]!.out, 'utf8') })),
    );
    const merge = mergeOf(params);
    const steps: string[][] = [];
    if (merge === 'allconfig') {
      const own = params.base === 'tinyconfig' ? await Promise.all(TINY_FRAGMENTS.map((f) => fs.readFile(path.join(source, f), 'utf8'))) : [];
      await fs.writeFile(path.join(ctx.scratch, 'allconfig'), [...own, ...fragments.map((f) => f.text)].join('\n'));
      steps.push(makeArgv(settings, OBJ, ['KCONFIG_ALLCONFIG=/build/allconfig', 'allnoconfig']));
    } else {
      await fs.mkdir(path.join(ctx.scratch, 'obj'), { recursive: true });
      if (params.base.startsWith('.')) await fs.copyFile(ctx.inputs.base!.out, path.join(ctx.scratch, 'obj/.config'));
      else steps.push(makeArgv(settings, OBJ, [params.base]));
      await fs.writeFile(path.join(ctx.scratch, 'fragments.config'), fragments.map((f) => f.text).join('\n'));
      steps.push(['sh', '-c', 'cat /build/fragments.config >> /build/obj/.config'], makeArgv(settings, OBJ, ['olddefconfig']));
    }
    const sandbox = (argv: string[]) => ({
      root: ctx.inputs.toolchain!.out,
      binds: [
        { host: source, dest: SRC },
        { host: ctx.scratch, dest: '/build', writable: true },
        { host: ctx.outputs.out!, dest: '/out', writable: true },
      ],
      argv,
      env: baseEnv(ctx.epoch),
    });
    for (const argv of steps) {
      ctx.log(`r4l: $ ${argv.join(' ')}`);
      expectSuccess(await ctx.run(sandbox(argv)), argv.slice(-1)[0] === 'allnoconfig' ? 'make allnoconfig' : `\`${argv.join(' ')}\``);
    }
    const finalConfig = await fs.readFile(path.join(ctx.scratch, 'obj/.config'), 'utf8');
    const { auditKernelConfig } = await import('../kconfig/run-audit.js');
    const report = await auditKernelConfig({
      source,
      fragments,
      finalConfig,
      arch: params.make.ARCH ?? params.make.SRCARCH ?? 'x86',
      rustAvailable: async () => {
        const result = await ctx.run(sandbox(makeArgv(settings, OBJ, ['rustavailable'])));
        return result.tail.filter((l) => !/^make(\[\d+\])?: (Entering|Leaving) directory/.test(l)).join('\n').trim();
      },
    });
    await fs.writeFile(path.join(ctx.outputs.report!, 'audit.txt'), report.text + '\n');
    if (!report.ok) {
      for (const line of report.text.split('\n')) ctx.log(line);
      throw new BuildFailure('config-option-dropped', report.summary, report.text.split('\n'), 'enable what the unmet dependencies need in a fragment, or drop the option');
    }
    await fs.copyFile(path.join(ctx.scratch, 'obj/.config'), path.join(ctx.outputs.out!, '.config'));
    await fs.writeFile(path.join(ctx.outputs.out!, KBUILD_JSON), JSON.stringify(settings, null, 2) + '\n');
  },
};

function mergeOf(params: { base: string; merge?: 'allconfig' | 'olddefconfig' }): 'allconfig' | 'olddefconfig' {
  return params.merge ?? (params.base === 'tinyconfig' || params.base === 'allnoconfig' ? 'allconfig' : 'olddefconfig');
}

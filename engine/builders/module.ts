// `module`: an out-of-tree module built against a kernel's build tree with kbuild
// (`make -C /src O=/kbuild M=/build/module modules`); the .ko files and their modinfo.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Builder } from './types.js';
import { BuildFailure } from './types.js';
import { baseEnv } from '../sandbox/run.js';
import { expectSuccess } from './sandbox-failure.js';
import { KBUILD, SRC, makeArgv, readKbuildSettings } from './kbuild.js';
import { sourceSpec } from './specs.js';
import { makeWritable } from '../util/fs.js';

/** The fixed path of the module's (writable) copy in the sandbox: kbuild writes next to the sources. */
const MODULE_DIR = '/build/module';

export const moduleBuilder: Builder<'module'> = {
  kind: 'module',
  version: 1,
  outputs: () => ['out'],
  inputs(params) {
    return {
      kernel: { ref: params.kernel, field: ['kernel'] },
      source: sourceSpec(params.source, ['source']),
      'kernel-source': { through: 'kernel', input: 'source' },
      toolchain: params.toolchain ? { ref: params.toolchain, field: ['toolchain'] } : { through: 'kernel', input: 'toolchain' },
    };
  },
  async build(ctx) {
    const kernel = ctx.inputs.kernel!;
    const settings = await readKbuildSettings(kernel.outputs.dev!);
    const work = path.join(ctx.scratch, 'module');
    await fs.cp(ctx.inputs.source!.out, work, { recursive: true, verbatimSymlinks: true });
    await makeWritable(work);
    const sandbox = (argv: string[]) => ({
      root: ctx.inputs.toolchain!.out,
      binds: [
        { host: ctx.inputs['kernel-source']!.out, dest: SRC },
        { host: kernel.outputs.dev!, dest: KBUILD },
        { host: ctx.scratch, dest: '/build', writable: true },
      ],
      argv,
      env: baseEnv(ctx.epoch),
    });
    const argv = makeArgv(settings, KBUILD, [`M=${MODULE_DIR}`, 'modules'], ctx.jobs);
    ctx.log(`r4l: $ ${argv.join(' ')}`);
    const result = await ctx.run(sandbox(argv));
    if (result.outcome.reason === 'exit-non-zero') {
      throw new BuildFailure('compile-error', `module ${ctx.inputs.source!.label} does not build`, diagnostics(result.tail, ctx.inputs.source!.label));
    }
    expectSuccess(result, 'make modules');
    const kos = (await fs.readdir(work)).filter((f) => f.endsWith('.ko')).sort();
    if (!kos.length) throw new BuildFailure('missing-output', `the module build made no .ko file (is obj-m set in ${ctx.inputs.source!.label}/Kbuild?)`);
    const modinfo: Record<string, Record<string, string | string[]>> = {};
    for (const ko of kos) {
      await fs.copyFile(path.join(work, ko), path.join(ctx.outputs.out!, ko));
      const info: string[] = [];
      const r = await ctx.run({ ...sandbox(['modinfo', `${MODULE_DIR}/${ko}`]), onLine: (l) => info.push(l) });
      expectSuccess(r, `modinfo ${ko}`);
      modinfo[ko] = parseModinfo(info);
    }
    await fs.writeFile(path.join(ctx.outputs.out!, 'modinfo.json'), JSON.stringify(modinfo, null, 2) + '\n');
  },
  async summary(outputs) {
    const info = JSON.parse(await fs.readFile(path.join(outputs.out!, 'modinfo.json'), 'utf8')) as Record<string, Record<string, string>>;
    return Object.entries(info).map(([ko, i]) => `${ko} (${i.license ?? '?'}, vermagic ${i.vermagic ?? '?'})`);
  },
};

/** `modinfo` output (`key: value` lines; keys may repeat) → a map. */
export function parseModinfo(lines: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const line of lines) {
    const m = /^([a-z_]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, key = '', value = ''] = m;
    if (key === 'filename') continue;
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** The compiler's diagnostics, with sandbox paths turned back into the module's own paths. */
export function diagnostics(tail: string[], label: string): string[] {
  const start = tail.findIndex((l) => /^(error|warning)(\[\w+\])?:|: (error|fatal error):/.test(l));
  const lines = start >= 0 ? tail.slice(start, start + 40) : tail.slice(-30);
  return lines.filter((l) => !/^make(\[\d+\])?: /.test(l)).map((l) => l.split(`${MODULE_DIR}/`).join(`${label.replace(/\/$/, '')}/`));
}

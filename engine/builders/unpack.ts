// `unpack`: an archive (a fetched tarball, or the tarball inside a .deb closure) → a tree, with
// patches applied in order. Runs tar and patch from the toolchain, in the sandbox.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Builder, InputSpec } from './types.js';
import { BuildFailure } from './types.js';
import { baseEnv } from '../sandbox/run.js';
import { expectSuccess } from './sandbox-failure.js';
import { sourceSpec } from './specs.js';
import { shellQuote } from '../util/shell-quote.js';

export const unpackBuilder: Builder<'unpack'> = {
  kind: 'unpack',
  version: 1,
  outputs: () => ['out'],
  inputs(params) {
    const inputs: Record<string, InputSpec> = {
      source: sourceSpec(params.source, ['source']),
    };
    if (params.toolchain !== 'host') inputs.toolchain = { ref: params.toolchain, field: ['toolchain'] };
    params.patches.forEach((patch, i) => (inputs[`patch/${i}`] = { path: patch, field: ['patches', i] }));
    return inputs;
  },
  async build(ctx) {
    const source = ctx.inputs.source!.out;
    const member = ctx.params.member ?? (await onlyFile(source));
    try {
      await fs.access(path.join(source, member));
    } catch {
      throw new BuildFailure('member-missing', `${ctx.inputs.source!.label} has no ${member}`);
    }
    const patches = ctx.params.patches.map((p, i) => ({ label: p, input: ctx.inputs[`patch/${i}`]!.out }));
    const binds = [
      { host: source, dest: '/in/source' },
      { host: ctx.outputs.out!, dest: '/out', writable: true },
      { host: ctx.scratch, dest: '/build', writable: true },
      ...patches.map((p, i) => ({ host: p.input, dest: `/in/patch-${i}` })),
    ];
    const script = [
      'set -eu',
      `tar -x -f ${shellQuote(`/in/source/${member}`)} -C /out --strip-components=${ctx.params.strip} --no-same-owner --no-same-permissions`,
      ...patches.map((p, i) => `echo ${shellQuote(`r4l: applying ${p.label}`)}; patch -p1 --forward --batch -d /out -i /in/patch-${i} || { echo ${shellQuote(`r4l: patch ${p.label} failed`)}; exit 1; }`),
    ].join('\n');
    const result = await ctx.run({ root: ctx.params.toolchain === 'host' ? 'host' : ctx.inputs.toolchain!.out, binds, argv: ['/bin/sh', '-c', script], env: baseEnv(ctx.epoch) });
    const failedPatch = result.tail.map((l) => /^r4l: patch (.*) failed$/.exec(l)?.[1]).find(Boolean);
    if (failedPatch) throw new BuildFailure('patch-failed', `patch ${failedPatch} does not apply`, result.tail.slice(-20), 'refresh the patch against this source');
    expectSuccess(result, `unpacking ${member}`);
  },
};

async function onlyFile(dir: string): Promise<string> {
  const files: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const p = path.join(rel, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) files.push(p);
    }
  };
  await walk('');
  const archives = files.filter((f) => /\.(tar(\.(gz|xz|zst|bz2))?|tgz)$/.test(f));
  if (archives.length !== 1) throw new BuildFailure('member-ambiguous', `cannot tell which archive to unpack (${archives.length} found); set \`member\``);
  return archives[0]!;
}

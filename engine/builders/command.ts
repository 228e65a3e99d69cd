// `command`: a generic script over declared inputs (Nix's runCommand). Inputs are read-only at
// /in/<name>, the result goes to /out, scratch is /build.
import type { Builder, InputSpec } from './types.js';
import { baseEnv } from '../sandbox/run.js';
import { expectSuccess } from './sandbox-failure.js';
import { sourceSpec } from './specs.js';

export const commandBuilder: Builder<'command'> = {
  kind: 'command',
  version: 1,
  outputs: () => ['out'],
  inputs(params) {
    const inputs: Record<string, InputSpec> = {};
    if (params.toolchain !== 'host') inputs.toolchain = { ref: params.toolchain, field: ['toolchain'] };
    for (const [name, value] of Object.entries(params.inputs)) inputs[`in/${name}`] = sourceSpec(value, ['inputs', name]);
    return inputs;
  },
  keyParams(params) {
    // The toolchain's identity enters by its output hash; `host` is named so it never shares a key.
    return { script: params.script, env: params.env, timeout: params.timeout, host: params.toolchain === 'host', inputs: Object.keys(params.inputs).sort() };
  },
  async build(ctx) {
    const { params } = ctx;
    if (params.toolchain === 'host') ctx.log(`r4l: impure: ${ctx.name} runs on the host's /usr (toolchain: host)`);
    const binds = [
      ...Object.entries(ctx.inputs)
        .filter(([name]) => name.startsWith('in/'))
        .map(([name, input]) => ({ host: input.out, dest: `/in/${name.slice(3)}` })),
      { host: ctx.outputs.out!, dest: '/out', writable: true },
      { host: ctx.scratch, dest: '/build', writable: true },
    ];
    const result = await ctx.run({
      root: params.toolchain === 'host' ? 'host' : ctx.inputs.toolchain!.out,
      binds,
      argv: ['/bin/sh', '-euc', params.script],
      env: { ...baseEnv(ctx.epoch), R4L_JOBS: String(ctx.jobs), ...params.env },
      timeoutMs: params.timeout * 1000,
    });
    expectSuccess(result, 'the script');
  },
};

// One builder per node kind.
import type { NodeKind } from '../recipe/schema.js';
import type { AnyBuilder, Builder } from './types.js';
import { commandBuilder } from './command.js';
import { debianPackagesBuilder } from './debian-packages.js';
import { unpackBuilder } from './unpack.js';
import { fetchBuilder } from './fetch.js';
import { kernelConfigBuilder } from './kernel-config.js';
import { kernelBuilder } from './kernel.js';
import { moduleBuilder } from './module.js';
import { initramfsBuilder } from './initramfs.js';
import { qemuTestBuilder } from './qemu-test.js';

const builders: { [K in NodeKind]?: Builder<K> } = {
  command: commandBuilder,
  'debian-packages': debianPackagesBuilder,
  unpack: unpackBuilder,
  fetch: fetchBuilder,
  'kernel-config': kernelConfigBuilder,
  kernel: kernelBuilder,
  module: moduleBuilder,
  initramfs: initramfsBuilder,
  'qemu-test': qemuTestBuilder,
};

/** Registers a builder (each kind's module calls this once, from builders/all.ts). */
export function registerBuilder<K extends NodeKind>(builder: Builder<K>): void {
  (builders as Record<string, unknown>)[builder.kind] = builder;
}

export function builderFor(kind: NodeKind): AnyBuilder {
  const builder = builders[kind];
  if (!builder) throw new Error(`no builder for node kind ${kind}`);
  return builder as unknown as AnyBuilder;
}

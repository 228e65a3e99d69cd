// One builder per node kind.
import type { NodeKind } from '../recipe/schema.js';
import type { AnyBuilder, Builder } from './types.js';
import { commandBuilder } from './command.js';

const builders: { [K in NodeKind]?: Builder<K> } = {
  command: commandBuilder,
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

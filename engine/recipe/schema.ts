// Every node kind, described once in zod. The JSON Schemas in schemas/ are generated from these
// (npm run schemas), and a test fails when the checked-in copies drift from the code.
import { z } from 'zod';

/** A reference to another node (`linux`, or `toolchain.rust` for an imported one). */
export const Ref = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/, 'a node name like `linux` or `alias.node`');
/** A local file or directory, relative to the recipe file (must start with ./ or ../). */
export const LocalPath = z.string().regex(/^\.\.?\//, 'a path starting with ./ or ../ (relative to the recipe file)');
/** Either a node reference or a local path. */
export const Source = z.union([LocalPath, Ref]);
const Toolchain = z.union([z.literal('host'), Ref]);
const Seconds = z.number().int().positive();
const MakeVars = z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), z.string());
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits (a sha256)');

const common = { description: z.string().optional() };

export const CommandNode = z.strictObject({
  kind: z.literal('command'),
  ...common,
  /** Root tree of the sandbox: a debian-packages node, or `host` (tests only; impure). */
  toolchain: Toolchain,
  /** Mounted read-only at /in/<name>. */
  inputs: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), Source).default({}),
  script: z.string().min(1),
  env: z.record(z.string(), z.string()).default({}),
  timeout: Seconds.default(3600),
});

export const DebianPackagesNode = z.strictObject({
  kind: z.literal('debian-packages'),
  ...common,
  suites: z.array(z.string().regex(/^[a-z0-9-]+$/)).min(1),
  architecture: z.string().default('amd64'),
  packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]*$/)).min(1),
  /** false: only the named packages (e.g. linux-source), no dependency closure, no base-files. */
  dependencies: z.boolean().default(true),
  /** The lock file, relative to the recipe; default: <recipe name>.lock.json beside it. */
  lock: LocalPath.optional(),
  fixups: z.strictObject({
    symlinks: z.record(z.string(), z.string()).default({}),
    files: z.record(z.string(), z.string()).default({}),
    directories: z.array(z.string()).default([]),
  }).default({ symlinks: {}, files: {}, directories: [] }),
});

export const FetchNode = z.strictObject({
  kind: z.literal('fetch'),
  ...common,
  url: z.string().regex(/^(https?|file):\/\//, 'an http(s):// or file:// URL'),
  sha256: Sha256,
  /** File name inside the output; default: the URL's last path part. */
  name: z.string().optional(),
});

export const UnpackNode = z.strictObject({
  kind: z.literal('unpack'),
  ...common,
  source: Source,
  /** The archive inside the source output (e.g. usr/src/linux-source-6.12.tar.xz); default: the only file. */
  member: z.string().optional(),
  strip: z.number().int().min(0).default(1),
  /** Patch files applied in order with `patch -p1`; any failure fails the node. */
  patches: z.array(LocalPath).default([]),
  /** The tree that provides tar, xz and patch (`host`: tests only, impure). */
  toolchain: Toolchain,
});

const KernelBase = z.union([z.enum(['tinyconfig', 'allnoconfig', 'defconfig']), LocalPath]);

export const KernelConfigNode = z.strictObject({
  kind: z.literal('kernel-config'),
  ...common,
  source: Ref,
  toolchain: Ref,
  base: KernelBase,
  fragments: z.array(LocalPath).default([]),
  /**
   * How fragments are merged. `allconfig`: one Kconfig pass, `make allnoconfig` with the base's
   * own fragments and ours as KCONFIG_ALLCONFIG (bases tinyconfig/allnoconfig only; newly exposed
   * symbols stay n). `olddefconfig`: the base config, fragments appended, `make olddefconfig`
   * (newly exposed symbols take their defaults).
   */
  merge: z.enum(['allconfig', 'olddefconfig']).optional(),
  /** make variables used by every kbuild call of this kernel (config, build, modules). */
  make: MakeVars.default({}),
});

export const KernelNode = z.strictObject({
  kind: z.literal('kernel'),
  ...common,
  config: Ref,
  /** Defaults to the config's source and toolchain. */
  source: Ref.optional(),
  toolchain: Ref.optional(),
  /** make targets; `modules` writes Module.symvers, which out-of-tree modules need. */
  targets: z.array(z.string()).default(['bzImage', 'modules']),
  /** Also keep vmlinux (~12 MB) in the boot output. */
  vmlinux: z.boolean().default(false),
});

export const ModuleNode = z.strictObject({
  kind: z.literal('module'),
  ...common,
  kernel: Ref,
  /** The module source directory (Kbuild + .rs/.c files); its files enter the key. */
  source: Source,
  toolchain: Ref.optional(),
});

export const InitramfsNode = z.strictObject({
  kind: z.literal('initramfs'),
  ...common,
  /** A tree holding usr/bin/busybox (static), e.g. the QEMU closure. */
  busybox: Ref,
  modules: z.array(Ref).default([]),
  /** Shell lines run by /init; the modules are in /lib/modules-r4l. */
  script: z.array(z.string()).default([]),
  epoch: z.number().int().min(0).default(1),
});

export const QemuTestNode = z.strictObject({
  kind: z.literal('qemu-test'),
  ...common,
  kernel: Ref,
  initramfs: Ref,
  qemu: Ref,
  memory: z.number().int().min(32).default(256),
  cpus: z.number().int().min(1).default(1),
  accel: z.enum(['auto', 'kvm', 'tcg']).default('auto'),
  timeout: Seconds.default(300),
  append: z.string().default(''),
  expect: z.array(z.string()).default([]),
  fail: z.array(z.string()).default([]),
  /** Add the default fail patterns (panics, oopses, BUG:, Rust panics, insmod errors). */
  defaultFail: z.boolean().default(true),
  /** KTAP on the console: `auto` judges it when present, `required` fails when absent. */
  ktap: z.enum(['auto', 'required', 'off']).default('auto'),
});

export const NODE_KINDS = {
  command: CommandNode,
  'debian-packages': DebianPackagesNode,
  fetch: FetchNode,
  unpack: UnpackNode,
  'kernel-config': KernelConfigNode,
  kernel: KernelNode,
  module: ModuleNode,
  initramfs: InitramfsNode,
  'qemu-test': QemuTestNode,
} as const;

export type NodeKind = keyof typeof NODE_KINDS;
export type NodeParams<K extends NodeKind> = z.output<(typeof NODE_KINDS)[K]>;
export type AnyNodeParams = { [K in NodeKind]: NodeParams<K> }[NodeKind];

export const Import = z.union([
  LocalPath,
  z.strictObject({ url: z.string().regex(/^(https?|file):\/\//, 'an http(s):// or file:// URL'), sha256: Sha256 }),
]);

export const NodeSchema = z.discriminatedUnion('kind', [
  CommandNode, DebianPackagesNode, FetchNode, UnpackNode, KernelConfigNode, KernelNode, ModuleNode, InitramfsNode, QemuTestNode,
]);

/** A recipe file. */
export const RecipeSchema = z.strictObject({
  description: z.string().optional(),
  /** alias → a recipe file by relative path, or by URL + sha256. Its nodes are `alias.node`. */
  imports: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/), Import).default({}),
  nodes: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'a node name: letters, digits, _ and -'), NodeSchema).default({}),
});
export type RecipeDoc = z.output<typeof RecipeSchema>;

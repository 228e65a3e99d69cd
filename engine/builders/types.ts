// The contract between the engine and a builder (one file per node kind). Builders never touch
// the store: they get host paths of their inputs and of empty output directories.
import type { AnyNodeParams, NodeKind, NodeParams } from '../recipe/schema.js';
import type { RunResult, SandboxSpec } from '../sandbox/run.js';
import type { FixedOutput } from '../graph/key.js';
import type { XzDecoder } from '../debian/deb.js';

/** An input a node declares, before resolution. */
export type InputSpec =
  /**
   * A reference to another node, written in the recipe at `field`. `outputs` names the outputs
   * this node reads (default: all); only those enter its key.
   */
  | { ref: string; field: (string | number)[]; outputs?: string[] }
  /** A local file or directory, relative to the recipe file. */
  | { path: string; field: (string | number)[] }
  /** Whatever input `input` of the node named by this node's input `through` resolved to. */
  | { through: string; input: string };

/** What a builder knows about an input at build time. */
export interface InputPaths {
  /** Output name → host path of the store object. */
  outputs: Record<string, string>;
  /** Host path of the main output (`out`). */
  out: string;
  /** The node name, or the recipe-relative path, for messages. */
  label: string;
}

export interface BuildContext<K extends NodeKind = NodeKind> {
  name: string;
  params: NodeParams<K>;
  /** Resolved inputs by input name. */
  inputs: Record<string, InputPaths>;
  /** Output name → host path of an empty directory to fill. */
  outputs: Record<string, string>;
  /** Host path of an empty scratch directory (seen as /build in the sandbox by convention). */
  scratch: string;
  /** make -j for this node: its share of the scheduler's jobs. */
  jobs: number;
  /** SOURCE_DATE_EPOCH for this build. */
  epoch: number;
  /** Appends a line to the node's log (and the progress line). */
  log(line: string): void;
  /** Runs a command in the sandbox; output goes to the node's log. */
  run(spec: Omit<SandboxSpec, 'logFile'>): Promise<RunResult>;
  signal: AbortSignal;
  /** Transport and host settings that do not enter the key. */
  settings: BuildSettings;
  /** Whatever the builder's `load` returned (e.g. the lock entry of a debian-packages node). */
  extra: unknown;
}

export interface BuildSettings {
  mirror?: string;
  /** Store root, for builders that need fixed-output sub-objects (.deb files). */
  fetchIntoStore: (fixed: FixedOutput, fetcher: (dir: string) => Promise<void>) => Promise<string>;
  /** A fast xz decoder for unpacking .debs, when one can be had (it never changes output bytes). */
  xz?: () => Promise<XzDecoder | undefined>;
}

/** A failure a builder reports: a reason, one message, and lines of context. */
export class BuildFailure extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly context: string[] = [],
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'BuildFailure';
  }
}

export interface Builder<K extends NodeKind = NodeKind> {
  kind: K;
  /** Enters every key of this kind: bump it when the builder's output changes for equal inputs. */
  version: number;
  outputs(params: NodeParams<K>): string[];
  inputs(params: NodeParams<K>): Record<string, InputSpec>;
  /** The parameters hashed into the key (default: all but references, paths and description). */
  keyParams?(params: NodeParams<K>): unknown;
  /**
   * Reads what the node needs beyond its parameters and inputs (a lock entry); the result enters
   * the key and reaches build() as ctx.extra. Throws R4lError for a missing or stale lock.
   */
  load?(params: NodeParams<K>, where: { recipeFile: string; recipeDir: string; nodeName: string; localName: string }): Promise<unknown>;
  /** Fixed-output nodes: the declared content hash that names them instead of their inputs. */
  fixedOutput?(params: NodeParams<K>): FixedOutput | undefined;
  /** Lines to show after the node succeeded (e.g. a boot verdict). */
  summary?(outputs: Record<string, string>): Promise<string[]>;
  /** Whether a cached output should be rebuilt anyway (`--rerun-tests`). */
  rerunnable?: boolean;
  build(ctx: BuildContext<K>): Promise<void>;
}

export type AnyBuilder = Builder<NodeKind>;
export type { AnyNodeParams };

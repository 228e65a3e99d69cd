// Loads a recipe and everything it imports: YAML with source positions, validated per node kind,
// imports by relative path or by URL + sha256, and every problem of every file reported at once.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_KINDS, RecipeSchema, type AnyNodeParams, type NodeKind } from './schema.js';
import { RecipeError, type Diagnostic } from './diagnostic.js';
import { YamlSource } from './yaml-source.js';
import { describeIssue } from './zod-issues.js';
import { sha256Hex } from '../util/hash.js';
import { R4lError } from '../errors.js';
import { schemaDiagnostics } from './lint.js';

/** One recipe file's namespace: its nodes and the files its aliases name. */
export interface FileScope {
  file: string;
  /** `''` for the root file, `alias.` (or `a.b.`) for imported ones. */
  prefix: string;
  /** Base directory of local paths; undefined for files fetched over https. */
  dir: string | undefined;
  aliases: Map<string, FileScope>;
  localNames: Set<string>;
  source: YamlSource;
}

/** A validated node, not yet part of a graph. */
export interface RecipeNode {
  name: string;
  localName: string;
  kind: NodeKind;
  params: AnyNodeParams;
  scope: FileScope;
}

export interface Recipe {
  rootFile: string;
  files: FileScope[];
  nodes: Map<string, RecipeNode>;
}

export interface LoadOptions {
  /** Where files imported by URL are cached (content-addressed by their sha256). */
  importCache?: string;
}

/** Loads and validates a recipe; throws RecipeError with every diagnostic of every file. */
export async function loadRecipe(file: string, options: LoadOptions = {}): Promise<Recipe> {
  const rootFile = path.resolve(file);
  try {
    await fs.access(rootFile);
  } catch {
    throw new R4lError('recipe-not-found', `recipe not found: ${file}`, 'give the path of a recipe YAML file, e.g. recipes/hello.yaml');
  }
  const diagnostics: Diagnostic[] = [];
  const nodes = new Map<string, RecipeNode>();
  const byFile = new Map<string, FileScope>();
  const files: FileScope[] = [];

  async function loadFile(location: string, text: string, prefix: string, dir: string | undefined, chain: string[]): Promise<FileScope | undefined> {
    const existing = byFile.get(location);
    if (existing) return existing;
    const { source, errors } = YamlSource.parse(location, text);
    diagnostics.push(...errors);
    if (errors.length) return undefined;
    const raw = source.doc.toJS() ?? {};
    // An imported file was written by someone else: check it against the published schema first.
    if (prefix !== '') {
      const problems = schemaDiagnostics(source);
      if (problems.length) {
        diagnostics.push(...problems);
        return undefined;
      }
    }
    const parsed = RecipeSchema.safeParse(preValidate(raw, source, diagnostics));
    const valueAt = (p: PropertyKey[]): unknown => p.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        for (const text of describeIssue(issue, valueAt)) diagnostics.push(source.diagnosticFor(text.path, text.message, text.at));
      }
      return undefined;
    }
    const scope: FileScope = { file: location, prefix, dir, aliases: new Map(), localNames: new Set(Object.keys(parsed.data.nodes)), source };
    byFile.set(location, scope);
    files.push(scope);
    for (const [alias, spec] of Object.entries(parsed.data.imports)) {
      const imported = await resolveImport(spec, scope, alias, options, diagnostics);
      if (!imported) continue;
      if (chain.includes(imported.location)) {
        diagnostics.push(source.diagnosticFor(['imports', alias], `import cycle: ${[...chain, location, imported.location].map((f) => path.basename(f)).join(' → ')}`));
        continue;
      }
      const child = await loadFile(imported.location, imported.text, `${prefix}${alias}.`, imported.dir, [...chain, location]);
      if (child) scope.aliases.set(alias, child);
    }
    for (const [localName, params] of Object.entries(parsed.data.nodes)) {
      const name = prefix + localName;
      nodes.set(name, { name, localName, kind: params.kind, params, scope });
    }
    return scope;
  }

  await loadFile(rootFile, await fs.readFile(rootFile, 'utf8'), '', path.dirname(rootFile), []);
  if (diagnostics.length) throw new RecipeError(diagnostics);
  return { rootFile, files, nodes };
}

/**
 * Checks each node's `kind` before the schema does, so an unknown kind says which kinds exist
 * instead of a generic union error; such nodes are dropped from what zod sees.
 */
function preValidate(raw: unknown, source: YamlSource, diagnostics: Diagnostic[]): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const doc = raw as Record<string, unknown>;
  const nodes = doc.nodes;
  if (!nodes || typeof nodes !== 'object' || Array.isArray(nodes)) return raw;
  const kept: Record<string, unknown> = {};
  for (const [name, node] of Object.entries(nodes as Record<string, unknown>)) {
    const kind = node && typeof node === 'object' ? (node as Record<string, unknown>).kind : undefined;
    if (typeof kind === 'string' && kind in NODE_KINDS) {
      kept[name] = node;
    } else if (node && typeof node === 'object' && !Array.isArray(node)) {
      const known = Object.keys(NODE_KINDS).join(', ');
      diagnostics.push(kind === undefined
        ? source.diagnosticFor(['nodes', name], `node \`${name}\` has no \`kind\` (expected one of ${known})`, 'key')
        : source.diagnosticFor(['nodes', name, 'kind'], `unknown kind ${JSON.stringify(kind)} (expected one of ${known})`));
    } else {
      diagnostics.push(source.diagnosticFor(['nodes', name], `node \`${name}\` must be a map with a \`kind\`, got ${JSON.stringify(node)}`));
    }
  }
  return { ...doc, nodes: kept };
}

interface ImportedText {
  location: string;
  text: string;
  dir: string | undefined;
}

async function resolveImport(spec: string | { url: string; sha256: string }, scope: FileScope, alias: string, options: LoadOptions, diagnostics: Diagnostic[]): Promise<ImportedText | undefined> {
  if (typeof spec === 'string') {
    if (!scope.dir) {
      diagnostics.push(scope.source.diagnosticFor(['imports', alias], `a recipe imported by URL cannot import a local path; import it by URL + sha256`));
      return undefined;
    }
    const location = path.resolve(scope.dir, spec);
    try {
      return { location, text: await fs.readFile(location, 'utf8'), dir: path.dirname(location) };
    } catch {
      diagnostics.push(scope.source.diagnosticFor(['imports', alias], `cannot read imported recipe ${spec} (looked at ${location})`));
      return undefined;
    }
  }
  let bytes: Buffer;
  try {
    bytes = await fetchImport(spec.url, spec.sha256, options.importCache);
  } catch (error) {
    diagnostics.push(scope.source.diagnosticFor(['imports', alias, 'url'], `cannot fetch ${spec.url}: ${(error as Error).message}`));
    return undefined;
  }
  const actual = sha256Hex(bytes);
  if (actual !== spec.sha256) {
    diagnostics.push(scope.source.diagnosticFor(['imports', alias, 'sha256'], `hash mismatch for ${spec.url}: the recipe says sha256 ${spec.sha256}, the file has ${actual}`));
    return undefined;
  }
  if (spec.url.startsWith('file://')) {
    const location = fileURLToPath(spec.url);
    return { location, text: bytes.toString('utf8'), dir: path.dirname(location) };
  }
  return { location: spec.url, text: bytes.toString('utf8'), dir: undefined };
}

async function fetchImport(url: string, sha256: string, cacheDir: string | undefined): Promise<Buffer> {
  if (url.startsWith('file://')) return fs.readFile(fileURLToPath(url));
  const cached = cacheDir ? path.join(cacheDir, sha256) : undefined;
  if (cached) {
    const hit = await fs.readFile(cached).catch(() => undefined);
    if (hit && sha256Hex(hit) === sha256) return hit;
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (cached && sha256Hex(bytes) === sha256) {
    await fs.mkdir(path.dirname(cached), { recursive: true });
    await fs.writeFile(cached, bytes);
  }
  return bytes;
}

/** Resolves a reference written in `scope` to a node's full name, or undefined. */
export function resolveRef(scope: FileScope, ref: string): string | undefined {
  const dot = ref.indexOf('.');
  if (dot < 0) return scope.localNames.has(ref) ? scope.prefix + ref : undefined;
  const child = scope.aliases.get(ref.slice(0, dot));
  return child ? resolveRef(child, ref.slice(dot + 1)) : undefined;
}

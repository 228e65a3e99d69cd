// Substituters and trusted keys from the command line, the environment and the config files.
//
// Config files (JSON, both optional): `r4l.config.json` in the current directory (the project's)
// and `$XDG_CONFIG_HOME/r4l/config.json` (default `~/.config/r4l/config.json`, the user's):
//   { "substituters": ["https://HOST/r4l"], "trustedKeys": ["ci-1:BASE64…"] }
//
// Precedence:
//   substituter URLs — the first of these that gives any: `--substituter URL` (repeatable),
//     R4L_SUBSTITUTERS (space-separated), the project config, the user config. So a flag replaces
//     the configured list rather than adding to it.
//   trusted keys — all of these together (trust is additive, like Nix's extra-trusted-public-keys):
//     `--trusted-key NAME:BASE64|FILE` (repeatable), R4L_TRUSTED_KEYS (space-separated), the project
//     config's and the user config's `trustedKeys`.
// An entry is accepted only with a valid signature by a trusted key; with no trusted key at all,
// every entry is refused.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Substituter } from './substituter.js';
import type { Store } from '../store/store.js';
import { R4lError } from '../errors.js';
import { resolvePublicKey, type PublicKey } from './keys.js';
import { parseCacheUrl } from './http.js';

export const R4lConfig = z.looseObject({
  substituters: z.array(z.string().min(1)).optional(),
  trustedKeys: z.array(z.string().min(1)).optional(),
});
export type R4lConfig = z.infer<typeof R4lConfig>;

export interface ConfigOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  file: string;
  config: R4lConfig;
}

/** The config files r4l reads, project first. */
export function configFiles(opts: ConfigOptions = {}): string[] {
  const env = opts.env ?? process.env;
  const xdg = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return [path.resolve(opts.cwd ?? process.cwd(), 'r4l.config.json'), path.join(xdg, 'r4l', 'config.json')];
}

/** Reads the config files that exist (project first); a broken file is a usage error naming it. */
export async function loadConfigs(opts: ConfigOptions = {}): Promise<LoadedConfig[]> {
  const loaded: LoadedConfig[] = [];
  for (const file of configFiles(opts)) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new R4lError('usage', `${file}: not JSON (${(error as Error).message})`, 'fix or remove the config file');
    }
    const parsed = R4lConfig.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new R4lError('usage', `${file}: ${issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'invalid'}`, 'expected { "substituters": [URL…], "trustedKeys": ["NAME:BASE64"…] }');
    }
    loaded.push({ file, config: parsed.data });
  }
  return loaded;
}

const words = (value: string | undefined): string[] => (value ?? '').split(/\s+/).filter(Boolean);

/** Every trusted public key: command line, R4L_TRUSTED_KEYS and both config files. */
export async function trustedKeysFrom(cli: string[] = [], opts: ConfigOptions = {}, configs?: LoadedConfig[]): Promise<PublicKey[]> {
  const env = opts.env ?? process.env;
  configs ??= await loadConfigs(opts);
  const sources: [string, string][] = [
    ...cli.map((v): [string, string] => [v, '--trusted-key']),
    ...words(env.R4L_TRUSTED_KEYS).map((v): [string, string] => [v, 'R4L_TRUSTED_KEYS']),
    ...configs.flatMap((c) => (c.config.trustedKeys ?? []).map((v): [string, string] => [v, `${c.file}: trustedKeys`])),
  ];
  const keys: PublicKey[] = [];
  for (const [value, where] of sources) {
    const key = await resolvePublicKey(value, where);
    if (!keys.some((k) => k.name === key.name && k.raw.equals(key.raw))) keys.push(key);
  }
  return keys;
}

/** The substituter URLs in force, and where they came from. */
export function substituterUrlsFrom(urls: string[], configs: LoadedConfig[], env: NodeJS.ProcessEnv = process.env): { urls: string[]; from: string } {
  const flags = urls.filter(Boolean);
  if (flags.length) return { urls: flags, from: '--substituter' };
  const fromEnv = words(env.R4L_SUBSTITUTERS);
  if (fromEnv.length) return { urls: fromEnv, from: 'R4L_SUBSTITUTERS' };
  for (const c of configs) if (c.config.substituters?.length) return { urls: c.config.substituters, from: c.file };
  return { urls: [], from: 'none' };
}

export interface SubstituterOptions extends ConfigOptions {
  /** Trusted keys from the command line (`--trusted-key`). */
  trustedKeys?: string[];
  /** Where warnings go (default: stderr). */
  warn?: (line: string) => void;
}

/** The substituters for realize/plan: `--substituter` URLs, else the environment, else config. */
export async function substitutersFrom(urls: string[], store: Store, options: SubstituterOptions = {}): Promise<Substituter[]> {
  void store;
  const configs = await loadConfigs(options);
  const chosen = substituterUrlsFrom(urls, configs, options.env ?? process.env);
  if (!chosen.urls.length) return [];
  for (const url of chosen.urls) parseCacheUrl(url);
  const trusted = await trustedKeysFrom(options.trustedKeys ?? [], options, configs);
  if (!trusted.length) {
    const warn = options.warn ?? ((line: string) => process.stderr.write(`r4l: warning: ${line}\n`));
    warn(`no trusted public key: every entry of ${chosen.urls.join(', ')} will be refused; add --trusted-key NAME:BASE64 (or trustedKeys in r4l.config.json, or R4L_TRUSTED_KEYS)`);
  }
  const { HttpSubstituter } = await import('./http-substituter.js');
  return chosen.urls.map((url) => new HttpSubstituter(url, trusted));
}

// Glue between the kernel-config builder and the audit library: load the kernel's Kconfig tree,
// audit the final .config against the fragments, and quote `make rustavailable` when RUST missed.
import { auditConfig, renderAudit } from './audit.js';
import { loadKconfigTree } from './kconfig-tree.js';

export interface AuditRun {
  /** Host path of the kernel source tree. */
  source: string;
  fragments: { displayPath: string; text: string }[];
  finalConfig: string;
  /** ARCH as given to make (x86_64, i386, x86, …). */
  arch: string;
  /** Runs `make rustavailable` with the build's settings and returns what it printed. */
  rustAvailable: () => Promise<string>;
}

export interface AuditOutcome {
  ok: boolean;
  /** One line for the failure message. */
  summary: string;
  /** The whole report (also written to audit.txt). */
  text: string;
}

/** Maps make's ARCH to the source directory under arch/ (SRCARCH). */
export function srcarchOf(arch: string): string {
  return arch === 'x86_64' || arch === 'i386' ? 'x86' : arch;
}

export async function auditKernelConfig(run: AuditRun): Promise<AuditOutcome> {
  const kconfig = loadKconfigTree(run.source, { srcarch: srcarchOf(run.arch), arch: run.arch });
  const result = auditConfig({
    fragments: run.fragments.map((f) => ({ file: f.displayPath, displayPath: f.displayPath, text: f.text })),
    finalConfig: run.finalConfig,
    kconfig,
  });
  let text = renderAudit(result);
  if (result.misses.some((m) => m.name === 'RUST')) {
    const answer = await run.rustAvailable();
    text += `\n\`make rustavailable\` says:\n${answer.split('\n').map((l) => `  ${l}`).join('\n')}`;
  }
  const parts: string[] = [];
  if (result.misses.length) parts.push(`${result.misses.length} requested option(s) did not land: ${result.misses.map((m) => m.option).join(', ')}`);
  if (result.conflicts.length) parts.push(`${result.conflicts.length} option(s) set two ways: ${result.conflicts.map((c) => c.option).join(', ')}`);
  return { ok: result.ok, summary: parts.join('; ') || 'every requested option landed', text: text.trim() || `all ${result.requested} requested options landed` };
}

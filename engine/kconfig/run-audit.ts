// Glue between the kernel-config builder and the audit library.
export interface AuditRun {
  source: string;
  fragments: { displayPath: string; text: string }[];
  finalConfig: string;
  arch: string;
  rustAvailable: () => Promise<string>;
}

// Interim: compares requested values only (the full audit library replaces this).
export async function auditKernelConfig(run: AuditRun): Promise<{ ok: boolean; summary: string; text: string }> {
  const final = new Map<string, string>();
  for (const line of run.finalConfig.split('\n')) {
    const m = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (m) final.set(m[1]!, m[2]!);
  }
  const misses: string[] = [];
  for (const f of run.fragments) {
    f.text.split('\n').forEach((line, i) => {
      const m = /^(CONFIG_\w+)=(.*)$/.exec(line);
      if (m && final.get(m[1]!) !== m[2]) misses.push(`${m[1]}: asked ${m[2]}, got ${final.get(m[1]!) ?? 'not set'} (${f.displayPath}:${i + 1})`);
    });
  }
  if (misses.some((m) => m.startsWith('CONFIG_RUST:'))) misses.push(await run.rustAvailable());
  return { ok: misses.length === 0, summary: `${misses.length} requested options did not land`, text: misses.join('\n') };
}

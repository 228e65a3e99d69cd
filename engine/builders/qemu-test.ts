// `qemu-test`: boots a kernel and an initramfs in QEMU (from its pinned closure) in the sandbox,
// reads the serial console, and judges it: expectations in order, fail patterns at once, KTAP,
// and a timeout. Outputs the console log, result.json and JUnit XML.
import { promises as fs, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Builder } from './types.js';
import { BuildFailure } from './types.js';
import { baseEnv } from '../sandbox/run.js';
import { INITRAMFS_FILE } from './initramfs.js';
import type { Verdict } from '../boot/verdict.js';

/** Which accelerator to use, and why (the result records both). */
export interface AccelChoice {
  accel: 'kvm' | 'tcg';
  why: string;
}

/**
 * `auto` uses KVM only where the CPU really offers hardware virtualisation: /dev/kvm alone is not
 * enough (on these machines it belongs to a nested PVM hypervisor under which guests crawl).
 */
export function chooseAccel(wanted: 'auto' | 'kvm' | 'tcg'): AccelChoice {
  if (wanted === 'tcg') return { accel: 'tcg', why: 'the recipe asks for TCG' };
  const cpuinfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  const hasFlag = /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo);
  const hasModule = existsSync('/sys/module/kvm_intel') || existsSync('/sys/module/kvm_amd');
  const hasDevice = existsSync('/dev/kvm');
  if (wanted === 'kvm') {
    if (!hasDevice) throw new BuildFailure('no-kvm', 'the recipe asks for KVM, but this host has no /dev/kvm', [], 'use accel: auto or tcg');
    return { accel: 'kvm', why: 'the recipe asks for KVM' };
  }
  if (hasDevice && hasFlag && hasModule) return { accel: 'kvm', why: 'the CPU offers hardware virtualisation (vmx/svm) and kvm_intel/kvm_amd is loaded' };
  if (!hasDevice) return { accel: 'tcg', why: 'no /dev/kvm on this host' };
  return { accel: 'tcg', why: `/dev/kvm exists but the CPU has no ${hasFlag ? 'kvm_intel/kvm_amd module' : 'vmx/svm flag'} (a nested or paravirtual hypervisor: guests would crawl)` };
}

export interface BootResult {
  verdict: Verdict['verdict'];
  reason: Verdict['reason'];
  message: string;
  expectations: Verdict['expectations'];
  failure?: Verdict['failure'];
  ktap?: Verdict['ktap'];
  accel: AccelChoice['accel'];
  accelReason: string;
  bootSeconds: number;
  qemu: string[];
}

export const qemuTestBuilder: Builder<'qemu-test'> = {
  kind: 'qemu-test',
  version: 1,
  rerunnable: true,
  outputs: () => ['out'],
  inputs(params) {
    return {
      kernel: { ref: params.kernel, field: ['kernel'] },
      initramfs: { ref: params.initramfs, field: ['initramfs'] },
      qemu: { ref: params.qemu, field: ['qemu'] },
    };
  },
  async build(ctx) {
    const { params } = ctx;
    const [{ compilePattern, failPatterns, judge, matchFailLine, renderVerdict }, { toJunit }] = await Promise.all([import('../boot/verdict.js'), import('../boot/junit.js')]);
    const choice = chooseAccel(params.accel);
    ctx.log(`r4l: accelerator ${choice.accel}: ${choice.why}`);
    const append = ['console=ttyS0', 'panic=-1', params.append].filter(Boolean).join(' ');
    const qemu = [
      'qemu-system-x86_64', '-accel', choice.accel, '-m', String(params.memory), '-smp', String(params.cpus),
      '-nographic', '-no-reboot', '-nic', 'none',
      '-kernel', '/in/kernel/bzImage', '-initrd', `/in/initramfs/${INITRAMFS_FILE}`, '-append', append,
    ];
    const console: string[] = [];
    const fails = failPatterns({ fail: params.fail, defaultFail: params.defaultFail }).map(compilePattern);
    const stopper = new AbortController();
    const started = Date.now();
    const result = await ctx.run({
      root: ctx.inputs.qemu!.out,
      binds: [
        { host: ctx.inputs.kernel!.out, dest: '/in/kernel' },
        { host: ctx.inputs.initramfs!.out, dest: '/in/initramfs' },
        { host: ctx.scratch, dest: '/build', writable: true },
      ],
      argv: qemu,
      env: baseEnv(ctx.epoch),
      kvm: choice.accel === 'kvm',
      timeoutMs: params.timeout * 1000,
      signal: stopper.signal,
      onLine: (line) => {
        const clean = line.replace(/\r$/, '');
        console.push(clean);
        // A fail pattern fails at once: give the kernel a moment to print the rest of the trace.
        if (!stopper.signal.aborted && matchFailLine(clean, fails)) setTimeout(() => stopper.abort(), 1000);
      },
    });
    const bootSeconds = (Date.now() - started) / 1000;
    const outcome = result.outcome;
    const consoleText = console.join('\n') + '\n';
    const hasKtap = /^(\[[ \d.]+\] )?\s*(KTAP|TAP) version \d+/m.test(consoleText);
    const verdict = judge(consoleText, {
      expect: params.expect,
      fail: params.fail,
      defaultFail: params.defaultFail,
      timedOut: outcome.reason === 'timeout',
      timeoutSeconds: params.timeout,
      exitCode: outcome.reason === 'ok' ? 0 : outcome.reason === 'exit-non-zero' ? outcome.exitCode : null,
      ktap: params.ktap === 'required' || (params.ktap === 'auto' && hasKtap),
    });
    const boot: BootResult = {
      verdict: verdict.verdict,
      reason: verdict.reason,
      message: verdict.message,
      expectations: verdict.expectations,
      ...(verdict.failure ? { failure: verdict.failure } : {}),
      ...(verdict.ktap ? { ktap: verdict.ktap } : {}),
      accel: choice.accel,
      accelReason: choice.why,
      bootSeconds: Math.round(bootSeconds * 100) / 100,
      qemu,
    };
    const out = ctx.outputs.out!;
    await fs.writeFile(path.join(out, 'console.log'), consoleText);
    await fs.writeFile(path.join(out, 'result.json'), JSON.stringify(boot, null, 2) + '\n');
    await fs.writeFile(path.join(out, 'junit.xml'), toJunit(verdict, { name: ctx.name, timeSeconds: boot.bootSeconds, properties: { accel: choice.accel } }));
    if (verdict.verdict !== 'pass') {
      throw new BuildFailure('boot-failed', `boot test failed (${verdict.reason ?? 'unknown'}, ${choice.accel}): ${verdict.message}`, renderVerdict(verdict).split('\n').slice(1));
    }
  },
  async summary(outputs) {
    const boot = JSON.parse(await fs.readFile(path.join(outputs.out!, 'result.json'), 'utf8')) as BootResult;
    return [`${boot.verdict.toUpperCase()} (${boot.accel}, ${boot.bootSeconds}s): ${boot.message}`];
  },
};

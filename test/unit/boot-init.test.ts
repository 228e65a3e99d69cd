// /init: the exact script for a small input, and its behaviour when a POSIX shell runs it (the
// host's /bin/sh stands in for busybox ash; mount and reboot are stubbed as shell functions).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INIT_MARKERS, renderInit, shellQuote } from '../../engine/boot/init-script.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'r4l-boot-init-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs a rendered /init under sh with `mount` as a no-op and `reboot` printing and exiting. */
function run(script: string[]): string {
  const file = path.join(scratch, `init-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, renderInit({ script }));
  return execFileSync('/bin/sh', ['-c', `mount() { :; }; reboot() { echo "reboot $*"; exit 0; }; . ${shellQuote(file)}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('renderInit', () => {
  it('renders the exact script', () => {
    expect(renderInit({ script: ['insmod $R4L_MODULES/hello_world.ko', '', "echo 'done'"] })).toBe(
      [
        '#!/bin/busybox sh',
        '# /init written by r4l: runs the boot test commands, echoing each, and reports their status.',
        '# The busybox applet links were made when the initramfs was built: /bin need not be writable.',
        'export PATH=/bin:/sbin',
        'export R4L_MODULES=/lib/modules-r4l',
        'mount -t proc proc /proc 2>/dev/null',
        'mount -t sysfs sysfs /sys 2>/dev/null',
        'mount -t devtmpfs devtmpfs /dev 2>/dev/null',
        'r4l_status=0',
        'r4l_run() {',
        '\teval "$1"',
        '\tr4l_rc=$?',
        '\tif [ "$r4l_rc" -ne 0 ]; then',
        "\t\tprintf '%s, exit status %s\\n' 'r4l: command failed' \"$r4l_rc\"",
        '\t\tr4l_status=$r4l_rc',
        '\tfi',
        '}',
        "trap 'printf '\\''%s\\n'\\'' '\\''r4l: init ended early'\\''; reboot -f' EXIT",
        "printf '%s\\n' 'r4l: init start'",
        "printf '%s\\n' 'r4l: $ insmod $R4L_MODULES/hello_world.ko'",
        "r4l_run 'insmod $R4L_MODULES/hello_world.ko'",
        "printf '%s\\n' 'r4l: $ echo '\\''done'\\'''",
        "r4l_run 'echo '\\''done'\\'''",
        'trap - EXIT',
        "printf '%s%s\\n' 'r4l: init done, exit status ' \"$r4l_status\"",
        'reboot -f',
        '',
      ].join('\n'),
    );
  });

  it('refuses a modules directory it cannot quote safely', () => {
    expect(() => renderInit({ script: [], modulesDir: 'lib/mods' })).toThrow(/absolute path/);
    expect(() => renderInit({ script: [], modulesDir: '/lib/$(reboot)' })).toThrow(/absolute path/);
    expect(renderInit({ script: [], modulesDir: '/lib/modules/6.12.118' })).toContain('export R4L_MODULES=/lib/modules/6.12.118\n');
  });
});

describe.skipIf(!existsSync('/bin/sh'))('the rendered /init, run by a shell', () => {
  it('echoes each command, keeps going after a failure, reports the last failing status and reboots', () => {
    const output = run(['echo hello', 'false', `echo 'it'"'"'s'`, 'cd /', 'x=42', 'echo "x=$x in $(pwd) with $R4L_MODULES"', 'sh -c "exit 3"', 'if true; then\n  echo multi\nfi']);
    expect(output).toBe(
      [
        'r4l: init start',
        'r4l: $ echo hello',
        'hello',
        'r4l: $ false',
        'r4l: command failed, exit status 1',
        `r4l: $ echo 'it'"'"'s'`,
        "it's",
        'r4l: $ cd /',
        'r4l: $ x=42',
        'r4l: $ echo "x=$x in $(pwd) with $R4L_MODULES"',
        'x=42 in / with /lib/modules-r4l',
        'r4l: $ sh -c "exit 3"',
        'r4l: command failed, exit status 3',
        'r4l: $ if true; then',
        'r4l: >   echo multi',
        'r4l: > fi',
        'multi',
        'r4l: init done, exit status 3',
        'reboot -f',
        '',
      ].join('\n'),
    );
  });

  it('says so when a command ends the script early, and still reboots', () => {
    expect(run(['echo before', 'exit 7', 'echo after'])).toBe(
      ['r4l: init start', 'r4l: $ echo before', 'before', 'r4l: $ exit 7', INIT_MARKERS.early, 'reboot -f', ''].join('\n'),
    );
  });

  it('reports status 0 when every command succeeds', () => {
    expect(run(['true'])).toBe(['r4l: init start', 'r4l: $ true', 'r4l: init done, exit status 0', 'reboot -f', ''].join('\n'));
  });
});

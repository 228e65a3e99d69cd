// The /init of a boot-test initramfs: a busybox shell script that mounts the pseudo file systems,
// runs the recipe's commands one by one, echoing each first, keeps going when one fails but
// remembers its status, prints that status last and reboots (QEMU `-no-reboot` then exits).
// Its console lines are the markers that verdict.ts reads.

/** Where the initramfs puts the recipe's modules; exported to the commands as $R4L_MODULES. */
import { shellQuote } from '../util/shell-quote.js';

export { shellQuote };

export const DEFAULT_MODULES_DIR = '/lib/modules-r4l';

/** The lines /init prints, for the verdict and for people reading a console log. */
export const INIT_MARKERS = {
  /** First line /init prints. */
  start: 'r4l: init start',
  /** Prefix of the echo of a command before it runs. */
  command: 'r4l: $ ',
  /** Prefix of the echo of the second and further lines of a multi-line command. */
  continuation: 'r4l: > ',
  /** Printed after a command that returned non-zero, followed by `, exit status N`. */
  failed: 'r4l: command failed',
  /** Last line of a complete run, followed by the last non-zero status (0 when none failed). */
  done: 'r4l: init done, exit status ',
  /** Printed when the script ends before its last line (a command ran `exit`, a syntax error). */
  early: 'r4l: init ended early',
} as const;

/** Input of {@link renderInit}. */
export interface InitOptions {
  /** The commands, one shell command per element (an element may span lines: it is one command). */
  script: string[];
  /** Absolute path of the modules directory inside the initramfs; default /lib/modules-r4l. */
  modulesDir?: string;
}

/** Renders /init. Commands run with `eval` in one shell, so `cd` and variables carry over. */
export function renderInit(options: InitOptions): string {
  const modulesDir = options.modulesDir ?? DEFAULT_MODULES_DIR;
  if (!/^\/[A-Za-z0-9._/-]+$/.test(modulesDir)) {
    throw new Error(`init: modulesDir ${JSON.stringify(modulesDir)} must be an absolute path of letters, digits, ".", "_", "-" and "/"`);
  }
  const out: string[] = [
    '#!/bin/busybox sh',
    '# /init written by r4l: runs the boot test commands, echoing each, and reports their status.',
    '# The busybox applet links were made when the initramfs was built: /bin need not be writable.',
    'export PATH=/bin:/sbin',
    `export R4L_MODULES=${modulesDir}`,
    'mount -t proc proc /proc 2>/dev/null',
    'mount -t sysfs sysfs /sys 2>/dev/null',
    'mount -t devtmpfs devtmpfs /dev 2>/dev/null',
    'r4l_status=0',
    'r4l_run() {',
    '\teval "$1"',
    '\tr4l_rc=$?',
    '\tif [ "$r4l_rc" -ne 0 ]; then',
    `\t\tprintf '%s, exit status %s\\n' ${shellQuote(INIT_MARKERS.failed)} "$r4l_rc"`,
    '\t\tr4l_status=$r4l_rc',
    '\tfi',
    '}',
    `trap ${shellQuote(`printf '%s\\n' ${shellQuote(INIT_MARKERS.early)}; reboot -f`)} EXIT`,
    `printf '%s\\n' ${shellQuote(INIT_MARKERS.start)}`,
  ];
  for (const command of options.script) {
    if (command.includes('\0')) throw new Error(`init: command ${JSON.stringify(command)} contains a NUL byte`);
    if (command.trim() === '') continue;
    const lines = command.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
    const echo = lines.map((line, i) => (i === 0 ? INIT_MARKERS.command : INIT_MARKERS.continuation) + line);
    out.push(`printf '%s\\n' ${echo.map(shellQuote).join(' ')}`);
    out.push(`r4l_run ${shellQuote(lines.join('\n'))}`);
  }
  out.push(
    'trap - EXIT',
    `printf '%s%s\\n' ${shellQuote(INIT_MARKERS.done)} "$r4l_status"`,
    'reboot -f',
    '',
  );
  return out.join('\n');
}

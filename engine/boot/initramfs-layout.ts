// What goes into a boot-test initramfs: busybox and its applet links, /dev/console, the mount
// points, /init and the modules. Pure: returns the entry list that cpio.ts writes.
import type { CpioEntry } from './cpio.js';
import { DEFAULT_MODULES_DIR } from './init-script.js';

/** The applets /init and typical boot-test commands use; all are in Debian's busybox-static 1.37. */
export const DEFAULT_APPLETS: readonly string[] = [
  '[', 'cat', 'dmesg', 'echo', 'false', 'grep', 'insmod', 'ls', 'lsmod', 'mkdir', 'modinfo',
  'modprobe', 'mount', 'poweroff', 'printf', 'reboot', 'rmmod', 'sh', 'sleep', 'test', 'true',
  'umount', 'uname',
];

/** Input of {@link initramfsEntries}. */
export interface InitramfsInput {
  /** The static busybox binary; it becomes /bin/busybox. */
  busybox: Buffer;
  /** Applet names: each becomes a symlink /bin/<name> → busybox (`busybox --list` gives them all). */
  applets: readonly string[];
  /** The /init script (init-script.ts). */
  init: string;
  /** Kernel modules, put into modulesDir under their file names. */
  modules: readonly { name: string; data: Buffer }[];
  /** Absolute path of the modules directory; default /lib/modules-r4l. */
  modulesDir?: string;
  /** Further entries, added as they are (a path may not repeat one of the above). */
  extra?: readonly CpioEntry[];
}

/** Lists the entries of a boot-test initramfs (unsorted: writeCpio sorts). */
export function initramfsEntries(input: InitramfsInput): CpioEntry[] {
  const modulesDir = input.modulesDir ?? DEFAULT_MODULES_DIR;
  const entries: CpioEntry[] = [
    { path: '/bin', type: 'dir', mode: 0o755 },
    { path: '/bin/busybox', type: 'file', mode: 0o755, data: input.busybox },
    { path: '/sbin', type: 'symlink', mode: 0o777, target: 'bin' },
    { path: '/usr', type: 'dir', mode: 0o755 },
    { path: '/usr/bin', type: 'symlink', mode: 0o777, target: '../bin' },
    { path: '/usr/sbin', type: 'symlink', mode: 0o777, target: '../bin' },
    // The kernel opens /dev/console for init's stdin/stdout/stderr before init can mount devtmpfs.
    { path: '/dev', type: 'dir', mode: 0o755 },
    { path: '/dev/console', type: 'char', mode: 0o600, major: 5, minor: 1 },
    { path: '/proc', type: 'dir', mode: 0o555 },
    { path: '/sys', type: 'dir', mode: 0o555 },
    { path: '/tmp', type: 'dir', mode: 0o1777 },
    { path: '/root', type: 'dir', mode: 0o700 },
    { path: '/init', type: 'file', mode: 0o755, data: Buffer.from(input.init, 'utf8') },
    { path: modulesDir, type: 'dir', mode: 0o755 },
  ];
  for (const applet of new Set(input.applets)) {
    if (!/^[A-Za-z0-9_.[\]-]+$/.test(applet) || applet === 'busybox' || applet === '.' || applet === '..') {
      throw new Error(`initramfs: ${JSON.stringify(applet)} is not an applet name`);
    }
    entries.push({ path: `/bin/${applet}`, type: 'symlink', mode: 0o777, target: 'busybox' });
  }
  for (const module of input.modules) {
    if (!/^[A-Za-z0-9_.-]+$/.test(module.name) || module.name.startsWith('.')) {
      throw new Error(`initramfs: module file name ${JSON.stringify(module.name)} must be a plain file name`);
    }
    entries.push({ path: `${modulesDir}/${module.name}`, type: 'file', mode: 0o644, data: module.data });
  }
  entries.push(...(input.extra ?? []));
  return entries;
}

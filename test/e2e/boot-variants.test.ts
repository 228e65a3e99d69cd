// Boot verdicts on real boots: a module whose init fails, an expectation that never comes (the
// timeout), and a kernel whose KUnit suite prints KTAP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { copyRecipes, outputPaths, r4l } from './rig.js';

let dir: string;

beforeAll(async () => {
  dir = await copyRecipes();
  const mod = path.join(dir, 'recipes/modules/failing_init');
  await fs.mkdir(mod, { recursive: true });
  await fs.writeFile(path.join(mod, 'Kbuild'), 'obj-m := failing_init.o\n');
  await fs.writeFile(
    path.join(mod, 'failing_init.rs'),
    `// SPDX-License-Identifier: GPL-2.0

//! A module whose init fails: the boot test must fail with the insmod error.

use kernel::prelude::*;

module! {
    type: FailingInit,
    name: "failing_init",
    author: "r4l developers",
    description: "Returns an error from init",
    license: "GPL",
}

struct FailingInit;

impl kernel::Module for FailingInit {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("failing_init: refusing to load\\n");
        Err(EINVAL)
    }
}
`,
  );
  await fs.writeFile(path.join(dir, 'recipes/fragments/kunit.config'), '# KUnit with its example suite, run at boot.\nCONFIG_KUNIT=y\nCONFIG_KUNIT_EXAMPLE_TEST=y\n');
  await fs.writeFile(
    path.join(dir, 'recipes/variants.yaml'),
    `imports:
  hello: ./hello.yaml
  qemu: ./toolchain/qemu.yaml
nodes:
  failing:
    kind: module
    kernel: hello.linux
    source: ./modules/failing_init
  failing-initramfs:
    kind: initramfs
    busybox: qemu.qemu
    modules: [failing]
    script: [insmod /lib/modules-r4l/failing_init.ko]
  failing-boot:
    kind: qemu-test
    kernel: hello.linux
    initramfs: failing-initramfs
    qemu: qemu.qemu
    timeout: 120
    expect: [never printed]
  hanging-initramfs:
    kind: initramfs
    busybox: qemu.qemu
    modules: [hello.hello]
    script:
      - insmod /lib/modules-r4l/hello_world.ko
      - sleep 600
  hanging-boot:
    kind: qemu-test
    kernel: hello.linux
    initramfs: hanging-initramfs
    qemu: qemu.qemu
    timeout: 25
    expect: [Hello world from rust!, this line is never printed]
  kunit-config:
    kind: kernel-config
    source: hello.kernel-source.linux-source
    toolchain: hello.toolchain.rust
    base: tinyconfig
    fragments: [./fragments/qemu-x86_64.config, ./fragments/modules.config, ./fragments/rust.config, ./fragments/kunit.config]
    make: { ARCH: x86_64, LLVM: "-19" }
  kunit-linux:
    kind: kernel
    config: kunit-config
  kunit-initramfs:
    kind: initramfs
    busybox: qemu.qemu
  kunit-boot:
    kind: qemu-test
    kernel: kunit-linux
    initramfs: kunit-initramfs
    qemu: qemu.qemu
    timeout: 180
    # allnoconfig leaves KUNIT_DEFAULT_ENABLED off: enable the run at boot instead.
    append: kunit.enable=1
    ktap: required
`,
  );
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('boot verdicts on real boots', () => {
  it('a module whose init returns an error fails the boot, quoting the insmod error', async () => {
    const run = await r4l(['realize', 'recipes/variants.yaml', 'failing-boot', '--no-link'], dir);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/FAIL +failing-boot/);
    expect(run.stderr).toMatch(/boot test failed \(fail-pattern, (tcg|kvm)\)/);
    expect(run.stderr).toMatch(/insmod: can't insert '\/lib\/modules-r4l\/failing_init\.ko': Invalid (argument|parameters)/);
  });

  it('an expectation that never comes fails at the timeout with the last console lines', async () => {
    const started = Date.now();
    const run = await r4l(['realize', 'recipes/variants.yaml', 'hanging-boot', '--no-link'], dir);
    expect(run.exitCode).toBe(1);
    expect(Date.now() - started).toBeGreaterThan(25_000);
    expect(run.stderr).toMatch(/boot test failed \(timeout/);
    expect(run.stderr).toContain('this line is never printed');
    // The context shows the console's last lines: the module's greeting and the hanging command.
    expect(run.stderr).toMatch(/\| .*Hello world from rust!/);
    expect(run.stderr).toMatch(/\| r4l: \$ sleep 600/);
  });

  it("a kernel with KUnit reports each KTAP test", async () => {
    const run = await r4l(['realize', 'recipes/variants.yaml', 'kunit-boot', '--no-link'], dir);
    expect(run.stderr).not.toMatch(/FAIL /);
    expect(run.exitCode).toBe(0);
    const boot = outputPaths(run.stdout).get('kunit-boot')!;
    const result = JSON.parse(await fs.readFile(path.join(boot, 'result.json'), 'utf8'));
    expect(result.ktap).toBeDefined();
    const junit = await fs.readFile(path.join(boot, 'junit.xml'), 'utf8');
    expect(junit).toContain('example_simple_test');
    expect(junit).toMatch(/example_skip_test[\s\S]*<skipped/);
  });
});

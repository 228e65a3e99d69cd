// The pinned toolchain closure as a sandbox root: rustc (with rust-src), bindgen, clang-19 and
// ld.lld-19 run inside it, through `r4l shell`.
import { describe, expect, it } from 'vitest';
import { r4l } from './rig.js';

const shell = (cmd: string) => r4l(['shell', 'recipes/hello.yaml', 'toolchain.rust', '--', 'sh', '-c', cmd]);

describe('the Rust toolchain closure (recipes/toolchain/rust.yaml)', () => {
  it('runs rustc 1.85 and its sysroot has the library sources', async () => {
    const run = await shell('rustc --version && ls -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library"');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^rustc 1\.85\.1/m);
    expect(run.stdout).toMatch(/\/lib\/rustlib\/src\/rust\/library$/m);
  });

  it('runs bindgen 0.71, clang-19 and ld.lld-19', async () => {
    const run = await shell('bindgen --version && clang-19 --version | head -1 && ld.lld-19 --version');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^bindgen 0\.71\.1/m);
    expect(run.stdout).toMatch(/clang version 19\.1\.7/);
    expect(run.stdout).toMatch(/LLD 19\.1\.7/);
  });

  it('has no network and nothing of the host', async () => {
    const run = await shell('test ! -e /etc/apt && test ! -e /root/.npm && ! (exec 3<>/dev/tcp/127.0.0.1/80) 2>/dev/null; echo rc=$?');
    expect(run.stdout).toContain('rc=0');
  });
});

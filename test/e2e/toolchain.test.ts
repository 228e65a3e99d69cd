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
    // Only a loopback interface, and no host directory (the repository, npm's cache) is visible.
    const run = await shell('tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; for d in /work /root/.npm /etc/apt/sources.list.d/debian.sources; do test -e $d && echo "visible: $d"; done; true');
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual(['lo']);
  });
});

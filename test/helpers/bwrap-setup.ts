// vitest globalSetup: on a host without bwrap on PATH (CI), bootstrap the pinned bubblewrap
// closure once, into a store of its own, and hand it to every r4l the suites start (R4L_BWRAP).
// Otherwise each test's fresh store would bootstrap it again, and its objects and its BUILT line
// would show up in what the tests count. test/unit/bwrap-bootstrap.test.ts covers the bootstrap
// itself (R4L_NO_HOST_BWRAP=1 ignores R4L_BWRAP too).
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { REPO } from './engine-rig.js';

export default async function setup(): Promise<void> {
  if (process.env.R4L_BWRAP || !existsSync(path.join(REPO, 'dist/engine/sandbox/bwrap.js'))) return;
  const { hostBwrap } = await import(path.join(REPO, 'dist/engine/sandbox/bwrap.js'));
  if (await hostBwrap()) return;
  const { Store } = await import(path.join(REPO, 'dist/engine/store/store.js'));
  const { openIndex } = await import(path.join(REPO, 'dist/engine/index/index.js'));
  const { bootstrapBwrap } = await import(path.join(REPO, 'dist/engine/sandbox/bootstrap.js'));
  const store = new Store(path.join(os.tmpdir(), 'r4l-test-bwrap-store'));
  await store.init();
  const index = await openIndex(store.root);
  try {
    const bwrap = await bootstrapBwrap(store, index, undefined, () => undefined);
    // closureBwrap: [--library-path, <root>/usr/lib/x86_64-linux-gnu, <root>/usr/bin/bwrap]
    process.env.R4L_BWRAP = path.resolve(bwrap.prefixArgs[2], '../../..');
  } finally {
    await index.close();
  }
}

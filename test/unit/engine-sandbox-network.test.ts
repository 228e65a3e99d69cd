// The sandbox has no network: a build step that talks to a server the test runs fails, and the
// very same script run directly on the host reaches it (so the failure is the sandbox's doing).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNode, nodesWith, recipe, Rig } from '../helpers/engine-rig.js';

const run = promisify(execFile);

/** A non-loopback IPv4 address of this machine, when it has one. */
function hostAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

describe('network in the sandbox', () => {
  let rig: Rig;
  let server: http.Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    rig = await Rig.create();
    server = http.createServer((_req, res) => {
      hits++;
      res.end('pong\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await rig?.dispose();
  });

  const scripts: [string, (host: string) => string][] = [
    ['bash /dev/tcp', (host) => `bash -c 'exec 3<>/dev/tcp/${host}/${port} && printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3 && cat <&3' > /out/reply`],
    ...(existsSync('/usr/bin/curl') ? [['curl', (host: string) => `curl -sS --max-time 5 http://${host}:${port}/ > /out/reply`] as [string, (host: string) => string]] : []),
  ];
  const hosts = ['127.0.0.1', ...(hostAddress() ? [hostAddress()!] : [])];

  for (const [tool, script] of scripts) {
    for (const host of hosts) {
      it(`${tool} to ${host === '127.0.0.1' ? 'the loopback' : "the host's address"} fails in the sandbox and works directly`, async () => {
        const text = script(host);
        await rig.write('r.yaml', recipe(commandNode('net', text)));
        hits = 0;
        const result = await rig.r4l(['realize', 'r.yaml']);
        expect(result.code, result.stderr).toBe(1);
        expect(nodesWith(result.stderr, 'FAIL')).toEqual(['net']);
        expect(result.stderr).toMatch(/net: the script exited with code \d+/);
        expect(result.stderr).toMatch(/Connection refused|Network is unreachable|Couldn't connect|Failed to connect/);
        expect(hits).toBe(0);

        // The same script, straight on the host (with /out pointed at a temp file).
        const direct = await run('/bin/sh', ['-euc', text.replace('/out/reply', rig.path(`direct-${tool.replace(/\W/g, '')}`))]);
        expect(direct.stderr).toBe('');
        expect(hits).toBe(1);
        expect(await rig.read(`direct-${tool.replace(/\W/g, '')}`)).toContain('pong');
      });
    }
  }
});

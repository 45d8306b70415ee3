import net from 'node:net';
import type { Mutation } from '../reference/pool-adapter.ts';

/**
 * Puts a proxy on the scenario's unix path that reverses the 4-byte length header of each
 * request before the real pool sees it: the pool then behaves as if it read the length
 * little-endian.
 */
async function littleEndianProxy(host: string, isMaster: boolean): Promise<string> {
  const front = host.replace(/^unix:/i, '');
  const back = `${front}.real`;
  if (!isMaster) return `unix:${back}`;
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect(back);
    let head = Buffer.alloc(0);
    let passed = false;
    client.on('data', (c: Buffer) => {
      if (passed) return void upstream.write(c);
      head = Buffer.concat([head, c]);
      if (head.length < 4) return;
      passed = true;
      upstream.write(Buffer.concat([Buffer.from(head.subarray(0, 4)).reverse(), head.subarray(4)]));
    });
    client.on('end', () => upstream.end());
    upstream.on('data', (c: Buffer) => client.write(c));
    upstream.on('end', () => client.end());
    for (const s of [client, upstream]) s.on('error', () => (client.destroy(), upstream.destroy()));
  });
  await new Promise<void>((r) => server.listen(front, r));
  server.unref();
  return `unix:${back}`;
}

/** Each mutation is a plausible porting bug the suite must catch. */
export const MUTATIONS: Record<string, Mutation> = {
  /** Delivers one byte short whenever a message reaches max_package_size (an off-by-one cap). */
  'truncate-off-by-one': {
    received(data, scenario) {
      const max = Number(scenario.set?.max_package_size ?? 2 * 1024 * 1024);
      return data.length >= max ? data.subarray(0, max - 1) : data;
    },
  },
  /** Ignores enable_message_bus, so big UNIXSOCK messages get truncated. */
  'bus-ignored': {
    options(set) {
      const { enable_message_bus: _drop, ...rest } = set;
      return rest;
    },
  },
  /** Reads the SOCKET request length little-endian. */
  'length-little-endian': { listen: littleEndianProxy },
  /** Server open_length_check reads the big-endian length types (n, N) little-endian. */
  'server-length-little-endian': {
    serverOptions(set) {
      const swap: Record<string, string> = { n: 'v', N: 'V' };
      const t = set.package_length_type;
      return typeof t === 'string' && t[0]! in swap ? { ...set, package_length_type: swap[t[0]!] } : set;
    },
  },
  /** Server::task() numbers tasks from 1 instead of 0 (a counter incremented too early). */
  'task-ids-from-one': {
    serverResult(method, ret) {
      return method === 'task' && typeof ret === 'number' ? ret + 1 : ret;
    },
  },
  /** Server::sendto() reports success whatever the kernel said (a port that drops errno). */
  'sendto-always-true': {
    serverResult(method, ret) {
      return method === 'sendto' ? true : ret;
    },
  },
  /** Pool::write() claims success but sends nothing (no response frame). */
  'write-dropped': {
    call(method) {
      return method === 'write' ? { ret: true } : undefined;
    },
  },
};

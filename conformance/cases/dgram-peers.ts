/**
 * The runner's datagram peers for server cases: a UDP socket (node:dgram) and a unix dgram
 * socket bound at a path (the native addon: Node has no unix datagrams; a skip without it).
 * Each keeps what it receives with the sender's address; closed at teardown.
 */
import dgram from 'node:dgram';
import type { Harness } from '../runner/harness.ts';
import { AssertionFailure } from '../runner/errors.ts';
import { nativeAddon } from '../runner/native.ts';

export interface Received {
  data: Buffer;
  address: string;
  port: number;
}

class Mailbox {
  readonly received: Received[] = [];
  #waiters: (() => void)[] = [];

  protected arrive(r: Received): void {
    this.received.push(r);
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves once `n` datagrams arrived in all, or fails after `ms`. */
  async atLeast(n: number, ms: number): Promise<Received[]> {
    const until = Date.now() + ms;
    while (this.received.length < n) {
      const left = until - Date.now();
      if (left <= 0) throw new AssertionFailure(`timed out waiting for ${n} datagrams`, n, this.received.length);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
    return this.received;
  }
}

export class UdpPeer extends Mailbox {
  readonly #sock: dgram.Socket;

  private constructor(sock: dgram.Socket) {
    super();
    this.#sock = sock;
    sock.on('message', (data, r) => this.arrive({ data, address: r.address, port: r.port }));
  }

  static async open(h: Harness): Promise<UdpPeer> {
    const sock = dgram.createSocket('udp4');
    h.onTeardown(() => void sock.close());
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    return new UdpPeer(sock);
  }

  get port(): number {
    return this.#sock.address().port;
  }

  send(data: Buffer | string, port: number): Promise<void> {
    return new Promise((resolve, reject) => this.#sock.send(data, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  }
}

export class UnixDgramPeer extends Mailbox {
  readonly path: string;
  #fd = -1;
  #send: (data: Buffer, to: string) => number = () => -1;

  private constructor(path: string) {
    super();
    this.path = path;
  }

  /** Bound at `path`, or unbound when `path` is null (a sender without a name). */
  static async open(h: Harness, path: string | null): Promise<UnixDgramPeer> {
    const native = await nativeAddon();
    const peer = new UnixDgramPeer(path ?? '');
    const sock = native.openDatagram(path === null ? native.unixDgramSocket() : native.bindUnixDgram(path));
    h.onTeardown(() => sock.close());
    peer.#fd = sock.fd;
    peer.#send = (data, to) => native.sendToPath(peer.#fd, data, to);
    sock.startReading(256 * 1024, (batch) => {
      for (const d of batch) peer.arrive({ data: Buffer.from(d.data), address: d.address ?? '', port: -1 });
    }, 16, true);
    return peer;
  }

  send(data: Buffer | string, to: string): void {
    const r = this.#send(Buffer.from(data), to);
    if (r < 0) throw new AssertionFailure(`sendto ${to} failed`, 'bytes sent', `errno ${-r}`);
  }
}

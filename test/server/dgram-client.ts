/**
 * Datagram clients for the server tests: a UDP socket (node:dgram) and a unix dgram socket
 * bound at a path (the addon: Node has no unix datagrams). request() sends one datagram and
 * resolves with the next reply; replies carry the address they came from.
 */
import dgram from 'node:dgram';
import type { Test } from 'tap';
import { loadNative } from '../../reference/native/loader.ts';
import type { DatagramSocket } from '../../reference/native/api.ts';

export interface Reply {
  data: Buffer;
  address: string;
  port: number;
}

abstract class Inbox {
  readonly #queue: Reply[] = [];
  readonly #waiting: ((r: Reply) => void)[] = [];

  protected arrive(r: Reply): void {
    const w = this.#waiting.shift();
    if (w) w(r);
    else this.#queue.push(r);
  }

  next(): Promise<Reply> {
    const r = this.#queue.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  abstract send(data: string | Buffer): void;

  async request(data: string | Buffer): Promise<Reply> {
    this.send(data);
    return this.next();
  }

  async json<T = Record<string, unknown>>(data: string | Buffer): Promise<T> {
    return JSON.parse((await this.request(data)).data.toString()) as T;
  }
}

export class UdpClient extends Inbox {
  readonly sock = dgram.createSocket('udp4');
  readonly serverPort: number;

  private constructor(serverPort: number) {
    super();
    this.serverPort = serverPort;
    this.sock.on('message', (data, rinfo) => this.arrive({ data, address: rinfo.address, port: rinfo.port }));
  }

  static async open(t: Test, serverPort: number): Promise<UdpClient> {
    const c = new UdpClient(serverPort);
    t.teardown(() => c.sock.close());
    await new Promise<void>((r) => c.sock.bind(0, '127.0.0.1', () => r()));
    return c;
  }

  get port(): number {
    return this.sock.address().port;
  }

  send(data: string | Buffer): void {
    this.sock.send(data, this.serverPort, '127.0.0.1');
  }
}

export class UnixDgramClient extends Inbox {
  readonly path: string;
  readonly serverPath: string;
  readonly #sock: DatagramSocket;

  constructor(t: Test, path: string, serverPath: string, sndbuf?: number) {
    super();
    const native = loadNative();
    this.path = path;
    this.serverPath = serverPath;
    this.#sock = native.openDatagram(native.bindUnixDgram(path, sndbuf ? { sndbuf } : {}));
    this.#sock.startReading(256 * 1024, (batch) => {
      for (const d of batch) this.arrive({ data: Buffer.from(d.data), address: d.address ?? '', port: -1 });
    }, 16, true);
    t.teardown(() => this.#sock.close());
  }

  send(data: string | Buffer): void {
    const r = this.trySend(data);
    if (r < 0) throw new Error(`sendToPath failed: errno ${-r}`);
  }

  /** One sendto: bytes sent or -errno (-EAGAIN while the server's queue is full). */
  trySend(data: string | Buffer): number {
    return loadNative().sendToPath(this.#sock.fd, Buffer.from(data), this.serverPath);
  }
}

import net from 'node:net';
import type { Action, ActionResult, DoMessage, Role } from '../../protocol/messages.ts';

// Taken before a Pool worker reroutes process.exit through its graceful stop: losing the
// runner must end the process at once, not wait for a callback that can never be answered.
const hardExit = process.exit.bind(process);

/**
 * The adapter side of the control channel, for TypeScript adapters: one connection per process
 * (opened lazily, reopened if the pid changed), hello first, then event → do → done.
 */
export class ControlClient {
  #sock: net.Socket | undefined;
  #pid = 0;
  #seq = 0;
  #buf = '';
  #inflight = 0;
  readonly #waiting = new Map<number, (m: DoMessage) => void>();

  constructor(
    readonly path: string,
    readonly role: () => Role,
    readonly workerId: () => number | null,
  ) {}

  #connecting: Promise<net.Socket> | undefined;

  /** One connection per process, even when two callbacks start before it is open. */
  #connection(): Promise<net.Socket> {
    if (!this.#connecting || this.#pid !== process.pid) {
      this.#pid = process.pid;
      this.#connecting = this.#open();
    }
    return this.#connecting;
  }

  async #open(): Promise<net.Socket> {
    this.#inflight = 0;
    const sock = net.connect(this.path);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    sock.setEncoding('utf8');
    sock.on('data', (c: string) => {
      this.#buf += c;
      let nl: number;
      while ((nl = this.#buf.indexOf('\n')) >= 0) {
        const m = JSON.parse(this.#buf.slice(0, nl)) as DoMessage;
        this.#buf = this.#buf.slice(nl + 1);
        this.#waiting.get(m.re)?.(m);
        this.#waiting.delete(m.re);
      }
    });
    // The runner going away ends the case: exit instead of running unobserved.
    sock.on('close', () => hardExit(70));
    sock.on('error', () => {});
    sock.unref();
    this.#sock = sock;
    this.send({ t: 'hello', protocol: 1, pid: process.pid, ppid: process.ppid, role: this.role(), worker_id: this.workerId() });
    return sock;
  }

  send(m: object): void {
    this.#sock?.write(JSON.stringify(m) + '\n');
  }

  /** Delegates one callback: sends the event and resolves with the runner's actions. */
  async event(name: string, args: Record<string, unknown>, role: Role = this.role()): Promise<{ seq: number; actions: Action[] }> {
    const sock = await this.#connection();
    const seq = ++this.#seq;
    const reply = new Promise<DoMessage>((r) => this.#waiting.set(seq, r));
    // Held open while any callback waits for its answer (callbacks may overlap when async).
    if (this.#inflight++ === 0) sock.ref();
    this.send({ t: 'event', seq, pid: process.pid, role, worker_id: this.workerId(), name, args });
    const m = await reply;
    if (--this.#inflight === 0) sock.unref();
    return { seq, actions: m.actions };
  }

  done(seq: number, results: ActionResult[]): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#sock) return resolve();
      this.#sock.write(JSON.stringify({ t: 'done', re: seq, pid: process.pid, results }) + '\n', () => resolve());
    });
  }
}

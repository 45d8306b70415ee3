/**
 * The other process in bench/native.bench.ts. argv: <mode> <count>. Transports:
 *  - dgram-*: fd 3 is one end of the addon's SOCK_DGRAM socketpair;
 *  - stream-*: fd 3 is one end of a SOCK_STREAM socketpair, used through net.Socket with
 *    4-byte big-endian length frames;
 *  - ipc-*: process.send over Node's IPC channel (json serialization, 1 KiB string payloads).
 * *-send: waits for "go", then sends <count> 1 KiB messages as fast as the transport accepts.
 * *-echo: echoes every message back until the parent closes / disconnects.
 */
import net from 'node:net';
import { loadNative } from '../reference/native/loader.ts';
import { readFrames } from './native-frames.ts';

const [mode = '', countArg = '0'] = process.argv.slice(2);
const count = Number(countArg);
const SIZE = 1024;

function dgramSend(): void {
  const sock = loadNative().openDatagram(3);
  const msg = Buffer.alloc(SIZE, 0x61);
  const batch = Array.from({ length: 256 }, () => msg);
  let sent = 0;
  const pump = (): void => {
    while (sent < count) {
      const want = Math.min(batch.length, count - sent);
      const n = sock.sendBatch(want === batch.length ? batch : batch.slice(0, want));
      sent += n;
      if (n < want) {
        sock.onWritable(pump);
        return;
      }
    }
    sock.close();
  };
  sock.startReading(16, () => {
    sock.stopReading();
    pump();
  });
}

function dgramEcho(): void {
  const sock = loadNative().openDatagram(3);
  sock.startReading(65536, (list) => {
    for (const d of list) {
      if (d.data.length === 0) {
        sock.close();
        return;
      }
      sock.send(d.data);
    }
  });
}

function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

function streamSend(): void {
  const sock = new net.Socket({ fd: 3, readable: true, writable: true });
  const one = frame(Buffer.alloc(SIZE, 0x61));
  const chunk = Buffer.concat(Array.from({ length: 64 }, () => one));
  let sent = 0;
  const pump = (): void => {
    while (sent < count) {
      const k = Math.min(64, count - sent);
      sent += k;
      const ok = sock.write(k === 64 ? chunk : chunk.subarray(0, k * one.length));
      if (!ok) {
        sock.once('drain', pump);
        return;
      }
    }
    sock.end();
  };
  sock.once('data', pump);
}

function streamEcho(): void {
  const sock = new net.Socket({ fd: 3, readable: true, writable: true });
  readFrames(sock, (p) => sock.write(frame(p)));
  sock.on('end', () => sock.end());
}

function ipcSend(): void {
  const msg = 'a'.repeat(SIZE);
  process.once('message', () => {
    let sent = 0;
    const pump = (): void => {
      while (sent < count) {
        sent++;
        if (sent === count) {
          process.send!(msg, () => process.disconnect());
          return;
        }
        if (!process.send!(msg)) {
          setImmediate(pump);
          return;
        }
      }
    };
    pump();
  });
}

function ipcEcho(): void {
  process.on('message', (m) => process.send!(m));
}

const modes: Record<string, () => void> = {
  'dgram-send': dgramSend,
  'dgram-echo': dgramEcho,
  'stream-send': streamSend,
  'stream-echo': streamEcho,
  'ipc-send': ipcSend,
  'ipc-echo': ipcEcho,
};
const run = modes[mode];
if (!run) throw new Error(`unknown mode ${mode}`);
run();

/**
 * Baseline: a plain node cluster echo for 4-byte big-endian length frames, with writes batched
 * per read (all complete frames of a chunk go back in one write). Prints "ready <port>" when
 * every worker listens; exits on SIGTERM.
 *
 *   node --import=tsx bench/load/cluster-echo.ts <workers>
 */
import cluster from 'node:cluster';
import net from 'node:net';

const WORKERS = Number(process.argv[2] ?? 2);

if (cluster.isPrimary) {
  // listen(0) in every worker shares one primary handle, hence one port (round-robin).
  let listening = 0;
  for (let i = 0; i < WORKERS; i++) {
    cluster.fork().once('listening', (addr) => {
      if (++listening === WORKERS) console.log(`ready ${addr.port}`);
    });
  }
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  net
    .createServer((sock) => {
      sock.setNoDelay(true);
      let buf: Buffer = Buffer.alloc(0);
      sock.on('data', (d: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        let off = 0;
        while (buf.length - off >= 4) {
          const len = 4 + buf.readUInt32BE(off);
          if (buf.length - off < len) break;
          off += len;
        }
        if (off > 0) sock.write(buf.subarray(0, off));
        buf = buf.subarray(off);
      });
      sock.on('error', () => {});
    })
    .listen(0, '127.0.0.1');
}

/**
 * The bench servers (bench/server-app.ts, bench/udp-app.ts) print {"ev":"port","port":P} once
 * and {"ev":"worker"} per serving worker: resolves with the port once `workers` are up.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export function appReady(app: ChildProcess, workers: number, label = 'server'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let port = 0;
    let up = 0;
    createInterface({ input: app.stdout! }).on('line', (l) => {
      const o = JSON.parse(l) as { ev: string; port?: number };
      if (o.ev === 'port') port = o.port!;
      if (o.ev === 'worker') up++;
      if (port && up >= workers) resolve(port);
    });
    app.once('exit', () => reject(new Error(`${label} exited before it was ready`)));
  });
}

/** Shared helpers for the native addon tests. */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { loadNative } from '../../reference/native/loader.ts';
import type { ErrnoError } from '../../reference/native/api.ts';
import { nodeCommand } from '../../conformance/runner/compiled.ts';

export const native = loadNative();
const here = dirname(fileURLToPath(import.meta.url));

export { openFds } from '../fds.ts';

/** tap `throws` pattern for an ErrnoError: code, numeric errno, syscall (errno > 0 checked by errnoOf). */
export function errnoShape(code: string, syscall: string): { code: string; syscall: string; errno: NumberConstructor } {
  return { code, syscall, errno: Number };
}

/** Runs fn, returns the ErrnoError it threw (or undefined). */
export function errnoOf(fn: () => unknown): ErrnoError | undefined {
  try {
    fn();
  } catch (e) {
    return e as ErrnoError;
  }
  return undefined;
}

/** tap `throws` pattern for an argument TypeError. */
export const isTypeError = { name: 'TypeError', constructor: TypeError };

/** Runs test/native/fixtures/<name>.ts (compiled when fresh, else with tsx); extra fds go in the stdio array (fd 3...). */
export function spawnFixture(name: string, args: string[], extraFds: number[] = [], stdout: 'pipe' | 'inherit' = 'pipe'): ChildProcess {
  const stdio: StdioOptions = ['ignore', stdout, 'inherit', ...extraFds];
  const [node, ...rest] = nodeCommand(join(here, 'fixtures', `${name}.ts`));
  return spawn(node!, [...rest, ...args], { stdio });
}

export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Reads newline-separated lines from a child's stdout. */
export function lines(child: ChildProcess): AsyncIterator<string> {
  const queue: string[] = [];
  const waiters: ((v: IteratorResult<string>) => void)[] = [];
  let buf = '';
  let ended = false;
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w({ value: line, done: false });
      else queue.push(line);
    }
  });
  child.stdout!.on('end', () => {
    ended = true;
    for (const w of waiters.splice(0)) w({ value: undefined, done: true });
  });
  return {
    next: () =>
      new Promise((resolve) => {
        const line = queue.shift();
        if (line !== undefined) resolve({ value: line, done: false });
        else if (ended) resolve({ value: undefined, done: true });
        else waiters.push(resolve);
      }),
  };
}

export async function nextLine(it: AsyncIterator<string>): Promise<string> {
  const r = await it.next();
  if (r.done) throw new Error('child stdout ended');
  return r.value;
}

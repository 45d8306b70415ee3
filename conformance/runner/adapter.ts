import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { compiledIsFresh, nodeCommand, STALE_NOTE } from './compiled.ts';
import { packageRoot } from '../../reference/package-root.ts';
import type { DescribeLine } from '../protocol/messages.ts';
import { EXIT_UNAVAILABLE } from '../protocol/messages.ts';
import { checkDescribeLine, formatIssues } from '../protocol/validate.ts';

/**
 * A TypeScript adapter runs as its compiled copy under plain node when that copy is fresh (every
 * process it starts, pool and server workers included, then skips the tsx start-up), else under
 * tsx resolved from this package (works via npx).
 */
function tsAdapter(file: string): { command: string[]; note?: string } {
  const fresh = compiledIsFresh();
  const command = nodeCommand(join(packageRoot, file), fresh);
  return fresh ? { command } : { command, note: STALE_NOTE };
}

/** Splits a command string on whitespace, honouring simple single/double quotes. */
export function splitCommand(cmd: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(cmd))) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

export interface ResolvedImpl {
  name: string;
  command: string[];
  expectations?: string;
  /** Ships with this kit (reference, mutant): if it cannot load, that is a harness error, not "unavailable". */
  bundled?: boolean;
  /** One line worth printing before the run (how the adapter is started). */
  note?: string;
}

/** Built-in implementation names, else a command line. */
export function resolveImpl(impl: string): ResolvedImpl {
  switch (impl) {
    case 'reference':
      return { name: 'reference', ...tsAdapter('conformance/adapters/reference/adapter.ts'), expectations: join(packageRoot, 'conformance/expectations/reference.json'), bundled: true };
    case 'mutant':
      return { name: 'mutant', ...tsAdapter('conformance/adapters/mutant/adapter.ts'), bundled: true };
    case 'swoole-php':
      return { name: 'swoole-php', command: ['php', join(packageRoot, 'conformance/adapters/swoole-php/adapter.php')], expectations: join(packageRoot, 'conformance/expectations/swoole-php.json') };
    default:
      return { name: impl, command: splitCommand(impl) };
  }
}

export type DescribeOutcome = { kind: 'ok'; info: DescribeLine } | { kind: 'unavailable'; reason: string } | { kind: 'error'; reason: string };

/** Runs the adapter in describe mode (SWC_DESCRIBE=1) and checks its one line. */
export function describeAdapter(command: string[], env: Record<string, string> = {}, timeoutMs = 15000): Promise<DescribeOutcome> {
  return new Promise((resolve) => {
    const [cmd, ...args] = command;
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, SWC_DESCRIBE: '1', SWC_PROTOCOL: '1' } });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code === 'ENOENT' ? { kind: 'unavailable', reason: `${cmd} not found` } : { kind: 'error', reason: e.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.trim().startsWith('{'));
      const checked = line ? checkDescribeLine(line) : undefined;
      if (checked?.ok && 'unavailable' in checked.value) return resolve({ kind: 'unavailable', reason: checked.value.unavailable });
      if (code === EXIT_UNAVAILABLE) return resolve({ kind: 'unavailable', reason: (err.trim().split('\n')[0] ?? '') || 'adapter reports unavailable' });
      if (!checked) return resolve({ kind: 'error', reason: `describe printed no JSON line (exit ${code}); stderr: ${err.slice(-500)}` });
      if (!checked.ok) return resolve({ kind: 'error', reason: `malformed describe line: ${formatIssues(checked.issues)}` });
      if (code !== 0) return resolve({ kind: 'error', reason: `describe exited ${code}` });
      resolve({ kind: 'ok', info: checked.value as DescribeLine });
    });
  });
}

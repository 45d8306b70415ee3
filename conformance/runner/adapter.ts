import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DescribeLine } from '../protocol/messages.ts';
import { EXIT_UNAVAILABLE } from '../protocol/messages.ts';
import { checkDescribeLine, formatIssues } from '../protocol/validate.ts';

export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A TypeScript adapter runs under node with tsx resolved from this package (works via npx). */
function tsAdapter(file: string): string[] {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const loader = join(dirname(tsx), 'esm', 'index.mjs');
  return [process.execPath, `--import=${pathToUrl(loader)}`, join(packageRoot, file)];
}

function pathToUrl(p: string): string {
  return new URL(`file://${p}`).href;
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
}

/** Built-in implementation names, else a command line. */
export function resolveImpl(impl: string): ResolvedImpl {
  switch (impl) {
    case 'reference':
      return { name: 'reference', command: tsAdapter('conformance/adapters/reference/adapter.ts'), expectations: join(packageRoot, 'conformance/expectations/reference.json'), bundled: true };
    case 'mutant':
      return { name: 'mutant', command: tsAdapter('conformance/adapters/mutant/adapter.ts'), bundled: true };
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

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { packageRoot } from '../../reference/package-root.ts';
import type { DescribeLine } from '../protocol/messages.ts';
import { EXIT_UNAVAILABLE } from '../protocol/messages.ts';
import { checkDescribeLine, formatIssues } from '../protocol/validate.ts';

export { packageRoot };

/** Where `npm run build` (tsconfig.build.json, also run by prepare/pretest) puts the compiled copy. */
const COMPILED = join(packageRoot, 'build', 'js');
const SOURCE_DIRS = ['reference', 'conformance', 'fixtures', 'spec'];

/**
 * True when every TypeScript source has a compiled .js at least as new. A stale or missing
 * copy is never used: the adapter would test yesterday's code.
 */
export function compiledIsFresh(root: string = packageRoot, out: string = COMPILED): boolean {
  const walk = (rel: string): boolean => {
    for (const d of readdirSync(join(root, rel), { withFileTypes: true })) {
      const r = join(rel, d.name);
      if (d.isDirectory()) {
        if (d.name !== 'node_modules' && !walk(r)) return false;
      } else if (d.name.endsWith('.ts') && !d.name.endsWith('.d.ts')) {
        const js = join(out, r.slice(0, -3) + '.js');
        if (!existsSync(js) || statSync(js).mtimeMs < statSync(join(root, r)).mtimeMs) return false;
      }
    }
    return true;
  };
  return existsSync(out) && SOURCE_DIRS.every((d) => !existsSync(join(root, d)) || walk(d));
}

/**
 * A TypeScript adapter runs as its compiled copy under plain node when that copy is fresh (every
 * process it starts, pool and server workers included, then skips the ~0.16 s tsx start-up),
 * else under node with tsx resolved from this package (works via npx).
 */
function tsAdapter(file: string): { command: string[]; note?: string } {
  if (compiledIsFresh()) return { command: [process.execPath, join(COMPILED, file.replace(/\.ts$/, '.js'))] };
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const loader = join(dirname(tsx), 'esm', 'index.mjs');
  return { command: [process.execPath, `--import=${pathToUrl(loader)}`, join(packageRoot, file)], note: 'build/js is missing or older than the sources (`npm run build`): running the TypeScript under tsx, slower to start' };
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

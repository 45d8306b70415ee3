/**
 * The compiled copy of this package's TypeScript (`npm run build`: tsconfig.build.json into
 * build/js, also run by prepare, pretest and conformance). Plain node starts it in ~0.15 s where
 * tsx takes ~0.3 s, and that start-up is paid by every adapter, worker and test app process.
 * A copy older than any source is never used: it would run yesterday's code.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packageRoot } from '../../reference/package-root.ts';

export const COMPILED_DIR = join(packageRoot, 'build', 'js');
const SOURCE_DIRS = ['reference', 'conformance', 'fixtures', 'spec', 'test', 'bench'];

export const STALE_NOTE = 'build/js is missing or older than the sources (`npm run build`): running the TypeScript under tsx, slower to start';

/** True when every .ts under the source dirs has a compiled .js at least as new. */
export function compiledIsFresh(root: string = packageRoot, out: string = COMPILED_DIR): boolean {
  const walk = (rel: string): boolean => {
    for (const d of readdirSync(join(root, rel), { withFileTypes: true })) {
      const r = join(rel, d.name);
      if (d.isDirectory()) {
        if (d.name !== 'node_modules' && !walk(r)) return false;
      } else if (d.name.endsWith('.ts') && !d.name.endsWith('.d.ts')) {
        const js = join(out, `${r.slice(0, -3)}.js`);
        if (!existsSync(js) || statSync(js).mtimeMs < statSync(join(root, r)).mtimeMs) return false;
      }
    }
    return true;
  };
  return existsSync(out) && SOURCE_DIRS.every((d) => !existsSync(join(root, d)) || walk(d));
}

/** Where `npm run build` puts the compiled copy of one of this package's .ts files (absolute path), or null for a file outside the package. */
export function compiledPath(tsFile: string): string | null {
  const rel = relative(packageRoot, tsFile);
  return rel.startsWith('..') || !rel.endsWith('.ts') ? null : join(COMPILED_DIR, `${rel.slice(0, -3)}.js`);
}

/** [node, --import=<tsx from this package>, file.ts]: works from anywhere, npx included. */
export function tsxCommand(tsFile: string): string[] {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  return [process.execPath, `--import=${pathToFileURL(join(dirname(tsx), 'esm', 'index.mjs')).href}`, tsFile];
}

/**
 * The command line that runs one of this package's .ts files (absolute path): its compiled copy
 * under plain node when fresh ([node, file.js]), else under tsx. `fresh` lets a caller that
 * starts many files check the copy once.
 */
export function nodeCommand(tsFile: string, fresh?: boolean): string[] {
  const js = compiledPath(tsFile);
  return js && (fresh ?? compiledIsFresh()) ? [process.execPath, js] : tsxCommand(tsFile);
}

/**
 * The node arguments that run a sibling of the calling module (`from`: its import.meta.url)
 * the way the caller itself runs: the compiled .js under plain node, or the .ts under this
 * process's loader flags (tsx). For scripts that start their neighbours (benches, fixtures).
 */
export function siblingArgs(name: string, from: string): string[] {
  const ext = from.endsWith('.js') ? '.js' : '.ts';
  return [...process.execArgv, fileURLToPath(new URL(`./${name}${ext}`, from))];
}

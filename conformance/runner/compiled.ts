/**
 * The compiled copy of this package's TypeScript (`npm run build`: tsconfig.build.json into
 * build/js, also run by prepare, pretest and conformance). Plain node starts it in ~0.15 s where
 * tsx takes ~0.3 s, and that start-up is paid by every adapter, worker and test app process.
 * A copy older than any source is never used: it would run yesterday's code.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
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

/**
 * The command line that runs one of this package's .ts files (absolute path): its compiled copy
 * under plain node when fresh ([node, file.js]), else [node, --import=<tsx>, file.ts].
 */
export function nodeCommand(tsFile: string): string[] {
  const rel = relative(packageRoot, tsFile);
  if (!rel.startsWith('..') && rel.endsWith('.ts') && compiledIsFresh()) return [process.execPath, join(COMPILED_DIR, `${rel.slice(0, -3)}.js`)];
  const tsx = createRequire(import.meta.url).resolve('tsx');
  return [process.execPath, `--import=${pathToFileURL(join(dirname(tsx), 'esm', 'index.mjs')).href}`, tsFile];
}

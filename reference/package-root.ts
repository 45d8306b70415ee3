/**
 * The package root: the nearest directory above this module that holds a package.json. It is
 * the same for the TypeScript sources and for their compiled copy under build/js (which has no
 * package.json of its own), so data files (the addon, fixtures, schemas) resolve from either.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const packageRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

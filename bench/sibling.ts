/**
 * The node arguments that run a sibling script of this bench the way this bench itself runs:
 * the compiled .js under plain node (bench/index.ts starts the compiled copy when it is fresh,
 * as a deployment would), or the .ts under whatever loader flags this process has (tsx).
 */
import { fileURLToPath } from 'node:url';

export function sibling(name: string, from: string): string[] {
  const ext = from.endsWith('.js') ? '.js' : '.ts';
  return [...process.execArgv, fileURLToPath(new URL(`./${name}${ext}`, from))];
}

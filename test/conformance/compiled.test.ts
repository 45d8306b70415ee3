import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { compiledIsFresh, compiledPath, nodeCommand, siblingArgs } from '../../conformance/runner/compiled.ts';
import { packageRoot } from '../../reference/package-root.ts';

t.test('the compiled copy is used only when every source has a .js at least as new', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'swc-compiled-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const out = join(root, 'build', 'js');
  mkdirSync(join(root, 'reference', 'server'), { recursive: true });
  mkdirSync(join(out, 'reference', 'server'), { recursive: true });
  const src = join(root, 'reference', 'server', 'a.ts');
  const js = join(out, 'reference', 'server', 'a.js');
  writeFileSync(src, 'export {};');
  t.equal(compiledIsFresh(root, out), false, 'a source without its .js: stale');
  writeFileSync(js, 'export {};');
  utimesSync(src, 1000, 1000);
  utimesSync(js, 2000, 2000);
  t.equal(compiledIsFresh(root, out), true, 'every .js newer than its .ts: fresh');
  utimesSync(src, 3000, 3000);
  t.equal(compiledIsFresh(root, out), false, 'a source edited after the build: stale');
  writeFileSync(join(root, 'reference', 'types.d.ts'), 'export {};');
  utimesSync(src, 1000, 1000);
  t.equal(compiledIsFresh(root, out), true, 'declaration files have no compiled copy and do not count');
  t.equal(compiledIsFresh(root, join(root, 'missing')), false, 'no build dir: stale');
});

t.test('nodeCommand runs a file outside the package under tsx', async (t) => {
  const cmd = nodeCommand('/elsewhere/app.ts');
  t.equal(cmd.length, 3);
  t.match(cmd[1], /^--import=file:.*tsx/);
  t.equal(cmd[2], '/elsewhere/app.ts');
});

t.test('compiledPath maps a source into build/js; nodeCommand honours a known freshness', async (t) => {
  const src = join(packageRoot, 'bench', 'server-app.ts');
  const js = join(packageRoot, 'build', 'js', 'bench', 'server-app.js');
  t.equal(compiledPath(src), js);
  t.equal(compiledPath('/elsewhere/app.ts'), null);
  t.same(nodeCommand(src, true), [process.execPath, js]);
  t.equal(nodeCommand(src, false)[2], src, 'stale: the .ts under tsx');
});

t.test('siblingArgs keeps the caller\'s extension and loader flags', async (t) => {
  t.same(siblingArgs('peer', 'file:///x/bench/a.js'), [...process.execArgv, '/x/bench/peer.js']);
  t.same(siblingArgs('peer', 'file:///x/bench/a.ts'), [...process.execArgv, '/x/bench/peer.ts']);
});

/**
 * Adapter for the TypeScript reference implementation (adapter protocol v1,
 * spec/adapter-protocol.md). Run by `swoole-conformance run --impl reference`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../reference/package-root.ts';
import { runAdapter } from './main.ts';
import { REFERENCE_POOL_FEATURES } from './pool-adapter.ts';
import { REFERENCE_SERVER_FEATURES } from './server-adapter.ts';

const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
await runAdapter({ name: 'reference', version: pkg.version, features: REFERENCE_POOL_FEATURES }, REFERENCE_SERVER_FEATURES);

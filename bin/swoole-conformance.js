#!/usr/bin/env node
// Entry point for `npx swoole-conformance`: registers tsx, then runs the TypeScript CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../conformance/cli.ts');
process.exitCode = await main(process.argv.slice(2));

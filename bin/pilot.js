#!/usr/bin/env node
// Entry point of the `pilot` command. Runs the compiled JavaScript in dist/ (built by `npm ci` through
// the `prepare` script, or by `npm run build`), so start-up needs no TypeScript loader. Without a
// build, or with PILOT_FROM_SOURCE=1 while developing, it runs the TypeScript through tsx instead.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
let main;
if (!process.env.PILOT_FROM_SOURCE && existsSync(compiled)) {
  ({ main } = await import(compiled.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv);

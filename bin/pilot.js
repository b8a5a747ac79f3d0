#!/usr/bin/env node
// Entry point of the `pilot` command. Runs the compiled JavaScript in dist/ (built by `npm ci` through
// the `prepare` script, or by `npm run build`), so start-up needs no TypeScript loader. Without a
// build, or with PILOT_FROM_SOURCE=1 while developing, it runs the TypeScript through tsx instead.
//
// In a git checkout a source edited after the last build would otherwise be silently ignored, so
// there (only) the sources' modification times are compared with the build's stamp
// (scripts/sources.mjs, a few milliseconds): when dist/ is stale, Pilot says so on stderr and runs
// the TypeScript instead (slower to start, but never out of date); `npm run build` makes it fast again.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const compiled = new URL('dist/cli/main.js', root);
let fromSource = Boolean(process.env.PILOT_FROM_SOURCE) || !existsSync(compiled);
if (!fromSource && existsSync(new URL('.git', root))) {
  const { staleReason } = await import('../scripts/sources.mjs');
  const stale = staleReason(fileURLToPath(root).replace(/\/$/, ''));
  if (stale) {
    process.stderr.write(
      `pilot: dist/ is out of date (${stale}); running the TypeScript sources. Run \`npm run build\` to start fast again.\n`,
    );
    fromSource = true;
  }
}
let main;
if (fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
} else {
  ({ main } = await import(compiled.href));
}
process.exitCode = await main(process.argv);

#!/usr/bin/env node
// Compiles Pilot's TypeScript to JavaScript in dist/ so the `pilot` command starts without a
// TypeScript loader. Runs as npm's `prepare` script, so `npm ci` builds it; `npm run build` again
// after changing code (the tests run the TypeScript directly and do not need it).
//
// Every .ts file outside tests/, bench/, scripts/, docs/ and node_modules/ is transpiled by swc
// (types stripped, `./x.ts` imports rewritten to `./x.js`); other files of those folders (JSON,
// templates, styles) are copied beside them. Type checking is `npm run typecheck`'s job.
import { transformFile } from '@swc/core';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const skip = new Set([
  'node_modules',
  'dist',
  'tests',
  'bench',
  'scripts',
  'docs',
  'coverage',
  'bin',
  'out',
  'demo-out',
]);
const assets = /\.(json|css|html|txt|svg|csv|md)$/;

async function* sources(dir, top) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!(top && skip.has(entry.name))) yield* sources(path, false);
    } else if (
      entry.name.endsWith('.ts') &&
      !entry.name.endsWith('.d.ts') &&
      !entry.name.endsWith('.test.ts')
    ) {
      if (top && entry.name.endsWith('.config.ts')) continue;
      yield { path, kind: 'ts' };
    } else if (!top && assets.test(entry.name)) {
      yield { path, kind: 'asset' };
    }
  }
}

const options = {
  jsc: {
    parser: { syntax: 'typescript' },
    target: 'es2022',
    rewriteRelativeImportExtensions: true,
    transform: { verbatimModuleSyntax: true },
  },
  module: { type: 'es6' },
  sourceMaps: false,
};

const started = Date.now();
await rm(out, { recursive: true, force: true });
let count = 0;
const jobs = [];
for await (const { path, kind } of sources(root, true)) {
  const target = join(out, relative(root, path)).replace(/\.ts$/, kind === 'ts' ? '.js' : '.ts');
  jobs.push(
    (async () => {
      await mkdir(dirname(target), { recursive: true });
      if (kind === 'asset') return copyFile(path, target);
      const { code } = await transformFile(path, options);
      await writeFile(target, code);
      count++;
    })(),
  );
}
await Promise.all(jobs);
await writeFile(join(out, 'package.json'), '{ "type": "module" }\n');
if (!process.argv.includes('--quiet'))
  console.log(`pilot: compiled ${count} TypeScript files to dist/ in ${Date.now() - started} ms`);

#!/usr/bin/env node
// Compiles Pilot's TypeScript to JavaScript in dist/ so the `pilot` command starts without a
// TypeScript loader. Runs as npm's `prepare` script, so `npm ci` builds it; `npm run build` again
// after changing code (the tests run the TypeScript directly and do not need it).
//
// Every .ts file outside tests/, bench/, scripts/, docs/ and node_modules/ is transpiled by swc
// (types stripped, `./x.ts` imports rewritten to `./x.js`); other files of those folders (JSON,
// templates, styles) are copied beside them (the list is scripts/sources.mjs). Type checking is
// `npm run typecheck`'s job. dist/build-info.json records when the build started reading the
// sources, so that bin/pilot.js can tell when a source is newer than dist/.
import { transformFile } from '@swc/core';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_INFO, sourceFiles } from './sources.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
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
for (const { path, kind } of sourceFiles(root)) {
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
// bin/pilot.js compares the sources' modification times with this (scripts/sources.mjs).
await writeFile(join(out, BUILD_INFO), `${JSON.stringify({ startedMs: started })}\n`);
if (!process.argv.includes('--quiet'))
  console.log(`pilot: compiled ${count} TypeScript files to dist/ in ${Date.now() - started} ms`);

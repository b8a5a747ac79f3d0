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
import esbuild from 'esbuild';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_INFO, buildInfo, sourceFiles } from './sources.mjs';

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
const vendored = await vendorStdlib();
await writeFile(join(out, 'package.json'), '{ "type": "module" }\n');
// bin/pilot.js compares the sources' modification times with this (scripts/sources.mjs).
await writeFile(join(out, BUILD_INFO), `${JSON.stringify(buildInfo(root, started))}\n`);
if (!process.argv.includes('--quiet'))
  console.log(
    `pilot: compiled ${count} TypeScript files to dist/ (${vendored} @stdlib packages bundled) in ${Date.now() - started} ms`,
  );

/**
 * @stdlib's functions are CommonJS packages of hundreds of tiny files each; loading them file by
 * file took about half a second of every `pilot estimate`. Every `import x from '@stdlib/…'` of the
 * compiled files is pointed at one esbuild bundle of those packages, dist/vendor/stdlib.js (the same
 * code; the sources and the tests keep importing the packages). Returns how many packages.
 */
async function vendorStdlib() {
  // swc may put an import on the line that ends a comment, hence no ^ anchor
  const pattern = /(?<=^|\s)import (\w+) from '(@stdlib\/[\w-]+)';/gm;
  const files = [];
  const packages = new Set();
  for (const { path, kind } of sourceFiles(root)) {
    if (kind !== 'ts') continue;
    const target = join(out, relative(root, path)).replace(/\.ts$/, '.js');
    const code = await readFile(target, 'utf8');
    const found = [...code.matchAll(pattern)];
    if (found.length === 0) continue;
    for (const m of found) packages.add(m[2]);
    files.push({ target, code });
  }
  if (packages.size === 0) return 0;
  const names = [...packages].sort();
  const exportName = (pkg) => pkg.replace(/^@stdlib\//, '').replace(/-/g, '_');
  const vendor = join(out, 'vendor', 'stdlib.js');
  await esbuild.build({
    stdin: {
      contents: names.map((pkg) => `export { default as ${exportName(pkg)} } from '${pkg}';`).join('\n'),
      resolveDir: root,
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: vendor,
    logLevel: 'error',
    // a few @stdlib files require Node built-ins, which an ES module bundle must get through require
    banner: {
      js: "import { createRequire as pilotCreateRequire } from 'node:module'; const require = pilotCreateRequire(import.meta.url);",
    },
  });
  for (const { target, code } of files) {
    let spec = relative(dirname(target), vendor).split(sep).join('/');
    if (!spec.startsWith('.')) spec = `./${spec}`;
    await writeFile(
      target,
      code.replace(pattern, (_, local, pkg) => `import { ${exportName(pkg)} as ${local} } from '${spec}';`),
    );
  }
  return names.length;
}

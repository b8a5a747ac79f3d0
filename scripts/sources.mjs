// Which files `scripts/build.mjs` compiles into dist/, and whether dist/ is older than any of them.
// Shared by the build and by bin/pilot.js, which checks freshness on every start from a git checkout
// (stat of the ~500 sources, a few milliseconds), so that an edit without `npm run build` is never
// silently ignored. Plain JavaScript with synchronous fs calls: it runs before any TypeScript loader.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Top-level folders that are not compiled (tests and tools run from TypeScript; outputs). */
export const SKIP = new Set([
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
/** Files of the compiled folders copied beside the JavaScript. */
export const ASSETS = /\.(json|css|html|txt|svg|csv|md)$/;
/** Written by the build into dist/: when it started reading the sources (ms since the epoch). */
export const BUILD_INFO = 'build-info.json';

/**
 * Every file the build reads, as { path, kind: 'ts' | 'asset' }: .ts files outside the skipped
 * top-level folders (not .d.ts, .test.ts or top-level *.config.ts), and assets below the top level.
 * Names starting with a dot are ignored.
 */
export function* sourceFiles(dir, top = true) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!(top && SKIP.has(entry.name))) yield* sourceFiles(path, false);
    } else if (
      entry.name.endsWith('.ts') &&
      !entry.name.endsWith('.d.ts') &&
      !entry.name.endsWith('.test.ts')
    ) {
      if (top && entry.name.endsWith('.config.ts')) continue;
      yield { path, kind: 'ts' };
    } else if (!top && ASSETS.test(entry.name)) {
      yield { path, kind: 'asset' };
    }
  }
}

/**
 * Why dist/ under `root` is stale, or null when it is fresh: the first source modified after the
 * build started reading the sources, or a missing or unreadable build stamp (a build by an older
 * Pilot). `package.json` counts too (its version is printed by `pilot --version`).
 */
export function staleReason(root) {
  let started;
  try {
    started = JSON.parse(readFileSync(join(root, 'dist', BUILD_INFO), 'utf8')).startedMs;
  } catch {
    return `dist/${BUILD_INFO} is missing`;
  }
  if (typeof started !== 'number') return `dist/${BUILD_INFO} has no startedMs`;
  for (const path of [join(root, 'package.json'), ...Array.from(sourceFiles(root), (f) => f.path)]) {
    if (statSync(path).mtimeMs > started) return `${path.slice(root.length + 1)} is newer than dist/`;
  }
  return null;
}

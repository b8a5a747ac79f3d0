// Which files `scripts/build.mjs` compiles into dist/, and whether dist/ is older than any of them.
// Shared by the build and by bin/pilot.js, which checks freshness on every start from a git checkout
// (stat of the ~500 sources, a few milliseconds), so that an edit without `npm run build` is never
// silently ignored. Plain JavaScript with synchronous fs calls: it runs before any TypeScript loader.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

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
 * What the build records in dist/build-info.json: when it started reading the sources, and the
 * folders and files it read (relative to `root`), so that the freshness check needs no directory
 * listing.
 */
export function buildInfo(root, startedMs) {
  const files = [];
  const dirs = new Set();
  for (const { path } of sourceFiles(root)) {
    const rel = relative(root, path);
    files.push(rel);
    for (let d = dirname(rel); d !== '.'; d = dirname(d)) dirs.add(d);
  }
  return { startedMs, dirs: [...dirs].sort(), files: ['package.json', ...files] };
}

/**
 * Why dist/ under `root` is stale, or null when it is fresh: a recorded source modified (or removed)
 * after the build started reading the sources, a file added to or removed from a recorded folder
 * below the top level (its modification time changes), or a missing or unreadable stamp (a build by an older Pilot).
 * `package.json` counts too (its version is printed by `pilot --version`). About 350 stat calls.
 */
export function staleReason(root) {
  let info;
  try {
    info = JSON.parse(readFileSync(join(root, 'dist', BUILD_INFO), 'utf8'));
  } catch {
    return `dist/${BUILD_INFO} is missing`;
  }
  const started = info.startedMs;
  if (typeof started !== 'number' || !Array.isArray(info.files) || !Array.isArray(info.dirs))
    return `dist/${BUILD_INFO} is from an older build`;
  for (const dir of info.dirs) {
    const stat = statSync(join(root, dir), { throwIfNoEntry: false });
    if (!stat || stat.mtimeMs > started) return `${dir}/ changed since the build`;
  }
  for (const file of info.files) {
    const stat = statSync(join(root, file), { throwIfNoEntry: false });
    if (!stat) return `${file} was removed since the build`;
    if (stat.mtimeMs > started) return `${file} is newer than dist/`;
  }
  return null;
}

#!/usr/bin/env node
// Completes package-lock.json for `npm ci` where the package registry lacks other platforms' optional
// binaries (e.g. @swc/core-darwin-arm64 on a Linux-only mirror). npm then leaves them out of the lock,
// yet `npm ci` still expects an entry for each optional dependency and refuses to install. This adds an
// empty optional entry where the lock has none; npm skips it on install. Run after `npm install`:
//   node scripts/stub-missing-optional-deps.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const name of Object.keys(entry.optionalDependencies ?? {})) {
    const nested = `${location ? `${location}/` : ''}node_modules/${name}`;
    if (packages[nested] || packages[`node_modules/${name}`]) continue;
    packages[nested] = { optional: true };
    added++;
  }
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} placeholder entries for optional dependencies the registry does not serve`);

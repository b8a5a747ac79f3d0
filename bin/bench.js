#!/usr/bin/env node
// `npm run bench -- NAME`: runs bench/NAME.bench.ts under the TypeScript loader.
import { register } from 'tsx/esm/api';
import { readdirSync } from 'node:fs';

register();
const names = readdirSync(new URL('../bench/', import.meta.url))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
if (wanted.length === 0) {
  console.error(`usage: npm run bench -- <${names.join('|')}> [options]`);
  process.exit(2);
}
for (const name of wanted) {
  if (!names.includes(name)) {
    console.error(`unknown benchmark "${name}"; available: ${names.join(', ')}`);
    process.exit(2);
  }
  const mod = await import(`../bench/${name}.bench.ts`);
  await mod.run(process.argv.slice(2).filter((a) => a.startsWith('-')));
}

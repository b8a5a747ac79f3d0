#!/usr/bin/env node
// `npm run bench -- NAME [options]`: runs bench/NAME.bench.ts under the TypeScript loader.
import { register } from 'tsx/esm/api';
import { readdirSync } from 'node:fs';

register();
const names = readdirSync(new URL('../bench/', import.meta.url))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));
const [name, ...options] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  console.error(
    `${name ? `unknown benchmark "${name}". ` : ''}usage: npm run bench -- <${names.join('|')}> [options]`,
  );
  process.exit(2);
}
const mod = await import(`../bench/${name}.bench.ts`);
await mod.run(options);

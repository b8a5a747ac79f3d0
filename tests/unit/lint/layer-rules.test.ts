import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';

/**
 * The house rule (DESIGN.md §2) as lint: `npm run lint` fails when a pure file imports the database, a
 * service writes SQL, or the CLI reaches past the services. Each snippet is linted as if it stood at
 * the given path in the project, with the project's own eslint.config.js.
 */
const eslint = new ESLint({ cwd: process.cwd() });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layer rules in eslint.config.js', () => {
  it('a pure file that imports the database fails lint', async () => {
    const found = await problems(
      'assignment/some-pure-module.ts',
      `import type { Db } from '../db/connection.ts';
export const f = (db: Db) => db.dialect;
`,
    );
    expect(found).toEqual([expect.stringMatching(/no-restricted-imports: .*pure code does not import db\//)]);
  });

  it.each([
    ['kysely', `import { sql } from 'kysely';\nexport const q = sql\`SELECT 1\`;\n`],
    ['pg', `import pg from 'pg';\nexport const P = pg.Pool;\n`],
    ['node:fs', `import { readFileSync } from 'node:fs';\nexport const r = () => readFileSync('x');\n`],
    ['a store', `import { lockStudy } from './assignment.store.ts';\nexport const l = lockStudy;\n`],
    ['a store type', `import type { ExportRow } from './assignment.store.ts';\nexport type R = ExportRow;\n`],
    ['a service', `import { openWave } from './assignment.service.ts';\nexport const o = openWave;\n`],
  ])('a pure file that imports %s fails lint', async (_what, code) => {
    const found = await problems('cohorts/normalize/some-pure-module.ts', code);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^@typescript-eslint\/no-restricted-imports: /);
  });

  it('SQL or COPY called from a pure file or a service fails lint; from a store it passes', async () => {
    const query = `import type { Transaction } from 'kysely';
import type { Database } from '../db/types.ts';
export const rows = (trx: Transaction<Database>) => trx.selectFrom('study').selectAll().execute();
`;
    const copy = `import type { Session } from '../db/connection.ts';
export const copy = (s: Session) => s.copyCsv('t', ['a'], ['1\\n']);
`;
    expect(await problems('analysis/some-pure-module.ts', query)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^no-restricted-syntax: SQL and COPY live in \*\.store\.ts/),
      ]),
    );
    expect(await problems('cohorts/some.service.ts', query)).toEqual([
      expect.stringMatching(/^no-restricted-syntax: SQL and COPY live in \*\.store\.ts/),
    ]);
    expect(await problems('cohorts/some.service.ts', copy)).toEqual([
      expect.stringMatching(/^no-restricted-syntax: SQL and COPY live in \*\.store\.ts/),
    ]);
    expect(await problems('cohorts/some.store.ts', query)).toEqual([]);
    expect(await problems('cohorts/some.store.ts', copy)).toEqual([]);
  });

  it("a service may name kysely's Transaction type but not import its sql tag", async () => {
    expect(
      await problems(
        'assignment/some.service.ts',
        `import type { Transaction } from 'kysely';\nexport type T = Transaction<object>;\n`,
      ),
    ).toEqual([]);
    expect(
      await problems('assignment/some.service.ts', `import { sql } from 'kysely';\nexport const s = sql;\n`),
    ).toEqual([expect.stringMatching(/no-restricted-imports: .*kysely types/)]);
  });

  it('the CLI calls services: a store at run time or db/types fails lint, a store type or db/connection passes', async () => {
    expect(
      await problems(
        'cli/commands/some-command.ts',
        `import { exportRows } from '../../assignment/assignment.store.ts';\nexport const e = exportRows;\n`,
      ),
    ).toEqual([expect.stringMatching(/the CLI and the server call services, not stores/)]);
    expect(
      await problems(
        'cli/commands/some-command.ts',
        `import type { Database } from '../../db/types.ts';\nexport type D = Database;\n`,
      ),
    ).toEqual([expect.stringMatching(/no-restricted-imports/)]);
    expect(
      await problems(
        'cli/commands/some-command.ts',
        `import type { ExportRow } from '../../assignment/assignment.store.ts';
import { openDatabase } from '../../db/connection.ts';
import { exportAssignments } from '../../assignment/assignment.service.ts';
export type R = ExportRow;
export const o = [openDatabase, exportAssignments];
`,
      ),
    ).toEqual([]);
  });
});

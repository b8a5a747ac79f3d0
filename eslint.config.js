import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * The house rule of DESIGN.md §2, checked: in the domain folders only `*.store.ts` files touch the
 * database and only `*.service.ts` files orchestrate; every other file there is pure. `cli/` (and
 * later `server/`) is thin: it calls services and pure renderers, never a store or the database.
 */
const DOMAIN = ['access', 'analysis', 'assignment', 'cohorts', 'outreach', 'reports'];
const domainFiles = DOMAIN.map((d) => `${d}/**/*.ts`);
const STORES = ['**/*.store.ts'];
const SERVICES = ['**/*.service.ts'];

/** Database drivers and the query builder: reached only through stores (and db/). */
const DATABASE_PACKAGES = ['kysely', 'pg', 'pg-copy-streams', '@electric-sql/pglite'];

const STORE_IMPORT = {
  regex: String.raw`\.store(?:\.ts)?$`,
  message: 'only services import stores (DESIGN.md §2); pure code gets its data as arguments.',
};

/** SQL and COPY calls: only stores issue them. */
const NO_DATABASE_CALLS = {
  selector:
    'CallExpression[callee.property.name=/^(?:selectFrom|insertInto|updateTable|deleteFrom|mergeInto|replaceInto|copyCsv|copyBinary|query|executeQuery)$/]',
  message: 'SQL and COPY live in *.store.ts files (DESIGN.md §2); call a store function instead.',
};

/** The imports pure files may not make; `allowTypes` lets serializers name store and service types. */
function pureImports(allowTypes) {
  return [
    'error',
    {
      paths: [
        ...DATABASE_PACKAGES.map((name) => ({
          name,
          message: 'pure code does not touch the database (DESIGN.md §2); a store does.',
        })),
        ...['node:fs', 'node:fs/promises', 'fs', 'fs/promises'].map((name) => ({
          name,
          message: 'pure code does no I/O (DESIGN.md §2); a service reads and writes files.',
        })),
      ],
      patterns: [
        { regex: String.raw`(?:^|/)db/`, message: 'pure code does not import db/ (DESIGN.md §2).' },
        { ...STORE_IMPORT, allowTypeImports: allowTypes },
        {
          regex: String.raw`\.service(?:\.ts)?$`,
          message: 'pure code does not call services; services call pure code (DESIGN.md §2).',
          allowTypeImports: allowTypes,
        },
      ],
    },
  ];
}

export default tseslint.config(
  { ignores: ['.scratch/**', 'node_modules/', '.pilot/', 'coverage/', 'bench/.data/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Migrations are frozen in time and typed Kysely<any> on purpose (STYLE.md §5).
    files: ['migrations/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Pure files: no database, no file system, no store, no service (not even their types).
    files: domainFiles,
    ignores: [...STORES, ...SERVICES],
    rules: {
      '@typescript-eslint/no-restricted-imports': pureImports(false),
      'no-restricted-syntax': ['error', NO_DATABASE_CALLS],
    },
  },
  {
    // Serializers and renderers of store records (snake_case JSON, CSV exports) are pure but name the
    // records' types: a type-only import of a store or service is erased at build time, so it adds
    // no run-time dependency. Everything else of the pure rule holds.
    files: [...DOMAIN.map((d) => `${d}/**/*-json.ts`), 'assignment/assignment-export.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': pureImports(true) },
  },
  {
    // Services orchestrate stores: they may name a Transaction type, but write no SQL themselves.
    files: domainFiles.map((f) => f.replace('*.ts', '*.service.ts')),
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'kysely',
              allowImportNames: ['Transaction', 'Kysely'],
              message: 'SQL lives in *.store.ts files; a service imports only kysely types.',
            },
            ...DATABASE_PACKAGES.filter((n) => n !== 'kysely').map((name) => ({
              name,
              message: 'services reach the database through stores (DESIGN.md §2).',
            })),
          ],
        },
      ],
      'no-restricted-syntax': ['error', NO_DATABASE_CALLS],
    },
  },
  {
    // The CLI parses options, calls one service and renders: no store, no SQL, no driver.
    files: ['cli/**/*.ts', 'server/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: DATABASE_PACKAGES.map((name) => ({
            name,
            message: 'the CLI and the server call services; they do not query the database.',
          })),
          patterns: [
            {
              ...STORE_IMPORT,
              allowTypeImports: true,
              message: 'the CLI and the server call services, not stores.',
            },
            {
              regex: String.raw`(?:^|/)db/(?!connection\.ts$|migrate\.ts$)`,
              message:
                'the CLI and the server open the database (db/connection.ts, db/migrate.ts) and call services.',
            },
          ],
        },
      ],
      'no-restricted-syntax': ['error', NO_DATABASE_CALLS],
    },
  },
);

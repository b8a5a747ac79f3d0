import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

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
);

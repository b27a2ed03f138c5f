import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    // examples/ are separate packages, type-checked against the packed tarball by their test.
    ignores: [
      'node_modules/',
      'dist/',
      'data/',
      'coverage/',
      'docs/',
      'reports/',
      '.stryker-tmp/',
      'examples/',
    ],
  },
  js.configs.recommended,
  // Type-aware rules on the TypeScript: a promise nobody awaits is a crash waiting for a busy
  // database (no-floating-promises), and an async callback where a void one is expected turns a
  // rejection into an unhandled one (no-misused-promises).
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `void promise` is no excuse either: its rejection still crashes the process.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['public/**/*.js'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        setTimeout: 'readonly',
        location: 'readonly',
        google: 'readonly',
      },
    },
  },
  prettier,
);

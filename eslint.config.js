import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

/**
 * The floors of src/, top to bottom (README, "Design"): a module imports from its own floor and
 * the ones below it only. The folders of one floor may import each other (no cycles, though).
 */
const FLOORS = [
  ['src/bin'],
  ['src/server'],
  ['src/index.ts', 'src/composition'],
  ['src/routes'],
  ['src/signin', 'src/risc'],
  ['src/http', 'src/grants'],
  ['src/config', 'src/google', 'src/storage'],
  ['src/core'],
];
/** One zone a floor: it may not import from any floor above it. */
const floorZones = FLOORS.slice(1).map((floor, index) => ({
  target: floor,
  from: FLOORS.slice(0, index + 1).flat(),
  message: `${floor.join(', ')}: imports only from its own floor and those below (README, "Design").`,
}));

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
  // The layout's one dependency order (README, "Design"): no import cycles in the app or the
  // emulator, and no module importing from a floor above its own. The `.js` of an import names
  // the `.ts` beside it.
  {
    files: ['src/**/*.ts', 'emulator/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Without these the rules skip every .ts file they follow an import into.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.js'],
          extensionAlias: { '.js': ['.ts', '.js'] },
        }),
      ],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: 'emulator',
              from: 'src',
              message: 'The emulator is a program of its own: it imports nothing of the app.',
            },
            ...floorZones,
            {
              // The standalone server is a host app like any other: gconnect's public API and
              // its own plumbing (listen, drain, timeouts, its logger), nothing else of src/.
              target: ['src/server', 'src/bin/server.ts'],
              from: 'src',
              except: ['./index.ts', './server'],
              message: 'The standalone server uses only the package API (src/index.ts).',
            },
            {
              // npm run dev too (beside the emulator, which imports nothing of src/).
              target: 'src/bin/dev.ts',
              from: 'src',
              except: ['./index.ts', './server'],
              message: 'npm run dev uses only the package API (src/index.ts) and the emulator.',
            },
          ],
        },
      ],
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

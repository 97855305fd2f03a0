import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports a layer may not make: `group` patterns are matched against the import as written. */
const restrict = (patterns) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
});

const SDKS = {
  group: ['@aws-sdk/*', '@smithy/*', '@middy/*', 'aws-lambda', 'aws-cdk-lib', 'aws-cdk-lib/*'],
  message: 'the core is plain TypeScript: SDK adapters belong in functions/infra',
};
const CORE_ONLY = 'core imports nothing outside functions/core (see ../shared/style.md)';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'cdk.out/',
      'cdk.out.aws/',
      'coverage/',
      '.local-data/',
      'client/dist/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      // Handlers and the core must never print secrets by accident: logging goes through functions/core/log.ts.
      'no-console': 'error',
    },
  },
  {
    files: ['local/**', 'bench/**', 'bin/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  // The AWS profile's Lambda sandbox: plain Node.js JavaScript (it runs bundles with no loader),
  // printing START/END lines as the Lambda runtime does.
  {
    files: ['test/aws/support/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: { 'no-console': 'off' },
  },
  // The layers of ../shared/style.md, enforced: core <- providers, infra <- runtime <- handlers.
  {
    files: ['functions/core/*.ts'],
    rules: restrict([SDKS, { regex: '^\\.\\./', message: CORE_ONLY }]),
  },
  {
    files: ['functions/core/*/**/*.ts'],
    rules: restrict([SDKS, { regex: '^\\.\\./\\.\\./', message: CORE_ONLY }]),
  },
  {
    files: ['functions/providers/*/**/*.ts'],
    rules: restrict([
      {
        regex: '^\\.\\./(?!shared/|\\.\\./core/)',
        message:
          'a provider imports only the core and functions/providers/shared: never infra, the runtime, definitions or another provider',
      },
    ]),
  },
  {
    files: ['functions/infra/**/*.ts'],
    rules: restrict([
      {
        regex: '^\\.\\./(?!core/|definitions/)',
        message:
          'SDK adapters implement core ports: they import the core and the shared definitions only',
      },
    ]),
  },
  {
    files: ['functions/definitions/**/*.ts'],
    rules: restrict([{ regex: '^\\.\\./', message: 'shared definitions are names only' }]),
  },
  {
    files: ['lib/**/*.ts'],
    rules: restrict([
      {
        regex: '^\\.\\./functions/(?!definitions/|core/)',
        message:
          'lib/ shares only names with functions/ (functions/definitions); the app in bin/ passes provider data in',
      },
      {
        regex: '^\\.\\./functions/core/',
        allowTypeImports: true,
        message: 'lib/ may name core types, never run core code',
      },
      {
        group: ['@aws-sdk/*', '@middy/*'],
        message: 'lib/ is infrastructure: it never imports SDK or handler code',
      },
    ]),
  },
);

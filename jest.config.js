// Jest runs the TypeScript sources as ES modules (NestJS 12 is ESM-only); see README "Tests".
const LIBS = 'platform|domain|identity|catalog|runtime|edge|backup|provisioning|billing|storefront';

/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    [`^#(${LIBS})$`]: '<rootDir>/libs/$1/src/index.ts',
    // sub-barrels such as #runtime/docker and #platform/database
    [`^#(${LIBS})/([a-z-]+)$`]: '<rootDir>/libs/$1/src/$2/index.ts',
    [`^#(${LIBS})/(.*)\\.js$`]: '<rootDir>/libs/$1/src/$2.ts',
    '^#test/(.*)\\.js$': '<rootDir>/test/$1.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
  },
};

/** @type {import('jest').Config} */
export default {
  // per-project testTimeout is ignored by Jest; integration and e2e tests need real servers
  testTimeout: 120_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/test/support/**/*.spec.ts', '<rootDir>/test/architecture/**/*.spec.ts'],
    },
    {
      ...common,
      // services against typed fakes of their ports: no database, no engine, seconds
      displayName: 'service',
      testMatch: ['<rootDir>/libs/**/*.service-spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
    {
      ...common,
      // the pages in a real Chromium against a real API and Postgres; no Docker engine, so it runs beside the first tier
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
    {
      ...common,
      // faults injected for real into a whole control plane on a private engine of its own (runInBand)
      displayName: 'chaos',
      testMatch: ['<rootDir>/test/chaos/**/*.chaos-spec.ts'],
      globalSetup: '<rootDir>/test/chaos/chaos-setup.mjs',
      globalTeardown: '<rootDir>/test/chaos/chaos-teardown.mjs',
    },
  ],
};

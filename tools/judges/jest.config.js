// The judges' own tests (`npm run test:judges`), apart from `npm test`: they need the tools that
// tools/judges/install.sh puts in .tools/, which a fresh clone does not have.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  testMatch: ['<rootDir>/tools/judges/**/*.test.ts'],
  moduleNameMapper: { '^cdk8s-resilience$': '<rootDir>/lib/index.ts' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tools/judges/tsconfig.json' }] },
  testPathIgnorePatterns: ['/node_modules/'],
  // every judge on a few apps: checkov alone takes several seconds to start
  testTimeout: 300_000,
};

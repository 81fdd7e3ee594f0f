// Jest for tools/resilience only (needs the binaries of tools/kube/build.sh, so not part of `npm test`):
//   npx jest -c tools/resilience/jest.config.js
const path = require('path');

module.exports = {
  rootDir: path.resolve(__dirname, '..', '..'),
  testMatch: ['<rootDir>/tools/resilience/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  moduleNameMapper: { '^cdk8s-resilience$': '<rootDir>/lib/index.ts' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tools/resilience/tsconfig.json' }] },
  testTimeout: 300000,
  maxWorkers: 1,
};

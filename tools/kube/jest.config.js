// Jest for tools/kube only (needs the binaries from tools/kube/build.sh, so not part of `npm test`):
//   npx jest -c tools/kube/jest.config.js
const path = require('path');

module.exports = {
  rootDir: path.resolve(__dirname, '..', '..'),
  testMatch: ['<rootDir>/tools/kube/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tools/kube/tsconfig.json' }] },
  // Starting an API server takes a few seconds; a cluster with controllers and kwok longer.
  testTimeout: 180000,
  // One server at a time: the machine's cores are shared.
  maxWorkers: 1,
};

// A transpile-only TypeScript runner for CommonJS: `node --require ./tools/synth/ts-register.cjs tools/synth/main.ts`.
//
// Why not tsx: `--import tsx` starts a module-hooks worker thread, and `--require tsx/cjs` runs every .js file it loads
// (cdk8s-plus-27's multi-megabyte generated imports included) through its ESM check and turns source maps on, which
// makes Node parse their inline maps: each costs 100-200 ms before any construct exists. This hook touches only .ts
// files (esbuild strips the types, no type check) and leaves every .js file to Node. Type errors are caught by the
// compile and the tests, never at synth time.
//
// Transpiled files are cached by content hash (the generated CRD imports are large), in node_modules/.cache.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const OPTIONS = {
  loader: 'ts',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  // Class fields as tsc emits them for tsconfig.json's target ES2022 (what jsii builds and ts-jest tests).
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } },
};
const CACHE = path.join(__dirname, '..', '..', 'node_modules', '.cache', 'ts-register');
let esbuild; // loaded on the first cache miss only: starting its service costs more than a warm run's transpiling
let salt;

function transpile(source, filename) {
  salt ??= JSON.stringify([require('esbuild/package.json').version, OPTIONS]);
  const key = crypto.createHash('sha256').update(salt).update(filename).update(source).digest('hex');
  const cached = path.join(CACHE, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    esbuild ??= require('esbuild');
    const { code } = esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename });
    try {
      fs.mkdirSync(CACHE, { recursive: true });
      // Write then rename, so that a concurrent run never reads half a file.
      const tmp = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, cached);
    } catch {
      // A read-only checkout still runs, uncached.
    }
    return code;
  }
}

require.extensions['.ts'] = (module, filename) => {
  module._compile(transpile(fs.readFileSync(filename, 'utf8'), filename), filename);
};

// The example apps import the library as its users do, `cdk8s-resilience`; here that name is this checkout's lib/.
const Module = require('module');
const LIBRARY = path.join(__dirname, '..', '..', 'lib', 'index.ts');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, request === 'cdk8s-resilience' ? LIBRARY : request, ...rest);
};

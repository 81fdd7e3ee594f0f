/**
 * What `apps/main.ts` does, timed in-process: `node --require tsx/cjs bench/apps.ts <outdir>`. Prints one JSON line:
 * how long loading cdk8s-plus-27, loading the apps (and the library), and the apps' own work (building and writing
 * every app, as `apps/main.ts` does) took. The work is what the start-up target adds to the bare cdk8s-plus-27 load.
 */
import * as path from 'path';
import { performance } from 'perf_hooks';

/* eslint-disable @typescript-eslint/no-require-imports */
// require, not import: each load is timed on its own, under either runner (tsx's ESM hooks or its CJS register).
function main(outdir: string): object {
  const t0 = performance.now();
  const { App, YamlOutputType } = require('cdk8s') as typeof import('cdk8s');
  require('cdk8s-plus-27');
  const t1 = performance.now();
  const { APPS } = require('../apps') as typeof import('../apps');
  const t2 = performance.now();
  for (const [name, build] of Object.entries(APPS)) {
    const app = new App({ outdir: path.join(outdir, name), outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART });
    build(app);
    app.synth();
  }
  const t3 = performance.now();
  return { apps: Object.keys(APPS).length, cdk8sPlusLoadMs: t1 - t0, appsLoadMs: t2 - t1, workMs: t3 - t2 };
}

if (require.main === module) {
  const outdir = process.argv[2];
  if (!outdir) {
    process.stderr.write('usage: bench/apps.ts <outdir>\n');
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(main(outdir)) + '\n');
}

/**
 * `npm run bench`: the cost of synthesizing ScalableBackends against the same objects written by hand with
 * cdk8s-plus-27, and the start-up cost of `npm run synth`. Every measurement runs in its own process; each is repeated
 * and the medians are reported. See bench/README.md for what the columns mean and a recorded run.
 *
 *   node --require ./tools/synth/ts-register.cjs bench/run.ts [--sizes 10,100,1000] [--runs 5]
 *     [--features autoscaling,mesh|none] [--charts 1] [--library compiled|source] [--startup-runs 7] [--no-startup]
 *     [--no-scale] [--json file] [--check]
 *
 * --features: the ScalableBackend options turned on in both variants (bench/scenarios.ts); default: all of them.
 * --library: measure the library as npm ships it (dist/lib, from `npx projen compile`, which `npm run bench` runs
 *   first; the default) or its sources through the transpile-only register.
 */
import * as fs from 'fs';
import { machine } from './common';
import { measureScale, reportScale, ScaleOptions } from './scale';
import { FEATURES, parseFeatures } from './scenarios';
import { measureStartup, StartupOptions } from './startup';
import { isLibraryForm, LIBRARY_FORMS, LibraryForm } from './synth';

interface Options extends ScaleOptions, StartupOptions {
  sizes: number[];
  runs: number;
  features: string[];
  charts: number;
  library: LibraryForm;
  startupRuns: number;
  scale: boolean;
  startup: boolean;
  json?: string;
  check: boolean;
}

function parseArgs(argv: string[]): Options {
  // Every option ScalableBackend has that the benchmark knows, unless --features says otherwise.
  const features = Object.keys(FEATURES);
  const o: Options = {
    sizes: [10, 100, 1000], runs: 5, features, charts: 1, library: 'compiled', startupRuns: 7, scale: true, startup: true, check: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const whole = (v: string, min: number) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`${a} must be a whole number >= ${min} (got '${v}')`);
      return n;
    };
    switch (a) {
      case '--sizes': o.sizes = value().split(',').map(s => whole(s, 1)); break;
      case '--runs': o.runs = whole(value(), 1); break;
      case '--features': o.features = parseFeatures(value()); break;
      case '--charts': o.charts = whole(value(), 1); break;
      case '--library': {
        const form = value();
        if (!isLibraryForm(form)) throw new Error(`--library must be one of ${LIBRARY_FORMS.join(', ')} (got '${form}')`);
        o.library = form;
        break;
      }
      case '--startup-runs': o.startupRuns = whole(value(), 1); break;
      case '--no-startup': o.startup = false; break;
      case '--no-scale': o.scale = false; break;
      case '--json': o.json = value(); break;
      case '--check': o.check = true; break;
      case '--help':
        process.stdout.write(fs.readFileSync(__filename, 'utf8').split('*/')[0] + '*/\n');
        process.exit(0);
      // eslint-disable-next-line no-fallthrough
      default: throw new Error(`unknown option '${a}' (see --help)`);
    }
  }
  if (o.charts > Math.min(...o.sizes)) throw new Error(`--charts (${o.charts}) must not exceed the smallest size`);
  return o;
}

function main(): number {
  const o = parseArgs(process.argv.slice(2));
  const report: string[] = [`machine: ${machine()}`, ''];
  const json: { [k: string]: unknown } = { machine: machine(), options: o };
  let pass = true;
  if (o.scale) {
    const results = measureScale(o);
    const verdict = reportScale(o, results);
    report.push(verdict.text, '');
    json.scale = { results, maxRatio: verdict.maxRatio, exponents: verdict.exponents };
    pass = pass && verdict.pass;
  }
  if (o.startup) {
    const verdict = measureStartup(o);
    report.push(verdict.text, '');
    json.startup = verdict;
    pass = pass && verdict.pass;
  }
  process.stdout.write(report.join('\n') + '\n');
  if (o.json) fs.writeFileSync(o.json, JSON.stringify(json, null, 2));
  return o.check && !pass ? 1 : 0;
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (e) {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : e}\n`);
    process.exitCode = 2;
  }
}

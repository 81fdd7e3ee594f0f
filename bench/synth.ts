/**
 * One measurement, in its own process:
 *   `node --require ./tools/synth/ts-register.cjs bench/synth.ts <library|handwritten> <N> [features] [charts] [compiled|source]`.
 * Loads the variant, builds an App of N backends, synthesizes it to YAML in memory (what `app.synth()` does, minus
 * the file writes) and prints one JSON line with the phase times, the object count and the peak memory.
 */
import { performance } from 'perf_hooks';
import { COMPILED_LIBRARY } from './common';

export interface Measurement {
  readonly variant: string;
  readonly backends: number;
  readonly charts: number;
  readonly features: string[];
  /** What the library variant loaded: `compiled` (dist/lib) or `source` (lib/ through the register). */
  readonly form: LibraryForm;
  /** Importing cdk8s, cdk8s-plus-27 and the variant (the library too for `library`), and what the features need. */
  readonly loadMs: number;
  /** Constructing the backends. */
  readonly buildMs: number;
  /** CPU time (user + system) of constructing the backends. */
  readonly buildCpuMs: number;
  /** `app.synthYaml()`: dependencies, validation, toJson, YAML. */
  readonly synthMs: number;
  /**
   * CPU time (user + system, every thread of the process) of building and synthesizing: unlike wall time, it hardly
   * changes when other processes compete for the cores.
   */
  readonly workCpuMs: number;
  readonly objects: number;
  readonly yamlBytes: number;
  /** Peak resident set size of the process. */
  readonly maxRssMiB: number;
}

export const VARIANTS = ['library', 'handwritten'];
/** What the library variant loads: the package as compiled for npm (dist/lib), or the sources through the register. */
export const LIBRARY_FORMS = ['compiled', 'source'] as const;
export type LibraryForm = (typeof LIBRARY_FORMS)[number];

/** Whether the string names a form of the library. */
export function isLibraryForm(form: string): form is LibraryForm {
  return (LIBRARY_FORMS as readonly string[]).includes(form);
}

/* eslint-disable @typescript-eslint/no-require-imports */
/** Points `cdk8s-resilience` at the compiled package (the register points it at lib/index.ts). */
function loadCompiledLibrary(): void {
  const Module = require('module') as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    return resolve.call(this, request === 'cdk8s-resilience' ? COMPILED_LIBRARY : request, ...rest);
  };
}

// require, not import: the loads are timed on their own, and the hand-written variant never loads the library.
function main(argv: string[]): Measurement {
  const [variant, n, featureList, chartsArg, form = 'compiled'] = argv;
  if (!VARIANTS.includes(variant)) throw new Error(`variant must be one of ${VARIANTS.join(', ')} (got '${variant}')`);
  if (!isLibraryForm(form)) throw new Error(`the library's form must be one of ${LIBRARY_FORMS.join(', ')} (got '${form}')`);
  const backends = Number(n);
  if (!Number.isInteger(backends) || backends < 1) throw new Error(`N must be a whole number >= 1 (got '${n}')`);
  // Backends spread evenly over this many charts (1 = one chart holds them all).
  const charts = Number(chartsArg ?? 1);
  if (!Number.isInteger(charts) || charts < 1 || charts > backends) throw new Error(`charts must be from 1 to N (got '${chartsArg}')`);

  const t0 = performance.now();
  if (variant === 'library' && form === 'compiled') loadCompiledLibrary();
  const { App, Chart } = require('cdk8s') as typeof import('cdk8s');
  require('cdk8s-plus-27');
  const { FEATURES, parseFeatures } = require('./scenarios') as typeof import('./scenarios');
  const { addBackends } = (variant === 'library' ? require('./library') : require('./handwritten')) as typeof import('./library');
  const features = parseFeatures(featureList);
  // The hand-written objects' modules; the library loaded its own with it (a second copy would count against it).
  if (variant === 'handwritten') for (const f of features) FEATURES[f].load?.();
  const t1 = performance.now();

  const cpu0 = process.cpuUsage();
  const app = new App({ outdir: '/nonexistent-bench-never-writes' });
  for (let c = 0; c < charts; c++) {
    const count = Math.floor(backends / charts) + (c < backends % charts ? 1 : 0);
    const chart = new Chart(app, `chart-${c}`, { namespace: charts > 1 ? `team-${c}` : undefined });
    addBackends(chart, count, features);
  }
  const t2 = performance.now();
  const buildCpu = process.cpuUsage(cpu0);

  const yaml = app.synthYaml();
  const t3 = performance.now();
  const cpu = process.cpuUsage(cpu0);

  return {
    variant,
    backends,
    charts,
    features,
    form,
    loadMs: t1 - t0,
    buildMs: t2 - t1,
    buildCpuMs: (buildCpu.user + buildCpu.system) / 1000,
    synthMs: t3 - t2,
    workCpuMs: (cpu.user + cpu.system) / 1000,
    objects: (yaml.match(/^kind: /gm) ?? []).length,
    yamlBytes: Buffer.byteLength(yaml),
    // maxRSS is in KiB on Linux and macOS.
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

if (require.main === module) {
  try {
    process.stdout.write(JSON.stringify(main(process.argv.slice(2))) + '\n');
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : e}\n`);
    process.exitCode = 1;
  }
}

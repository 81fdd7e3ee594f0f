/**
 * `npm run bench`: the cost of synthesizing ScalableBackends against the same objects written by hand with
 * cdk8s-plus-27, and the start-up cost of `npm run synth`. Every measurement runs in its own process; each is repeated
 * and the medians are reported. See bench/README.md for what the columns mean and a recorded run.
 *
 *   node --require ./tools/synth/ts-register.cjs bench/run.ts [--sizes 10,100,1000] [--runs 5]
 *     [--features autoscaling,mesh|none] [--charts 1] [--startup-runs 7] [--no-startup] [--no-scale] [--json file] [--check]
 *
 * --features: the ScalableBackend options turned on in both variants (bench/scenarios.ts); default: all of them.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { FEATURES, objectsPerBackend, parseFeatures } from './scenarios';
import type { Measurement } from './synth';

const ROOT = path.resolve(__dirname, '..');
const REGISTER = path.join(__dirname, '..', 'tools', 'synth', 'ts-register.cjs');
/** How every TypeScript child runs: transpile-only, nothing but .ts files hooked. */
const TS = ['--require', REGISTER];

/** The targets of the issue. */
const MAX_RATIO = 1.2;
const MAX_EXPONENT = 1.05;
const MAX_STARTUP_FACTOR = 1.5;

interface Options {
  sizes: number[];
  runs: number;
  features: string[];
  charts: number;
  startupRuns: number;
  scale: boolean;
  startup: boolean;
  json?: string;
  check: boolean;
}

function parseArgs(argv: string[]): Options {
  // Every option ScalableBackend has that the benchmark knows, unless --features says otherwise.
  const features = Object.keys(FEATURES);
  const o: Options = { sizes: [10, 100, 1000], runs: 5, features, charts: 1, startupRuns: 7, scale: true, startup: true, check: false };
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Timed {
  readonly wallMs: number;
  readonly stdout: string;
}

/** Runs a command to completion and returns its wall time; fails loudly if it fails. */
function timed(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Timed {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = performance.now() - start;
  if (r.status !== 0) {
    throw new Error(`'${cmd} ${args.join(' ')}' failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}`);
  }
  return { wallMs, stdout: r.stdout };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Synthesis at scale

interface VariantResult {
  readonly runs: Measurement[];
  readonly wallMs: number[];
  /** Median wall time of build + synth: the work that grows with N. */
  readonly workMs: number;
  /** Median CPU time of the same work. */
  readonly workCpuMs: number;
  readonly buildMs: number;
  readonly synthMs: number;
  readonly processMs: number;
  readonly maxRssMiB: number;
  readonly objects: number;
}

interface SizeResult {
  readonly backends: number;
  readonly library: VariantResult;
  readonly handwritten: VariantResult;
}

function summarize(runs: Measurement[], wallMs: number[]): VariantResult {
  const objects = new Set(runs.map(r => r.objects));
  if (objects.size !== 1) throw new Error(`runs disagree on the object count: ${[...objects].join(', ')}`);
  return {
    runs,
    wallMs,
    workMs: median(runs.map(r => r.buildMs + r.synthMs)),
    workCpuMs: median(runs.map(r => r.workCpuMs)),
    buildMs: median(runs.map(r => r.buildMs)),
    synthMs: median(runs.map(r => r.synthMs)),
    processMs: median(wallMs),
    maxRssMiB: median(runs.map(r => r.maxRssMiB)),
    objects: runs[0].objects,
  };
}

function measureScale(o: Options): SizeResult[] {
  const results: SizeResult[] = [];
  for (const n of o.sizes) {
    const collected: { [variant: string]: { runs: Measurement[]; wall: number[] } } = {
      library: { runs: [], wall: [] },
      handwritten: { runs: [], wall: [] },
    };
    for (let r = 0; r < o.runs; r++) {
      // Alternate which variant goes first, so that a noisy neighbour hurts both alike.
      const order = r % 2 ? ['handwritten', 'library'] : ['library', 'handwritten'];
      for (const variant of order) {
        const t = timed(process.execPath, [...TS, path.join(__dirname, 'synth.ts'), variant, String(n), o.features.join(','), String(o.charts)]);
        collected[variant].runs.push(JSON.parse(t.stdout) as Measurement);
        collected[variant].wall.push(t.wallMs);
      }
      process.stderr.write('.');
    }
    const result = {
      backends: n,
      library: summarize(collected.library.runs, collected.library.wall),
      handwritten: summarize(collected.handwritten.runs, collected.handwritten.wall),
    };
    const expected = n * objectsPerBackend(o.features);
    for (const v of [result.library, result.handwritten]) {
      if (v.objects !== expected) throw new Error(`N=${n}: ${v.objects} objects, expected ${expected}`);
    }
    results.push(result);
    process.stderr.write(` N=${n}\n`);
  }
  return results;
}

type Metric = 'workMs' | 'workCpuMs';

interface ScaleVerdict {
  readonly maxRatio: { [metric: string]: number };
  readonly exponents: { [metricAndVariant: string]: number | undefined };
  readonly pass: boolean;
  readonly text: string;
}

const ratio = (a: number, b: number) => `${fmt(a / b, 2)}×`;

function reportScale(o: Options, results: SizeResult[]): ScaleVerdict {
  const out: string[] = [];
  const features = o.features.length ? `, features: ${o.features.join(', ')}` : '';
  const charts = `${o.charts} chart${o.charts > 1 ? 's' : ''}`;
  out.push(`Synthesis of N ScalableBackends (${objectsPerBackend(o.features)} objects each${features}; ${charts}) `
    + `vs the same objects hand-written with cdk8s-plus-27; medians of ${o.runs} runs, one process each.`);
  out.push('work = constructing the backends + app.synthYaml() (dependencies, validation, toJson, YAML) in-process, as wall');
  out.push('time and as CPU time (user + system); objects/s from the work\'s wall time.');
  out.push('');
  out.push(table(
    ['N', 'objects', 'lib work ms', 'hand work ms', 'ratio', 'lib CPU ms', 'hand CPU ms', 'ratio', 'lib objects/s', 'hand objects/s'],
    results.map(({ backends, library: l, handwritten: h }) => [
      fmt(backends), fmt(l.objects),
      fmt(l.workMs), fmt(h.workMs), ratio(l.workMs, h.workMs),
      fmt(l.workCpuMs), fmt(h.workCpuMs), ratio(l.workCpuMs, h.workCpuMs),
      fmt(l.objects / (l.workMs / 1000)), fmt(h.objects / (h.workMs / 1000)),
    ]),
  ));
  out.push('');
  out.push('process = the whole process (node start, loading the modules, the work); peak = max RSS of the process;');
  out.push('build and synth = the two halves of the work (wall time).');
  out.push('');
  out.push(table(
    ['N', 'lib process ms', 'hand process ms', 'ratio', 'lib peak MiB', 'hand peak MiB', 'ratio',
      'lib build ms', 'hand build ms', 'lib synth ms', 'hand synth ms'],
    results.map(({ backends, library: l, handwritten: h }) => [
      fmt(backends),
      fmt(l.processMs), fmt(h.processMs), ratio(l.processMs, h.processMs),
      fmt(l.maxRssMiB), fmt(h.maxRssMiB), ratio(l.maxRssMiB, h.maxRssMiB),
      fmt(l.buildMs, 1), fmt(h.buildMs, 1), fmt(l.synthMs, 1), fmt(h.synthMs, 1),
    ]),
  ));

  const metrics: [Metric, string][] = [['workMs', 'wall'], ['workCpuMs', 'CPU']];
  const maxRatio: { [metric: string]: number } = {};
  const exponents: { [key: string]: number | undefined } = {};
  const at = (n: number) => results.find(r => r.backends === n);
  const [r100, r1000] = [at(100), at(1000)];
  let pass = true;
  out.push('');
  for (const [metric, label] of metrics) {
    maxRatio[label] = Math.max(...results.map(r => r.library[metric] / r.handwritten[metric]));
    for (const v of ['library', 'handwritten'] as const) {
      exponents[`${label} ${v}`] = r100 && r1000 ? Math.log(r1000[v][metric] / r100[v][metric]) / Math.log(10) : undefined;
    }
    const lib = exponents[`${label} library`];
    const hand = exponents[`${label} handwritten`];
    const ratioOk = maxRatio[label] <= MAX_RATIO;
    const expOk = lib === undefined || lib <= MAX_EXPONENT;
    pass = pass && ratioOk && expOk;
    out.push(`${label} time: growth exponent from N=100 to N=1000, log(t1000/t100)/log(10): `
      + (lib === undefined || hand === undefined ? 'needs sizes 100 and 1000' : `library ${fmt(lib, 3)}, hand-written ${fmt(hand, 3)}`));
    out.push(`  target: library <= ${MAX_RATIO}× hand-written at every N: ${ratioOk ? 'PASS' : 'FAIL'} (worst ${fmt(maxRatio[label], 2)}×)`);
    out.push(`  target: growth exponent <= ${MAX_EXPONENT}: ${lib === undefined ? 'not measured' : `${expOk ? 'PASS' : 'FAIL'} (${fmt(lib, 3)})`}`);
  }
  maxRatio.memory = Math.max(...results.map(r => r.library.maxRssMiB / r.handwritten.maxRssMiB));
  const memOk = maxRatio.memory <= MAX_RATIO;
  pass = pass && memOk;
  out.push(`peak memory: target: library <= ${MAX_RATIO}× hand-written at every N: ${memOk ? 'PASS' : 'FAIL'} (worst ${fmt(maxRatio.memory, 2)}×)`);
  return { maxRatio, exponents, pass, text: out.join('\n') };
}

// ---------------------------------------------------------------------------------------------------------------
// Start-up of `npm run synth`

/** The command `npm run synth` should run: transpile-only, no cdk8s-cli, no projen task runner. */
const PROPOSED_SYNTH = 'node --require ./tools/synth/ts-register.cjs tools/synth/main.ts';

/** A scratch copy of the project (sources copied, node_modules linked), so that `npm run synth` never touches dist/. */
function scratchProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-resilience-bench-'));
  for (const entry of ['package.json', 'cdk8s.yaml', 'tsconfig.json', '.projen', 'apps', 'lib', 'bench']) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  // The same project, with `npm run synth-proposed` running the proposed command.
  const pkgFile = path.join(dir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  pkg.scripts['synth-proposed'] = PROPOSED_SYNTH;
  fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
  return dir;
}

/** Every file under a directory, relative path → content. */
function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.set(path.relative(dir, p), fs.readFileSync(p, 'utf8'));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return files;
}

function sameTree(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.size > 0 && a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

/** What `npm run synth` runs, step by step, as package.json, projen's tasks and cdk8s.yaml say. */
function synthChain(): string[] {
  const script: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts?.synth ?? '(no synth script)';
  const chain = [script];
  const task = /^(npx )?projen (\S+)$/.exec(script)?.[2];
  if (task) {
    const tasks = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;
    for (const step of tasks[task]?.steps ?? []) if (step.exec) chain.push(step.exec);
  }
  if (/^(npx )?cdk8s synth/.test(chain[chain.length - 1])) chain.push(cdk8sApp());
  return chain;
}

/** The app command of cdk8s.yaml. */
function cdk8sApp(): string {
  const line = /^app:\s*(.+)$/m.exec(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8'))?.[1] ?? '(none)';
  return line.trim().replace(/^(["'])(.*)\1$/, '$2');
}

interface Candidate {
  readonly id: string;
  readonly name: string;
  readonly run: () => Timed;
  /** Where it writes the apps, to compare with what `npm run synth` writes. */
  readonly outdir?: string;
}

interface StartupVerdict {
  readonly rows: { id: string; name: string; ms: number }[];
  readonly floorMs: number;
  readonly pass: boolean;
  readonly text: string;
}

function measureStartup(o: Options): StartupVerdict {
  const dir = scratchProject();
  const out = path.join(dir, 'dist', 'manifests');
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20', ...extra });
  const appsOut = (name: string) => path.join(dir, 'out', name);
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const node = process.execPath;
    const cdk8s = path.join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
    const chain = synthChain();
    const adopted = chain[0] === PROPOSED_SYNTH;
    // A `node <args>` run in the scratch project, writing the apps to a folder of its own.
    const direct = (id: string, name: string, args: string[]): Candidate =>
      ({ id, name, outdir: appsOut(id), run: () => timed(node, args, { cwd: dir, env: env({ CDK8S_OUTDIR: appsOut(id) }) }) });
    const candidates: Candidate[] = [
      {
        id: 'floor',
        name: 'node -e "require(\'cdk8s-plus-27\')"  (the floor)',
        run: () => timed(node, ['-e', 'require(\'cdk8s-plus-27\')'], { cwd: dir }),
      },
      {
        id: 'npm',
        name: `npm run synth  (→ ${chain.join(' → ')})`,
        outdir: out,
        run: () => timed(npm, ['run', '--silent', 'synth'], { cwd: dir, env: env() }),
      },
      ...(adopted ? [] : [{
        id: 'npm-proposed',
        name: `npm run synth  (proposed: → ${PROPOSED_SYNTH})`,
        outdir: appsOut('npm-proposed'),
        run: () => timed(npm, ['run', '--silent', 'synth-proposed'], { cwd: dir, env: env({ CDK8S_OUTDIR: appsOut('npm-proposed') }) }),
      }]),
      {
        id: 'cli',
        name: `cdk8s synth --no-check-upgrade  (→ ${cdk8sApp()})`,
        outdir: appsOut('cli'),
        run: () => timed(node, [cdk8s, 'synth', '--no-check-upgrade', '-o', appsOut('cli')], { cwd: dir, env: env() }),
      },
      direct('tsx', 'node --import tsx tools/synth/main.ts', ['--import', 'tsx', 'tools/synth/main.ts']),
      direct('tsx-cjs', 'node --require tsx/cjs tools/synth/main.ts', ['--require', 'tsx/cjs', 'tools/synth/main.ts']),
      direct('register', `${PROPOSED_SYNTH}  (without npm)`, ['--require', './tools/synth/ts-register.cjs', 'tools/synth/main.ts']),
    ];
    const samples = new Map<string, number[]>(candidates.map(c => [c.name, []]));
    const work: { workMs: number; appsLoadMs: number }[] = [];
    // One warm-up round (tsx's and the OS's caches), not counted.
    for (const c of candidates) c.run();
    for (let r = 0; r < o.startupRuns; r++) {
      for (const c of (r % 2 ? [...candidates].reverse() : candidates)) samples.get(c.name)!.push(c.run().wallMs);
      work.push(JSON.parse(timed(node, [...TS, 'bench/apps.ts', appsOut('work')], { cwd: dir, env: env() }).stdout));
      process.stderr.write('.');
    }
    process.stderr.write(' start-up\n');

    // Every way of running must write exactly what `npm run synth` writes.
    const reference = readTree(out);
    const mismatched = candidates.filter(c => c.outdir && !sameTree(reference, readTree(c.outdir))).map(c => c.name);
    if (mismatched.length) throw new Error(`these wrote different manifests than npm run synth: ${mismatched.join('; ')}`);

    const floor = median(samples.get(candidates[0].name)!);
    const workMs = median(work.map(w => w.workMs));
    const appsLoadMs = median(work.map(w => w.appsLoadMs));
    const budget = floor + workMs;
    const rows = candidates.map(c => ({ id: c.id, name: c.name, ms: median(samples.get(c.name)!) }));
    const ms = (id: string) => rows.find(r => r.id === id)!.ms;
    const lines: string[] = [];
    lines.push(`Start-up of synthesizing every example app (${reference.size} manifest files, identical for every command); `
      + `medians of ${o.startupRuns} runs in a scratch copy of the project.`);
    lines.push(`the apps' own work (building and writing every app, in-process): ${fmt(workMs, 1)} ms; `
      + `loading lib/ and apps/ through the register: ${fmt(appsLoadMs, 1)} ms`);
    lines.push('');
    lines.push(table(['command', 'wall ms', '× (floor + work)'], rows.map(r => [r.name, fmt(r.ms), `${fmt(r.ms / budget, 2)}×`])));
    const proposedNode = ms('register');
    const proposedNpm = ms(adopted ? 'npm' : 'npm-proposed');
    const npmOverhead = proposedNpm - proposedNode;
    const limit = MAX_STARTUP_FACTOR * budget;
    // npm's own start-up is the same for any script and beyond this project's reach: --check holds the command only.
    const pass = proposedNode <= limit;
    const verdict = (t: number) => `${t <= limit ? 'PASS' : 'FAIL'} (${fmt(t)} ms, ${fmt(t / budget, 2)}×)`;
    lines.push('');
    lines.push(`target: synth within ${MAX_STARTUP_FACTOR}× of the floor + the apps' work (${fmt(budget)} ms → ${fmt(limit)} ms)`);
    lines.push(`  the command (${PROPOSED_SYNTH}): ${verdict(proposedNode)}`);
    lines.push(`  through npm run, whose own start-up adds ${fmt(npmOverhead)} ms: ${verdict(proposedNpm)}`);
    return { rows, floorMs: floor, pass, text: lines.join('\n') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, ${os.platform()} ${os.release()}, node ${process.version}, `
    + `load average ${os.loadavg().map(l => fmt(l, 2)).join(' ')}`;
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

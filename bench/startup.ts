/**
 * The start-up job: every way of synthesizing all example apps, in a scratch copy of the project, against the floor
 * of loading cdk8s-plus-27 and the apps' own work (bench/apps.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fmt, MAX_STARTUP_FACTOR, median, ROOT, table, Timed, timed, TS } from './common';

export interface StartupOptions {
  readonly startupRuns: number;
}

/** The command `npm run synth` should run: transpile-only, no cdk8s-cli, no projen task runner. */
const PROPOSED_SYNTH = 'node --require ./tools/synth/ts-register.cjs tools/synth/main.ts';

/** A scratch copy of the project (sources copied, node_modules linked), so that `npm run synth` never touches dist/. */
function scratchProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-resilience-bench-'));
  for (const entry of ['package.json', 'cdk8s.yaml', 'tsconfig.json', '.projen', 'apps', 'lib', 'bench', 'tools', 'test/tsconfig.json']) {
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

export interface StartupVerdict {
  readonly rows: { id: string; name: string; ms: number }[];
  readonly floorMs: number;
  readonly pass: boolean;
  readonly text: string;
}

export function measureStartup(o: StartupOptions): StartupVerdict {
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
    const direct = (id: string, name: string, args: string[], extra: NodeJS.ProcessEnv = {}): Candidate =>
      ({ id, name, outdir: appsOut(id), run: () => timed(node, args, { cwd: dir, env: env({ CDK8S_OUTDIR: appsOut(id), ...extra }) }) });
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
      // tsx resolves `cdk8s-resilience` (what the apps import) through the paths of the tests' tsconfig.
      direct('tsx', 'node --import tsx tools/synth/main.ts', ['--import', 'tsx', 'tools/synth/main.ts'], { TSX_TSCONFIG_PATH: 'test/tsconfig.json' }),
      direct('tsx-cjs', 'node --require tsx/cjs tools/synth/main.ts', ['--require', 'tsx/cjs', 'tools/synth/main.ts'], { TSX_TSCONFIG_PATH: 'test/tsconfig.json' }),
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


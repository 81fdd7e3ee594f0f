/**
 * What every benchmark job shares: running a measurement in its own process, medians, and the report's tables.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';

export const ROOT = path.resolve(__dirname, '..');
export const REGISTER = path.join(ROOT, 'tools', 'synth', 'ts-register.cjs');
/** How every TypeScript child runs: transpile-only, nothing but .ts files hooked. */
export const TS = ['--require', REGISTER];

/**
 * The library as npm ships it, compiled by `npx projen compile` (jsii, which is tsc): what an adopter's app loads.
 * The sources in lib/ run through the register instead, whose CommonJS output reads every import across a module
 * boundary through a getter (tsc writes plain properties); the benchmark measures the shipped form unless told
 * `--library source`.
 */
export const COMPILED_LIBRARY = path.join(ROOT, 'dist', 'lib', 'index.js');

/** Refuses to measure a compiled library older than its sources: every lib/ file needs a newer dist/lib/ one. */
export function checkCompiled(): void {
  const stale: string[] = [];
  const visit = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        visit(rel);
      } else if (rel.endsWith('.ts') && !rel.endsWith('.d.ts')) {
        const out = path.join(ROOT, 'dist', rel.replace(/\.ts$/, '.js'));
        if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(path.join(ROOT, rel)).mtimeMs) stale.push(rel);
      }
    }
  };
  visit('lib');
  if (stale.length) {
    throw new Error(`dist/lib is older than ${stale.length} source file(s) (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', …' : ''}): `
      + 'run `npx projen compile` (`npm run bench` does), or pass `--library source`');
  }
}

/** The targets of the issues: library vs hand-written, growth, start-up, and the construction phase alone. */
export const MAX_RATIO = 1.2;
export const MAX_EXPONENT = 1.05;
export const MAX_STARTUP_FACTOR = 1.5;
export const MAX_BUILD_RATIO = 1.3;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface Timed {
  readonly wallMs: number;
  readonly stdout: string;
}

/** Runs a command to completion and returns its wall time; fails loudly if it fails. */
export function timed(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Timed {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = performance.now() - start;
  if (r.status !== 0) {
    throw new Error(`'${cmd} ${args.join(' ')}' failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}`);
  }
  return { wallMs, stdout: r.stdout };
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export const ratio = (a: number, b: number) => `${fmt(a / b, 2)}×`;

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, ${os.platform()} ${os.release()}, node ${process.version}, `
    + `load average ${os.loadavg().map(l => fmt(l, 2)).join(' ')}`;
}


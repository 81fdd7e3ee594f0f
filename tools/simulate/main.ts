/*
 * npm run simulate -- DIR [DIR...] [options]
 *
 * Predicts what a pod killer costs each Service of the manifests in DIR (YAML or JSON, read recursively): one line per
 * Service, `<namespace>/<service>: sent N, completed N, refused N, lost P %`, then the settings that drove the loss.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Duration, Yaml } from 'cdk8s';
import { Simulation, SimulationOptions } from 'cdk8s-resilience';

/** Seconds of `15s`, `500ms`, `2m`, `1m30s`, `1.5s` or a plain number; undefined when it is none of these. */
function seconds(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (!parts.length || parts.map(p => p[0]).join('') !== text) return undefined;
  return parts.reduce((sum, p) => sum + parseFloat(p[1]) * units[p[2]], 0);
}

/** `app=webapp,tier=web` as labels. */
function parseSelector(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map(x => x.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`selector '${text}': '${part}' is not key=value`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

const USAGE = `usage: simulate DIR [DIR...] [options]

Reads the Kubernetes manifests in each DIR (*.yaml, *.yml, *.json, recursively) and predicts, for every Service,
what a pod killer deleting one of its workload's pods every interval costs a load of one request per virtual user.

Load and killer:
  --kill-every D        time between kills (default: the interval of a pod killer in the manifests, else 15s; 0: none)
  --selector k=v,...    labels of the pods the killer may delete (default: a pod killer's selector in the
                        manifests, else every Service's workload)
  --rate N              requests per second (default: a load test in the manifests aimed at the Service, else 10)
  --duration D          how long the load lasts (default: as --rate, else 120s)
Timings no manifest holds (defaults fitted on the talk, see docs/simulation.md):
  --startup D           container start to app listening (default ${Simulation.DEFAULT_APP_STARTUP.toMilliseconds()}ms)
  --replacement-start D pod deletion to replacement's containers running (default ${Simulation.DEFAULT_REPLACEMENT_START.toMilliseconds()}ms)
  --endpoint-removal D  pod deletion to its removal from the routing table (default ${Simulation.DEFAULT_ENDPOINT_REMOVAL.toMilliseconds()}ms)
  --endpoint-addition D pod Ready to its addition to the routing table (default ${Simulation.DEFAULT_ENDPOINT_ADDITION.toMilliseconds()}ms)
  --in-flight D         window in which a request is reset when its pod stops (default ${Simulation.DEFAULT_IN_FLIGHT.toMilliseconds()}ms)
Simulation:
  --runs N              runs averaged over the killer's phase (default 40)
  --seed N              seed of the phase jitter and victim choice (default 1)
Output:
  --service NS/NAME     only this Service (repeatable)
  --json                one JSON object per Service instead of text
  --max-lost P          exit with status 1 when a Service loses more than P % of its requests
Durations: 15s, 500ms, 2m, 1m30s, or a plain number of seconds.`;

function fail(message: string): never {
  process.stderr.write(`simulate: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function duration(flag: string, text: string | undefined): Duration {
  if (text === undefined) fail(`${flag} needs a value`);
  const s = seconds(text);
  if (s === undefined || s < 0) fail(`${flag} '${text}' is not a duration (15s, 500ms, 2m)`);
  return Duration.millis(Math.round(s * 1000));
}

function number(flag: string, text: string | undefined, min: number): number {
  const v = Number(text);
  if (text === undefined || !Number.isFinite(v) || v < min) fail(`${flag} '${text}' must be a number >= ${min}`);
  return v;
}

function files(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(p));
    else if (/\.(ya?ml|json)$/.test(entry.name)) out.push(p);
  }
  return out;
}

function main(argv: string[]): number {
  const dirs: string[] = [];
  const services: string[] = [];
  let json = false;
  let maxLost: number | undefined;
  const o: { -readonly [K in keyof SimulationOptions]: SimulationOptions[K] } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--help': case '-h': process.stdout.write(`${USAGE}\n`); return 0;
      case '--kill-every': o.killEvery = duration(flag, value()); break;
      case '--selector': {
        const v = value();
        if (!v) fail('--selector needs key=value');
        try {
          o.selector = parseSelector(v);
        } catch (e) {
          fail((e as Error).message);
        }
        break;
      }
      case '--rate': o.rate = number(flag, value(), 0); break;
      case '--duration': o.duration = duration(flag, value()); break;
      case '--startup': o.appStartup = duration(flag, value()); break;
      case '--replacement-start': o.replacementStart = duration(flag, value()); break;
      case '--endpoint-removal': o.endpointRemoval = duration(flag, value()); break;
      case '--endpoint-addition': o.endpointAddition = duration(flag, value()); break;
      case '--in-flight': o.inFlight = duration(flag, value()); break;
      case '--runs': o.runs = number(flag, value(), 1); break;
      case '--seed': o.seed = number(flag, value(), 0); break;
      case '--service': services.push(value() ?? fail('--service needs NS/NAME')); break;
      case '--json': json = true; break;
      case '--max-lost': maxLost = number(flag, value(), 0); break;
      default:
        if (a.startsWith('-')) fail(`unknown option ${a}`);
        dirs.push(a);
    }
  }
  if (!dirs.length) fail('give at least one DIR of manifests');
  let worst = 0;
  for (const dir of dirs) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) fail(`${dir} is not a directory`);
    const manifests: any[] = [];
    for (const f of files(dir)) {
      try {
        manifests.push(...(f.endsWith('.json') ? [JSON.parse(fs.readFileSync(f, 'utf8'))].flat() : Yaml.load(f)));
      } catch (e) {
        fail(`${f}: ${(e as Error).message}`);
      }
    }
    const predictions = Simulation.ofManifests(manifests, o)
      .filter(p => !services.length || services.includes(`${p.namespace}/${p.service}`));
    if (!predictions.length) process.stderr.write(`simulate: ${dir}: no Service with a selector\n`);
    for (const p of predictions) {
      worst = Math.max(worst, p.lostPercent);
      if (json) {
        process.stdout.write(`${JSON.stringify({ dir, ...p })}\n`);
      } else {
        process.stdout.write(`${p.line}\n`);
        for (const d of p.drivers) process.stdout.write(`  - ${d}\n`);
        if (p.whatIf.length) {
          process.stdout.write(`  what if: ${p.whatIf.map(w => `${w.change} -> completed ${w.completed} (lost ${w.lostPercent.toFixed(1)} %)`).join('; ')}\n`);
        }
      }
    }
  }
  return maxLost !== undefined && worst > maxLost ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));

/*
 * The talk's three runs, as the talk deployed them, through the simulation:
 *
 *   node --require ./tools/synth/ts-register.cjs tools/simulate/talk.ts [--shared ../shared] [--out dist/simulate/talk] [--fit]
 *
 * Lays the workshop's own YAML into three folders (1 replica, 2 replicas, 2 replicas + Istio retries), runs the
 * `simulate` command on each (the killer deletes a pod labelled app=webapp every 15 s, 10 users/s for 120 s) and
 * prints the prediction next to the talk's numbers. Exits 1 when a completed count is off by more than 10 % or the
 * order of the three runs differs from the talk's.
 *
 * --sensitivity prints how much each timing moves the three predictions.
 * --fit re-does the calibration: a grid search of the replacement start, the app startup and the in-flight window on
 * the first two runs only (the third is predicted, never fitted), with the endpoint timings held at their defaults.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Duration, Yaml } from 'cdk8s';
import { Simulation, SimulationOptions } from 'cdk8s-resilience';

const ROOT = path.join(__dirname, '..', '..');
const WORKSHOP = 'workshop/manifests/MasterCloudApps__expoqa2022';

/** The talk's runs (docs/004, "Prueba con caos"): 1200 virtual users created each time. */
const RUNS = [
  { dir: '1-replica', title: '1 replica', completed: 282, refused: 897, fitted: true },
  { dir: '2-replicas', title: '2 replicas', completed: 864, refused: 321, fitted: true },
  { dir: '2-replicas-istio-retries', title: '2 replicas + Istio retries (5)', completed: 1198, refused: 0, fitted: false },
];

function args(): { shared: string; out: string; fit: boolean; sensitivity: boolean } {
  const a = process.argv.slice(2);
  const get = (flag: string, dflt: string): string => {
    const i = a.indexOf(flag);
    return i >= 0 && a[i + 1] ? a[i + 1] : dflt;
  };
  return { shared: get('--shared', path.join(ROOT, '..', 'shared')), out: get('--out', path.join(ROOT, 'dist', 'simulate', 'talk')), fit: a.includes('--fit'), sensitivity: a.includes('--sensitivity') };
}

/** Copies the workshop YAML into one folder per run; the 1-replica run scales the webapp to 1, as `kubectl scale` did. */
function layout(shared: string, out: string): string[] {
  const ws = path.join(shared, WORKSHOP);
  if (!fs.existsSync(ws)) throw new Error(`${ws} not found: give --shared <path to the shared folder>`);
  const scalable = path.join(ws, 'ejem4-webgatos2-scalable', 'k8s');
  const hazelcast = path.join(ws, 'ejem4-webgatos2-scalable-hazelcast', 'k8s');
  const istio = path.join(ws, 'ejem8-istio', 'istio.yaml');
  const dirs = RUNS.map(r => path.join(out, r.dir));
  for (const d of dirs) {
    fs.rmSync(d, { recursive: true, force: true });
    fs.mkdirSync(d, { recursive: true });
  }
  const copy = (from: string, to: string, edit?: (docs: any[]) => any[]) => {
    for (const f of fs.readdirSync(from).filter(x => /\.ya?ml$/.test(x))) {
      const docs = Yaml.load(path.join(from, f));
      Yaml.save(path.join(to, f), edit ? edit(docs) : docs);
    }
  };
  const scaleWebapp = (replicas: number) => (docs: any[]) => docs.map(d =>
    d?.kind === 'Deployment' && d.metadata?.name === 'webapp' ? { ...d, spec: { ...d.spec, replicas } } : d);
  copy(scalable, dirs[0], scaleWebapp(1));
  copy(scalable, dirs[1], scaleWebapp(2));
  copy(hazelcast, dirs[2], scaleWebapp(2));
  fs.copyFileSync(istio, path.join(dirs[2], 'istio.yaml'));
  return dirs;
}

const KILLER: SimulationOptions = { killEvery: Duration.seconds(15), rate: 10, duration: Duration.seconds(120), selector: { app: 'webapp' } };

function fit(dirs: string[]): void {
  const manifests = dirs.slice(0, 2).map(d => fs.readdirSync(d).flatMap(f => Yaml.load(path.join(d, f))));
  let best: { err: number; c: number; a: number; f: number; got: number[] } | undefined;
  for (let c = 1000; c <= 5000; c += 250) {
    for (let a = 4000; a <= 12000; a += 250) {
      for (const f of [100, 150, 200, 250, 300]) {
        const got = manifests.map(m => Simulation.ofManifests(m, {
          ...KILLER, replacementStart: Duration.millis(c), appStartup: Duration.millis(a), inFlight: Duration.millis(f), runs: 20,
        }).find(p => p.service === 'webapp')!);
        // Completed counts first (the acceptance), resets second (the in-flight window).
        const err = got.reduce((s, p, i) => s + ((p.completed - RUNS[i].completed) / RUNS[i].completed) ** 2, 0)
          + 0.001 * got.reduce((s, p, i) => s + (p.reset - [14, 9][i]) ** 2, 0);
        if (!best || err < best.err) best = { err, c, a, f, got: got.map(p => p.completed) };
      }
    }
  }
  console.log(`fit on runs 1-2: replacementStart ${best!.c} ms, appStartup ${best!.a} ms, inFlight ${best!.f} ms `
    + `(endpointRemoval ${Simulation.DEFAULT_ENDPOINT_REMOVAL.toMilliseconds()} ms, endpointAddition ${Simulation.DEFAULT_ENDPOINT_ADDITION.toMilliseconds()} ms held) `
    + `-> completed ${best!.got.join(', ')}`);
}

/** How much each timing moves the three predictions: one timing changed at a time, the others at their defaults. */
function sensitivity(dirs: string[]): void {
  const manifests = dirs.map(d => fs.readdirSync(d).flatMap(f => Yaml.load(path.join(d, f))));
  const variants: [string, SimulationOptions][] = [
    ['defaults', {}],
    ['appStartup 6.75 s', { appStartup: Duration.millis(6750) }],
    ['appStartup 8.75 s', { appStartup: Duration.millis(8750) }],
    ['replacementStart 2.5 s', { replacementStart: Duration.millis(2500) }],
    ['replacementStart 4.5 s', { replacementStart: Duration.millis(4500) }],
    ['endpointRemoval 0.5 s', { endpointRemoval: Duration.millis(500) }],
    ['endpointRemoval 2 s', { endpointRemoval: Duration.millis(2000) }],
    ['endpointAddition 0 s', { endpointAddition: Duration.millis(0) }],
    ['endpointAddition 1.5 s', { endpointAddition: Duration.millis(1500) }],
    ['inFlight 0.1 s', { inFlight: Duration.millis(100) }],
    ['inFlight 0.5 s', { inFlight: Duration.millis(500) }],
  ];
  console.log(`| timing changed | ${RUNS.map(r => r.title).join(' | ')} |`);
  console.log(`|---|${RUNS.map(() => '---').join('|')}|`);
  console.log(`| the talk | ${RUNS.map(r => r.completed).join(' | ')} |`);
  for (const [name, o] of variants) {
    const got = manifests.map(m => Simulation.ofManifests(m, { ...KILLER, ...o }).find(p => p.service === 'webapp')!.completed);
    console.log(`| ${name} | ${got.join(' | ')} |`);
  }
  console.log('');
}

function main(): number {
  const { shared, out, fit: doFit, sensitivity: doSensitivity } = args();
  const dirs = layout(shared, out);
  if (doFit) fit(dirs);
  if (doSensitivity) sensitivity(dirs);
  const rows: { title: string; talk: number; predicted: number; refusedTalk: number; line: string; fitted: boolean }[] = [];
  for (const [i, dir] of dirs.entries()) {
    // The real command, as a user runs it.
    const output = execFileSync(process.execPath, [
      '--require', path.join(ROOT, 'tools', 'synth', 'ts-register.cjs'), path.join(ROOT, 'tools', 'simulate', 'main.ts'), dir,
      '--kill-every', '15s', '--rate', '10', '--duration', '120s', '--selector', 'app=webapp', '--service', 'default/webapp',
    ], { encoding: 'utf8' });
    const line = output.split('\n')[0];
    const m = /completed (\d+)/.exec(line);
    if (!m) throw new Error(`unexpected output for ${dir}:\n${output}`);
    rows.push({ title: RUNS[i].title, talk: RUNS[i].completed, predicted: Number(m[1]), refusedTalk: RUNS[i].refused, line, fitted: RUNS[i].fitted });
    console.log(output.trimEnd());
  }
  console.log('');
  console.log('| run | talk: completed (refused) | predicted | off by | used to fit |');
  console.log('|---|---|---|---|---|');
  let ok = true;
  for (const r of rows) {
    const off = (r.predicted - r.talk) / r.talk * 100;
    const refused = /refused (\d+)/.exec(r.line)![1];
    if (Math.abs(off) > 10) ok = false;
    console.log(`| ${r.title} | ${r.talk} (${r.refusedTalk}) | ${r.predicted} (${refused}) | ${off >= 0 ? '+' : ''}${off.toFixed(1)} % | ${r.fitted ? 'yes' : 'no'} |`);
  }
  const ordered = rows[0].predicted < rows[1].predicted && rows[1].predicted < rows[2].predicted;
  if (!ordered) ok = false;
  console.log(`\n${ok ? 'OK' : 'FAIL'}: every completed count within 10 % of the talk's, in the talk's order: ${ok}`);
  return ok ? 0 : 1;
}

process.exitCode = main();

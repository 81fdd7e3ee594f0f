// `npm run test:resilience [-- DIR...] [--line v1.27] [--time-scale 0.1] [--nodes 6] [--zones 3] [--markdown FILE]`
// Starts a simulated cluster, applies every app of dist/manifests (or of each DIR: every sub-folder holding YAML is
// one app), runs the scenarios, prints the table and exits 1 under the rules (2 when the harness fails).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Harness, RunReport, SCENARIOS, Scenario, renderNotes, renderTable } from './harness';
import { App, discoverApps } from '../judges/judges';
import { ROOT } from '../kube/apiserver';
import { startCluster } from '../kube/cluster';

export function parseArgs(argv: string[]) {
  const o = {
    dirs: [] as string[],
    line: undefined as string | undefined,
    timeScale: 0.1,
    nodes: 6,
    zones: 3,
    nodeCpu: '2',
    nodeMemory: '4Gi',
    drainTimeout: 300,
    markdown: undefined as string | undefined,
    json: undefined as string | undefined,
    seed: 13,
    scenarios: [...SCENARIOS] as Scenario[],
    expected: path.join(__dirname, 'expected-pending.json'),
    title: undefined as string | undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--line') o.line = v();
    else if (a === '--time-scale') o.timeScale = Number(v());
    else if (a === '--nodes') o.nodes = Number(v());
    else if (a === '--zones') o.zones = Number(v());
    else if (a === '--node-cpu') o.nodeCpu = v();
    else if (a === '--node-memory') o.nodeMemory = v();
    else if (a === '--drain-timeout') o.drainTimeout = Number(v());
    else if (a === '--markdown') o.markdown = v();
    else if (a === '--json') o.json = v();
    else if (a === '--seed') o.seed = Number(v());
    else if (a === '--expected-pending') o.expected = v();
    else if (a === '--scenarios') o.scenarios = v().split(',') as Scenario[];
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else o.dirs.push(a);
  }
  if (!(o.timeScale > 0)) throw new Error('--time-scale must be > 0');
  for (const s of o.scenarios) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s} (${SCENARIOS.join(', ')})`);
  return o;
}

export async function main(argv: string[]): Promise<number> {
  const o = parseArgs(argv);
  const dirs = o.dirs.length ? o.dirs : [path.join(ROOT, 'dist', 'manifests')];
  const apps = dirs.flatMap((d) => {
    if (!fs.existsSync(d)) throw new Error(`${d} does not exist${o.dirs.length ? '' : ' (run npm run synth first)'}`);
    return discoverApps(d);
  });
  const report = await runApps(o, apps);
  const text = [
    `kubernetes ${report.version}: ${report.workloads.length} workloads with a Service in ${apps.length} apps, ${o.nodes} nodes in ${o.zones} zones, time scale ${o.timeScale}`,
    'cell: minimum Ready endpoints[, seconds at zero][, evictions refused][, most pods Pending][, pods left Pending]',
    renderTable(report, o.scenarios),
    ...renderNotes(report),
  ].join('\n');
  console.log(text);
  if (o.json) fs.writeFileSync(o.json, JSON.stringify(report, null, 2));
  if (report.failures.length) {
    console.log(`\nFAILED (${report.failures.length}):`);
    for (const f of report.failures) console.log(`- ${f}`);
  } else {
    console.log(`\nok: ${report.workloads.length} workloads, ${report.seconds} s`);
  }
  return report.failures.length ? 1 : 0;
}

/** Starts a cluster as the options say, runs the scenarios on the apps, stops the cluster. */
export async function runApps(o: ReturnType<typeof parseArgs>, apps: App[]): Promise<RunReport> {
  const expectedPending = fs.existsSync(o.expected) ? JSON.parse(fs.readFileSync(o.expected, 'utf8')) : {};
  const t0 = Date.now();
  const log = (m: string) => process.stderr.write(`[resilience ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);
  const cluster = await startCluster({
    line: o.line,
    nodes: o.nodes,
    zones: o.zones,
    nodeCpu: o.nodeCpu,
    nodeMemory: o.nodeMemory,
    readyDelayScale: o.timeScale,
    log,
    // HPAs act within a second (default 15 s), so that a workload is at its HPA's minReplicas before the scenarios.
    controllerManagerArgs: ['--horizontal-pod-autoscaler-sync-period=1s'],
    // Deleted pods stay Terminating for a second, as on a kubelet, so that the disruption controller sees them go.
    podDeleteDelayMs: 1000,
  });
  try {
    log(`${cluster.server.version}: ${apps.length} apps`);
    const options = { timeScale: o.timeScale, drainTimeoutSeconds: o.drainTimeout, expectedPending, log, seed: o.seed, scenarios: o.scenarios };
    return await new Harness(cluster, options).run(apps);
  } finally {
    await cluster.stop();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(2);
  });
}

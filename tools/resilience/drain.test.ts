// The harness proves itself: two replicas pinned to one node, drained through the eviction API as `kubectl drain`
// does. Without a disruption budget both are evicted and the Service has no Ready endpoint; with the budget the
// library writes, the second eviction is refused until a replacement is Ready elsewhere, which it cannot be (the
// pods are pinned and the node is cordoned): one replica keeps serving and the drain times out, reported.
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Harness, RunReport } from './harness';
import { App as JudgedApp } from '../judges/judges';
import { Cluster, startCluster } from '../kube/cluster';
import { ResilientDeployment } from 'cdk8s-resilience';

function app(name: string, withBudget: boolean): JudgedApp {
  const cdk = new App();
  const chart = new Chart(cdk, name);
  const d = new ResilientDeployment(chart, 'web', {
    metadata: { name: 'web' },
    replicas: 2,
    containers: [{ name: 'web', image: 'registry.example/web:1.0.0', portNumber: 8080 }],
  });
  d.scheduling.attract(kplus.Node.labeled(kplus.NodeLabelQuery.is('kubernetes.io/hostname', 'kwok-node-0')));
  d.exposeViaService({ name: 'web', ports: [{ port: 80, targetPort: 8080 }] });
  const objects = chart.toJson()
    .filter((o: any) => withBudget || o.kind !== 'PodDisruptionBudget')
    .map((o: any) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, file: `${name}.yaml`, text: JSON.stringify(o) }));
  return { name, objects, skipped: [] };
}

describe('drain of a node holding both replicas', () => {
  let cluster: Cluster;
  let report: RunReport;
  beforeAll(async () => {
    cluster = await startCluster({ readyDelayScale: 0.1, podDeleteDelayMs: 1000 });
    const harness = new Harness(cluster, { timeScale: 0.1, drainTimeoutSeconds: 100, expectedPending: {}, log: () => undefined, seed: 1, scenarios: ['drain'] });
    report = await harness.run([app('no-budget', false), app('with-budget', true)]);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('the library writes a budget for two replicas', () => {
    expect(app('x', true).objects.map((o) => o.kind)).toContain('PodDisruptionBudget');
  });

  test('without a budget both replicas go: zero Ready endpoints, the run fails', () => {
    const w = report.workloads.find((x) => x.app === 'no-budget')!;
    expect(w.readyAtStart).toBe(2);
    expect(w.cells.drain!.minReady).toBe(0);
    expect(w.cells.drain!.secondsAtZero).toBeGreaterThan(0);
    expect(w.cells.drain!.evictionsRefused).toBe(0);
    expect(w.failures.some((f) => f.startsWith('drain: zero Ready endpoints'))).toBe(true);
  });

  test('with the budget one replica keeps serving and the refusals are counted', () => {
    const w = report.workloads.find((x) => x.app === 'with-budget')!;
    expect(w.readyAtStart).toBe(2);
    expect(w.cells.drain!.minReady).toBe(1);
    expect(w.cells.drain!.secondsAtZero).toBe(0);
    expect(w.cells.drain!.evictionsRefused).toBeGreaterThan(0);
    expect(w.failures.some((f) => f.startsWith('drain: zero'))).toBe(false);
  });
});

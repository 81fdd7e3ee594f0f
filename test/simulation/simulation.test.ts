import * as path from 'path';
import { App, Chart, Duration, Testing, Yaml } from 'cdk8s';
import { chaosExperiment } from '../../apps/chaos-experiment';
import { LoadTest, Simulation } from '../../lib';

const FIXTURES = path.join(__dirname, 'fixtures');
const LOAD = { killEvery: Duration.seconds(15), rate: 10, duration: Duration.seconds(120) };
const TALK = { ...LOAD, selector: { app: 'webapp' } };

function webapp(dir: string, options = {}) {
  const predictions = Simulation.ofDirectory(path.join(FIXTURES, dir), { ...TALK, ...options });
  const p = predictions.find(x => x.service === 'webapp');
  if (!p) throw new Error(`no webapp in ${dir}`);
  return p;
}

function deployment(spec: Record<string, unknown>, podSpec: Record<string, unknown> = {}, container: Record<string, unknown> = {}): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      ...spec,
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'example/web:1.0.0', ports: [{ containerPort: 8080 }], ...container }], ...podSpec },
      },
    },
  };
}

const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } };

describe('the talk\'s three runs (fixtures with the workshop YAML\'s relevant fields)', () => {
  const talk = [
    { dir: 'talk-1-replica', completed: 282 },
    { dir: 'talk-2-replicas', completed: 864 },
    { dir: 'talk-2-replicas-istio', completed: 1198 },
  ];

  test.each(talk)('$dir: completed within 10 % of the talk\'s $completed', ({ dir, completed }) => {
    const p = webapp(dir);
    expect(p.sent).toBe(1200);
    expect(Math.abs(p.completed - completed) / completed).toBeLessThanOrEqual(0.10);
  });

  test('predicts the runs in the talk\'s order', () => {
    const [one, two, istio] = talk.map(t => webapp(t.dir).completed);
    expect(one).toBeLessThan(two);
    expect(two).toBeLessThan(istio);
  });

  test('prints one line per Service in the documented format', () => {
    const p = webapp('talk-1-replica');
    expect(p.line).toMatch(/^default\/webapp: sent 1200, completed \d+, refused \d+, lost \d+\.\d %$/);
    expect(p.line).toBe(Simulation.formatLine(p));
    expect(p.line).toContain(`completed ${p.completed}, refused ${p.refused}`);
  });

  test('names the missing readiness probe and the single replica as what drove the loss', () => {
    const p = webapp('talk-1-replica');
    expect(p.drivers.some(d => d.startsWith('no readiness probe'))).toBe(true);
    expect(p.drivers.some(d => d.startsWith('replicas 1 (Deployment/webapp replicas)'))).toBe(true);
  });

  test('with Istio retries, the requests lost are the ones in flight when a pod stops, which the default retryOn does not retry', () => {
    const p = webapp('talk-2-replicas-istio');
    expect(p.refused).toBe(0);
    expect(p.reset).toBe(p.sent - p.completed);
    expect(p.drivers.join('\n')).toContain('does not');
  });

  test('what-if: a second replica is the change that helps a single replica most', () => {
    const p = webapp('talk-1-replica');
    const best = [...p.whatIf].filter(w => w.change !== 'all of these').sort((a, b) => b.completed - a.completed)[0];
    expect(best.change).toBe('2 replicas');
    expect(p.whatIf.find(w => w.change === 'all of these')!.completed).toBe(1200);
  });

  test('a killer interval of 0 kills nothing', () => {
    const p = webapp('talk-1-replica', { killEvery: Duration.seconds(0) });
    expect(p.completed).toBe(1200);
    expect(p.drivers[0]).toBe('the pod killer does not target this workload: nothing lost');
  });
});

describe('reading the manifests', () => {
  test('uses the autoscaler\'s minimum instead of the Deployment\'s replicas', () => {
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'shop' }, spec: { minReplicas: 3, maxReplicas: 9, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } } };
    const [p] = Simulation.ofManifests([deployment({ replicas: 1 }), service, hpa], LOAD);
    expect(p.drivers.join('\n')).not.toContain('replicas 1');
    const [alone] = Simulation.ofManifests([deployment({ replicas: 1 }), service], LOAD);
    expect(p.completed).toBeGreaterThan(alone.completed);
  });

  test('uses a KEDA ScaledObject\'s minReplicaCount, at least 1 under load', () => {
    const so = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'web', namespace: 'shop' }, spec: { minReplicaCount: 0, scaleTargetRef: { name: 'web' } } };
    const [p] = Simulation.ofManifests([deployment({ replicas: 4 }), service, so], LOAD);
    expect(p.drivers.join('\n')).toContain('replicas 1 (ScaledObject/web minReplicaCount');
  });

  test('reads a pre-stop sleep from the sleep action and from an exec command, capped by the grace period', () => {
    const sleep = { lifecycle: { preStop: { sleep: { seconds: 5 } } } };
    const sleepAction = Simulation.ofManifests([deployment({ replicas: 2 }, {}, sleep), service], LOAD)[0];
    const exec = Simulation.ofManifests([deployment({ replicas: 2 }, {}, { lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', 'sleep 5'] } } } }), service], LOAD)[0];
    const capped = Simulation.ofManifests([deployment({ replicas: 2 }, { terminationGracePeriodSeconds: 0 }, { lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } } }), service], LOAD)[0];
    const none = Simulation.ofManifests([deployment({ replicas: 2 }), service], LOAD)[0];
    expect(exec.completed).toBe(sleepAction.completed);
    expect(sleepAction.completed).toBeGreaterThan(none.completed);
    expect(capped.completed).toBe(none.completed);
  });

  test('a readiness probe keeps a starting pod out of the endpoints', () => {
    const probe = { readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 } };
    const [p] = Simulation.ofManifests([deployment({ replicas: 2 }, {}, probe), service], LOAD);
    expect(p.drivers.join('\n')).not.toContain('readiness probe');
    expect(p.completed).toBeGreaterThan(Simulation.ofManifests([deployment({ replicas: 2 }), service], LOAD)[0].completed);
  });

  test('applies the retries of a mesh route naming the Service by its full host, and its outlier detection', () => {
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { hosts: ['web.shop.svc.cluster.local'], http: [{ route: [{ destination: { host: 'web.shop.svc.cluster.local' } }], retries: { attempts: 3, retryOn: 'connect-failure' } }] },
    };
    const [p] = Simulation.ofManifests([deployment({ replicas: 2 }), service, vs], LOAD);
    expect(p.refused).toBe(0);
    expect(p.completed).toBeGreaterThan(Simulation.ofManifests([deployment({ replicas: 2 }), service], LOAD)[0].completed);
    // Retries off: the route still goes through Envoy, which answers 503 instead of the refused connection.
    const off = { ...vs, spec: { ...vs.spec, http: [{ ...vs.spec.http[0], retries: { attempts: 0 } }] } };
    const [q] = Simulation.ofManifests([deployment({ replicas: 2 }), service, off], LOAD);
    expect(q.refused).toBe(0);
    expect(q.unavailable).toBeGreaterThan(0);
    const dr = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'web', namespace: 'shop' }, spec: { host: 'web', trafficPolicy: { outlierDetection: { consecutive5xxErrors: 1, maxEjectionPercent: 50 } } } };
    const [r] = Simulation.ofManifests([deployment({ replicas: 2 }), service, off, dr], LOAD);
    expect(r.completed).toBeGreaterThan(q.completed);
  });

  test('a StatefulSet replaces a pod only once it is gone', () => {
    const sts = { ...deployment({ replicas: 2, serviceName: 'web' }, {}, { lifecycle: { preStop: { sleep: { seconds: 5 } } } }), kind: 'StatefulSet' };
    const dep = deployment({ replicas: 2 }, {}, { lifecycle: { preStop: { sleep: { seconds: 5 } } } });
    const [s] = Simulation.ofManifests([sts, service], LOAD);
    const [d] = Simulation.ofManifests([dep, service], LOAD);
    expect(s.workload).toBe('StatefulSet/web');
    expect(s.recoverySeconds).toBeGreaterThan(d.recoverySeconds);
  });

  test('reports a Service without a workload instead of guessing', () => {
    const [p] = Simulation.ofManifests([service], LOAD);
    expect(p.workload).toBe('');
    expect(p.completed).toBe(p.sent);
    expect(p.drivers[0]).toContain('nothing simulated');
  });

  test('the killer only hits the pods its selector matches', () => {
    const [p] = Simulation.ofManifests([deployment({ replicas: 1 }), service], { ...TALK, selector: { app: 'other' } });
    expect(p.killed).toBe(false);
    expect(p.completed).toBe(p.sent);
  });

  test('seeded runs are reproducible', () => {
    const a = Simulation.ofDirectory(path.join(FIXTURES, 'talk-2-replicas'), { ...TALK, seed: 7, runs: 10 });
    const b = Simulation.ofDirectory(path.join(FIXTURES, 'talk-2-replicas'), { ...TALK, seed: 7, runs: 10 });
    expect(a).toEqual(b);
  });
});

describe('the chaos-experiment app', () => {
  function charts() {
    const app = Testing.app();
    return chaosExperiment(app);
  }

  test('finds the pod killer and the load test in the chart: its interval, selector and load', () => {
    const [one] = charts();
    const [p] = Simulation.ofChart(one).filter(x => x.service === 'webapp');
    expect(p.killed).toBe(true);
    expect(p.sent).toBe(1200);
    expect(p.kills).toBeGreaterThanOrEqual(7);
    expect(p.kills).toBeLessThanOrEqual(9);
  });

  test('predicts 2 replicas with retries lose nothing, and the readiness probe beats the talk\'s 2 replicas', () => {
    const [, two, istio] = charts();
    const p2 = Simulation.ofChart(two).find(x => x.service === 'webapp')!;
    const p3 = Simulation.ofChart(istio).find(x => x.service === 'webapp')!;
    expect(p3.completed).toBe(p3.sent);
    expect(p2.completed).toBeGreaterThan(webapp('talk-2-replicas').completed);
  });

  test('a load test predicted to exceed its maxErrorRate fails the check; the Istio run passes', () => {
    const [one, , istio] = charts();
    const failing = Simulation.predictLoadTest(one.loadTest)!;
    expect(failing.passes).toBe(false);
    expect(failing.maxErrorRate).toBe(0);
    expect(failing.errorRatePercent).toBeGreaterThan(50);
    expect(failing.message).toContain('exceeds maxErrorRate 0 %');
    const passing = Simulation.predictLoadTest(istio.loadTest)!;
    expect(passing.prediction.service).toBe('webapp');
    expect(passing.passes).toBe(true);
  });

  test('warnOnLoadTests adds a warning at synth to the load tests predicted to fail, and synth goes on', () => {
    const app = new App({ outdir: Testing.app().outdir });
    const [one, , istio] = chaosExperiment(app);
    Simulation.warnOnLoadTests(app);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let written: string[];
    try {
      app.synth();
    } finally {
      written = stderr.mock.calls.map(c => String(c[0]));
      stderr.mockRestore();
    }
    const warnings = (c: LoadTest) => c.node.metadata.filter(m => m.type === 'warning').map(m => m.data);
    expect(warnings(one.loadTest)).toHaveLength(1);
    expect(warnings(one.loadTest)[0]).toContain('exceeds maxErrorRate 0 %');
    expect(warnings(istio.loadTest)).toHaveLength(0);
    expect(written.filter(w => w.startsWith('[WARNING] chaos-1-replica/load-test: predicted error rate'))).toHaveLength(1);
    expect(written.some(w => w.includes('chaos-2-replicas-istio-retries/load-test'))).toBe(false);
  });

  test('a load test aimed at a URL outside its chart is not predicted', () => {
    const chart = new Chart(Testing.app(), 'c');
    const lt = new LoadTest(chart, 'lt', { target: 'http://example.com', phases: [{ duration: Duration.seconds(10), arrivalRate: 1 }] });
    expect(Simulation.predictLoadTest(lt)).toBeUndefined();
  });
});

test('the fixtures parse as the YAML the CLI reads', () => {
  const docs = Yaml.load(path.join(FIXTURES, 'talk-2-replicas-istio', 'istio.yaml'));
  expect(docs.map(d => d.kind)).toEqual(['Gateway', 'VirtualService']);
});

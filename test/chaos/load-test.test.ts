import { spawn } from 'child_process';
import { createServer } from 'http';
import { AddressInfo } from 'net';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { LoadTest, LoadTestMethod, LoadTestProps, ScalableBackend, WorkloadNetworkPolicy } from '../../lib';
import { ofKind, only, podSpec, synthValid } from '../util';

const minimal: LoadTestProps = {
  target: 'http://webapp:8080',
  phases: [{ duration: Duration.seconds(120), arrivalRate: 10 }],
};

function synth(props: Partial<LoadTestProps> = {}, chartNamespace?: string) {
  const chart = new Chart(Testing.app(), 'test', { namespace: chartNamespace });
  const test = new LoadTest(chart, 'load', { ...minimal, ...props });
  const manifests = synthValid(chart);
  const job = only(manifests, 'Job');
  const configMap = only(manifests, 'ConfigMap');
  return { test, manifests, job, configMap, container: podSpec(job).containers[0], script: parse(configMap.data['script.yaml']) };
}

describe('LoadTest', () => {
  test('runs the talk\'s load test: 120 s at 10 arrivals/s, pool 8, p95 100 ms, max error rate 0', () => {
    const { script } = synth({ pool: 8, p95: Duration.millis(100), maxErrorRate: 0 });
    expect(script).toEqual({
      config: {
        target: 'http://webapp:8080',
        phases: [{ duration: 120, arrivalRate: 10 }],
        http: { pool: 8 },
        plugins: {
          expect: { reportFailuresAsErrors: true },
          ensure: { thresholds: [{ 'http.response_time.p95': 100 }], maxErrorRate: 0 },
        },
      },
      scenarios: [{ name: 'Load test', flow: [{ get: { url: '/', expect: [{ statusCode: 200 }] } }] }],
    });
  });

  test('puts the thresholds where artillery 2 loads the ensure plugin (config.plugins.ensure)', () => {
    const { script } = synth({ p95: Duration.millis(250), p99: Duration.millis(1000), maxErrorRate: 1.5 });
    expect(script.config.ensure).toBeUndefined();
    expect(script.config.plugins.ensure).toEqual({
      thresholds: [{ 'http.response_time.p95': 250 }, { 'http.response_time.p99': 1000 }],
      maxErrorRate: 1.5,
    });
  });

  test('runs artillery once as a Job that is not retried', () => {
    const { job, container } = synth();
    expect(job.spec.backoffLimit).toBe(0);
    expect(podSpec(job).restartPolicy).toBe('Never');
    expect(container.args).toEqual(['run', '/artillery/script.yaml']);
  });

  test('mounts the script read-only from its ConfigMap', () => {
    const { job, container, configMap } = synth();
    expect(container.volumeMounts).toEqual(expect.arrayContaining([{ mountPath: '/artillery', name: 'script', readOnly: true }]));
    expect(podSpec(job).volumes).toEqual(expect.arrayContaining([{ name: 'script', configMap: { name: configMap.metadata.name } }]));
  });

  test('runs hardened for Pod Security "restricted", with a writable /tmp as HOME and no telemetry', () => {
    const { job, container } = synth();
    expect(container.securityContext)
      .toEqual(expect.objectContaining({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }));
    expect(podSpec(job).securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(container.env).toEqual([{ name: 'HOME', value: '/tmp' }, { name: 'ARTILLERY_DISABLE_TELEMETRY', value: 'true' }]);
    expect(container.volumeMounts).toEqual(expect.arrayContaining([{ mountPath: '/tmp', name: 'tmp' }]));
  });

  test('writes ramps, arrival counts, caps and names of phases', () => {
    const { script } = synth({
      phases: [
        { name: 'warm up', duration: Duration.seconds(60), arrivalRate: 1, rampTo: 10 },
        { name: 'burst', duration: Duration.minutes(1), arrivalCount: 600, maxVusers: 50 },
      ],
    });
    expect(script.config.phases).toEqual([
      { name: 'warm up', duration: 60, arrivalRate: 1, rampTo: 10 },
      { name: 'burst', duration: 60, arrivalCount: 600, maxVusers: 50 },
    ]);
  });

  test('writes the requests in order, with their methods and expected statuses', () => {
    const { script } = synth({
      scenarioName: 'checkout',
      requests: [{ path: '/cart?id=1' }, { path: '/order', method: LoadTestMethod.POST, expectStatus: 201 }],
    });
    expect(script.scenarios).toEqual([{
      name: 'checkout',
      flow: [{ get: { url: '/cart?id=1' } }, { post: { url: '/order', expect: [{ statusCode: 201 }] } }],
    }]);
    expect(script.config.plugins).toEqual({ expect: { reportFailuresAsErrors: true } });
  });

  test('loads no plugin when nothing is checked', () => {
    expect(synth({ requests: [{ path: '/' }] }).script.config.plugins).toBeUndefined();
  });

  test('targets a Service by its in-cluster DNS name', () => {
    const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
    const backend = new ScalableBackend(chart, 'web', { image: 'nginxinc/nginx-unprivileged:1.27.2', containerPort: 8080, servicePort: 80, name: 'web' });
    expect(LoadTest.urlOf(backend.service)).toBe('http://web.shop.svc.cluster.local:80');
    expect(LoadTest.urlOf(backend.service, 8080)).toBe('http://web.shop.svc.cluster.local:8080');
    new LoadTest(chart, 'load', { ...minimal, target: LoadTest.urlOf(backend.service) });
    expect(parse(only(synthValid(chart), 'ConfigMap').data['script.yaml']).config.target).toBe('http://web.shop.svc.cluster.local:80');
  });

  test('targets a Service of a chart without namespace by its short name', () => {
    const chart = Testing.chart();
    const backend = new ScalableBackend(chart, 'web', { image: 'nginxinc/nginx-unprivileged:1.27.2', containerPort: 8080, name: 'web' });
    expect(LoadTest.urlOf(backend.service)).toBe('http://web:8080');
  });
});

describe('LoadTest defaults', () => {
  test('sends one GET of / expecting 200 by default, as in the workshop\'s scenario', () => {
    expect(synth().script.scenarios).toEqual([{ name: 'Load test', flow: [{ get: { url: '/', expect: [{ statusCode: 200 }] } }] }]);
  });

  test('opens a connection per virtual user by default (no http.pool)', () => {
    expect(synth().script.config.http).toBeUndefined();
  });

  test('checks no threshold by default', () => {
    expect(synth().script.config.plugins.ensure).toBeUndefined();
  });

  test('names the scenario "Load test" by default', () => {
    expect(synth({ requests: [{}] }).script.scenarios[0]).toEqual({ name: 'Load test', flow: [{ get: { url: '/' } }] });
  });

  test('lives in the chart\'s namespace by default', () => {
    const { job, configMap } = synth({}, 'shop');
    expect([job.metadata.namespace, configMap.metadata.namespace]).toEqual(['shop', 'shop']);
  });

  test('uses a pinned artillery image by default', () => {
    expect(synth().container.image).toBe('artilleryio/artillery:2.0.34');
  });

  test('requests 500m/512Mi and limits 2 CPUs/1Gi by default', () => {
    expect(synth().container.resources).toEqual({
      requests: { 'cpu': '500m', 'memory': '512Mi', 'ephemeral-storage': '1Gi' },
      limits: { 'cpu': '2000m', 'memory': '1024Mi', 'ephemeral-storage': '2Gi' },
    });
  });

  test('keeps the finished Job by default', () => {
    expect(synth().job.spec.ttlSecondsAfterFinished).toBeUndefined();
  });

  test('isolates the Job\'s pod with a NetworkPolicy by default: no connection in (artillery exposes no port), any out', () => {
    const { test, manifests, job } = synth({}, 'shop');
    expect(only(manifests, 'NetworkPolicy')).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'test-load-networkpolicy-c8344490', namespace: 'shop' },
      spec: {
        podSelector: { matchLabels: { 'cdk8s.io/metadata.addr': 'test-load-Job-c8d31614' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [{}],
      },
    });
    expect(job.spec.template.metadata.labels).toEqual({ 'cdk8s.io/metadata.addr': 'test-load-Job-c8d31614' });
    expect(test.networkPolicy).toBeInstanceOf(WorkloadNetworkPolicy);
  });
});

describe('LoadTest props', () => {
  test('takes a namespace, image, resources and a time to live', () => {
    const { job, container } = synth({
      namespace: 'perf',
      image: 'registry.example.com/artillery:2.0.34',
      ttlAfterFinished: Duration.hours(1),
      resources: {
        cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(1000) },
        memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
      },
    });
    expect(job.metadata.namespace).toBe('perf');
    expect(job.spec.ttlSecondsAfterFinished).toBe(3600);
    expect(container.image).toBe('registry.example.com/artillery:2.0.34');
    expect(container.resources).toEqual({
      requests: { 'cpu': '250m', 'memory': '256Mi', 'ephemeral-storage': '1Gi' },
      limits: { 'cpu': '1000m', 'memory': '512Mi', 'ephemeral-storage': '2Gi' },
    });
  });
});

describe('LoadTest network policy', () => {
  test('closes egress with networkPolicy.allowEgress false, leaving it to the user\'s own policies', () => {
    const { manifests } = synth({ networkPolicy: { allowEgress: false } });
    expect(only(manifests, 'NetworkPolicy').spec.egress).toEqual([]);
  });

  test('opts out with networkPolicy.enabled false', () => {
    const { manifests, test } = synth({ networkPolicy: { enabled: false } });
    expect(ofKind(manifests, 'NetworkPolicy')).toEqual([]);
    expect(test.networkPolicy).toBeUndefined();
  });
});

describe('LoadTest validation', () => {
  const create = (props: Partial<LoadTestProps>) => () => new LoadTest(Testing.chart(), 'load', { ...minimal, ...props });

  test('refuses a load test with no phase', () => {
    expect(create({ phases: [] }))
      .toThrow("LoadTest 'test/load': 'phases' (\"[]\") must hold at least one phase: without one artillery sends no traffic");
  });

  test('refuses a target that is not an http(s) URL', () => {
    expect(create({ target: 'webapp:8080' }))
      .toThrow("LoadTest 'test/load': 'target' (\"webapp:8080\") must be an http:// or https:// URL such as \"http://web.shop.svc.cluster.local:8080\"");
  });

  test('refuses a phase shorter than a second', () => {
    expect(create({ phases: [{ duration: Duration.millis(500), arrivalRate: 1 }] }))
      .toThrow("LoadTest 'test/load': 'phases[0].duration' (0.5s) must be a whole number of seconds >= 1s");
  });

  test('refuses a phase with neither an arrival rate nor an arrival count', () => {
    expect(create({ phases: [{ duration: Duration.seconds(10) }] }))
      .toThrow("LoadTest 'test/load': 'phases[0].arrivalRate' (undefined) must be set exactly when 'arrivalCount' is not: give one of them");
  });

  test('refuses a phase with both an arrival rate and an arrival count', () => {
    expect(create({ phases: [minimal.phases[0], { duration: Duration.seconds(10), arrivalRate: 1, arrivalCount: 5 }] }))
      .toThrow("LoadTest 'test/load': 'phases[1].arrivalRate' (1) must be set exactly when 'arrivalCount' is not: give one of them");
  });

  test('refuses a fractional arrival rate', () => {
    expect(create({ phases: [{ duration: Duration.seconds(10), arrivalRate: 0.5 }] }))
      .toThrow("LoadTest 'test/load': 'phases[0].arrivalRate' (0.5) must be a whole number >= 0");
  });

  test('refuses a negative ramp', () => {
    expect(create({ phases: [{ duration: Duration.seconds(10), arrivalRate: 1, rampTo: -1 }] }))
      .toThrow("LoadTest 'test/load': 'phases[0].rampTo' (-1) must be a whole number >= 0");
  });

  test('refuses an arrival count below 1', () => {
    expect(create({ phases: [{ duration: Duration.seconds(10), arrivalCount: 0 }] }))
      .toThrow("LoadTest 'test/load': 'phases[0].arrivalCount' (0) must be a whole number >= 1");
  });

  test('refuses a cap of no virtual user', () => {
    expect(create({ phases: [{ duration: Duration.seconds(10), arrivalRate: 1, maxVusers: 0 }] }))
      .toThrow("LoadTest 'test/load': 'phases[0].maxVusers' (0) must be a whole number >= 1");
  });

  test('refuses a ramp without an arrival rate', () => {
    expect(create({ phases: [{ duration: Duration.seconds(10), arrivalCount: 10, rampTo: 5 }] }))
      .toThrow("LoadTest 'test/load': 'phases[0].rampTo' (5) needs 'arrivalRate' to ramp from");
  });

  test('refuses a request path that does not start with /', () => {
    expect(create({ requests: [{ path: 'cart' }] }))
      .toThrow("LoadTest 'test/load': 'requests[0].path' (\"cart\") must start with '/' and hold no whitespace");
  });

  test('refuses an expected status that is no HTTP status', () => {
    expect(create({ requests: [{ expectStatus: 99 }] }))
      .toThrow("LoadTest 'test/load': 'requests[0].expectStatus' (99) must be a whole number from 100 to 599");
  });

  test('refuses an empty list of requests', () => {
    expect(create({ requests: [] })).toThrow("LoadTest 'test/load': 'requests' (\"[]\") must hold at least one request");
  });

  test('refuses a pool of no connection', () => {
    expect(create({ pool: 0 })).toThrow("LoadTest 'test/load': 'pool' (0) must be a whole number >= 1");
  });

  test('refuses a p95 below a millisecond', () => {
    expect(create({ p95: Duration.millis(0) })).toThrow("LoadTest 'test/load': 'p95' (\"0ms\") must be whole milliseconds, at least 1 ms");
  });

  test('refuses a p99 of fractional milliseconds', () => {
    expect(create({ p99: Duration.millis(1.5) })).toThrow("LoadTest 'test/load': 'p99' (\"1.5ms\") must be whole milliseconds, at least 1 ms");
  });

  test('refuses an error rate above 100 percent', () => {
    expect(create({ maxErrorRate: 101 })).toThrow("LoadTest 'test/load': 'maxErrorRate' (101) must be a percentage from 0 to 100");
  });

  test('refuses a namespace that is not a DNS label', () => {
    expect(create({ namespace: 'Perf' })).toThrow(/^LoadTest 'test\/load': 'namespace' \("Perf"\) must be a DNS label/);
  });

  test('refuses an empty image', () => {
    expect(create({ image: '' })).toThrow("LoadTest 'test/load': 'image' (\"\") must be a container image reference such as \"registry/name:tag\"");
  });

  test('refuses a memory limit below its request', () => {
    expect(create({ resources: { memory: { request: Size.gibibytes(1), limit: Size.mebibytes(512) } } }))
      .toThrow("LoadTest 'test/load': 'resources.memory.limit' (512Mi) must be >= 'resources.memory.request' (1Gi)");
  });
});

describe('LoadTest waits for its target', () => {
  function initContainers(props: Partial<LoadTestProps> = {}) {
    return podSpec(synth(props).job).initContainers ?? [];
  }

  test('waits up to 5 minutes for the target to answer by default, with the artillery image\'s Node.js', () => {
    const [wait] = initContainers();
    expect(wait.name).toBe('wait-for-target');
    expect(wait.image).toBe('artilleryio/artillery:2.0.34');
    expect(wait.command.slice(0, 2)).toEqual(['node', '-e']);
    expect(wait.env).toEqual([{ name: 'TARGET', value: 'http://webapp:8080' }, { name: 'TIMEOUT_SECONDS', value: '300' }]);
    expect(wait.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, readOnlyRootFilesystem: true }));
  });

  test('starts the load at once with a timeout of 0', () => {
    expect(initContainers({ targetReadyTimeout: Duration.seconds(0) })).toEqual([]);
  });

  test('refuses a timeout of fractional seconds', () => {
    expect(() => new LoadTest(Testing.chart(), 'load', { ...minimal, targetReadyTimeout: Duration.millis(2500) }))
      .toThrow("LoadTest 'test/load': 'targetReadyTimeout' (2.5s) must be a whole number of seconds >= 0s");
  });

  /** Runs the generated wait script with Node.js against `target`. */
  function runWait(target: string, timeoutSeconds: number): Promise<number | null> {
    const script = initContainers()[0].command[2];
    return new Promise(resolve => {
      const child = spawn(process.execPath, ['-e', script], {
        env: { ...process.env, TARGET: target, TIMEOUT_SECONDS: String(timeoutSeconds) }, stdio: 'ignore',
      });
      child.on('exit', code => resolve(code));
    });
  }

  test('the wait script ends as soon as the target answers', async () => {
    const server = createServer((_req, res) => { res.statusCode = 404; res.end(); });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect(await runWait(`http://127.0.0.1:${port}/`, 30)).toBe(0);
    } finally {
      server.close();
    }
  });

  test('the wait script fails when the target never answers', async () => {
    const server = createServer((_req, res) => { res.statusCode = 503; res.end(); });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect(await runWait(`http://127.0.0.1:${port}/`, 1)).toBe(1);
    } finally {
      server.close();
    }
  }, 15_000);
});

describe('LoadTest security', () => {
  test('reports bad security options on the LoadTest', () => {
    expect(() => new LoadTest(Testing.chart(), 'load', { ...minimal, security: { user: 0 } }))
      .toThrow("LoadTest 'test/load': 'security.user' (0) must be a whole number from 1 to 2147483647");
  });

  test('runs as the UID given', () => {
    expect(synth({ security: { user: 1000, group: 1000 } }).container.securityContext)
      .toEqual(expect.objectContaining({ runAsUser: 1000, runAsGroup: 1000 }));
  });
});

test('LoadTest refuses a :latest image unless allowLatestImage is set', () => {
  const props = { target: 'http://web:8080', phases: [{ duration: Duration.seconds(10), arrivalRate: 1 }], image: 'artilleryio/artillery:latest' };
  expect(() => new LoadTest(Testing.chart(), 'load', props)).toThrow(
    'LoadTest \'test/load\': \'image\' ("artilleryio/artillery:latest") must be pinned with a tag other than "latest" or a digest');
  const chart = Testing.chart();
  new LoadTest(chart, 'load', { ...props, allowLatestImage: true });
  expect(podSpec(only(synthValid(chart), 'Job')).containers[0].image).toBe('artilleryio/artillery:latest');
});

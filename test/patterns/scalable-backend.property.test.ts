import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { ScalableBackend, ScalableBackendProps } from '../../lib';
import { envName, imageRef, labelValue, portName } from '../property';
import { problems } from '../util';

const port = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 65535 }) },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 0 }) },
  { weight: 1, arbitrary: fc.integer({ min: 65536, max: 70000 }) },
);
const amount = fc.oneof(
  fc.integer({ min: 0, max: 100 }).map(p => kplus.PercentOrAbsolute.percent(p)),
  fc.integer({ min: 0, max: 3 }).map(n => kplus.PercentOrAbsolute.absolute(n)),
);
// Half of the optional props are left out, so that valid combinations stay common.
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const mapOpt = <T, U>(v: T | undefined, f: (v: T) => U) => (v === undefined ? undefined : f(v));
const dnsLabel = fc.stringMatching(/^[a-z]([-a-z0-9]{0,20}[a-z0-9])?$/);

const props: fc.Arbitrary<ScalableBackendProps> = fc.record({
  containerPort: port,
  servicePort: opt(port),
  image: fc.oneof({ weight: 3, arbitrary: fc.constant('nginxinc/nginx-unprivileged:1.27.2') }, { weight: 1, arbitrary: imageRef }),
  env: opt(fc.dictionary(envName, fc.string({ maxLength: 4 }), { maxKeys: 2 })),
  labels: opt(fc.dictionary(fc.constantFrom('app', 'team'), labelValue, { maxKeys: 2 })),
  portName: opt(portName),
  nodePort: opt(fc.oneof(fc.integer({ min: 30000, max: 32767 }), fc.integer({ min: 1, max: 65535 }))),
  replicas: opt(fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: -1, max: 8 }) },
    { weight: 1, arbitrary: fc.double({ min: -1, max: 5, noNaN: true }) },
  )),
  cpu: opt(fc.record({ request: opt(fc.integer({ min: 1, max: 4000 })), limit: opt(fc.integer({ min: 1, max: 4000 })) })),
  memory: opt(fc.record({ request: opt(fc.integer({ min: 1, max: 4096 })), limit: opt(fc.integer({ min: 1, max: 4096 })) })),
  name: opt(fc.oneof({ weight: 4, arbitrary: dnsLabel }, { weight: 1, arbitrary: fc.stringMatching(/^[-a-zA-Z0-9_]{0,66}$/) })),
  maxSurge: opt(amount),
  maxUnavailable: opt(amount),
  probePort: opt(fc.oneof({ weight: 1, arbitrary: port }, { weight: 4, arbitrary: fc.constant('same' as const) })),
  budget: opt(fc.record({ maxUnavailable: opt(fc.integer({ min: 0, max: 3 })), minAvailable: opt(fc.integer({ min: 0, max: 6 })) })),
  maxSkew: opt(fc.integer({ min: -1, max: 3 })),
  autoscaling: opt(fc.record({
    min: opt(fc.integer({ min: 0, max: 6 })),
    max: fc.integer({ min: 0, max: 8 }),
    cpu: opt(fc.integer({ min: -5, max: 150 })),
  })),
  mtbfDays: opt(fc.oneof(fc.integer({ min: -1, max: 5 }), fc.double({ min: 0, max: 3, noNaN: true }))),
  retries: opt(fc.record({
    attempts: fc.integer({ min: -1, max: 5 }),
    perTry: opt(fc.integer({ min: 1, max: 20 })),
    timeout: opt(fc.integer({ min: 1, max: 20 })),
  })),
}).map(r => ({
  image: r.image,
  env: r.env && Object.fromEntries(Object.entries(r.env).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
  labels: r.labels,
  portName: r.portName,
  serviceType: r.nodePort === undefined ? undefined : kplus.ServiceType.NODE_PORT,
  nodePort: r.nodePort,
  containerPort: r.containerPort,
  servicePort: r.servicePort,
  replicas: r.replicas,
  name: r.name,
  maxSurge: r.maxSurge,
  maxUnavailable: r.maxUnavailable,
  resources: r.cpu || r.memory ? {
    cpu: r.cpu && { request: mapOpt(r.cpu.request, kplus.Cpu.millis), limit: mapOpt(r.cpu.limit, kplus.Cpu.millis) },
    memory: r.memory && { request: mapOpt(r.memory.request, Size.mebibytes), limit: mapOpt(r.memory.limit, Size.mebibytes) },
  } : undefined,
  readiness: r.probePort === undefined ? undefined
    : kplus.Probe.fromHttpGet('/', { port: r.probePort === 'same' ? r.containerPort : r.probePort }),
  disruptionBudget: r.budget && {
    maxUnavailable: r.budget.maxUnavailable === undefined ? undefined : kplus.PercentOrAbsolute.absolute(r.budget.maxUnavailable),
    minAvailable: r.budget.minAvailable === undefined ? undefined : kplus.PercentOrAbsolute.absolute(r.budget.minAvailable),
  },
  topologySpread: r.maxSkew === undefined ? undefined : { maxSkew: r.maxSkew },
  autoscaling: r.autoscaling && { minReplicas: r.autoscaling.min, maxReplicas: r.autoscaling.max, cpuUtilizationPercent: r.autoscaling.cpu },
  chaos: r.mtbfDays === undefined ? undefined : { mtbfDays: r.mtbfDays },
  retries: r.retries && { attempts: r.retries.attempts, perTryTimeout: mapOpt(r.retries.perTry, Duration.seconds) },
  timeout: mapOpt(r.retries?.timeout, Duration.seconds),
}));

// A clear error names the construct the user called, its path, the prop, the value and what is allowed.
const CLEAR_ERROR = /^ScalableBackend 'test\/web': '[\w.[\]]+' \(.*\) (must|cannot|needs) .{10,}$/;

test('random props give schema-valid, restricted manifests or a clear error naming the prop', () => {
  let valid = 0;
  let refused = 0;
  fc.assert(fc.property(props, p => {
    const chart = Testing.chart();
    try {
      new ScalableBackend(chart, 'web', p);
    } catch (e) {
      refused++;
      expect((e as Error).message).toMatch(CLEAR_ERROR);
      return;
    }
    valid++;
    expect(problems(Testing.synth(chart))).toEqual([]);
  }), { numRuns: 800, seed: 20261121 });
  // Both outcomes must really be exercised, or the property proves little.
  expect(valid).toBeGreaterThan(30);
  expect(refused).toBeGreaterThan(30);
});

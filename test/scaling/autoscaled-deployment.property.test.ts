import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { AutoscaledDeployment, Autoscaler, ResilientDeployment, VerticalAutoscaler } from '../../lib';
import { int32ish, judge, mostly, opt } from '../property';

const target = fc.oneof(
  fc.integer({ min: 1, max: 100 }).map(v => kplus.MetricTarget.averageValue(v)),
  fc.integer({ min: 1, max: 100 }).map(v => kplus.MetricTarget.value(v)),
  fc.integer({ min: -1, max: 120 }).map(v => kplus.MetricTarget.averageUtilization(v)),
);
const metric = fc.tuple(fc.constantFrom('pods', 'external', 'cpu', 'memory'), target).map(([kind, t]) => {
  switch (kind) {
    case 'pods': return kplus.Metric.pods({ name: 'requests', target: t });
    case 'external': return kplus.Metric.external({ name: 'queue', target: t });
    case 'cpu': return kplus.Metric.resourceCpu(t);
    default: return kplus.Metric.resourceMemory(t);
  }
});

const props = fc.record({
  minReplicas: opt(int32ish(0, 5)),
  maxReplicas: int32ish(1, 10),
  cpu: opt(mostly(fc.integer({ min: 1, max: 100 }), fc.constantFrom(0, -5, 2 ** 31))),
  metrics: opt(fc.array(metric, { maxLength: 2 })),
  memoryRequest: opt(fc.integer({ min: 1, max: 512 })),
});

test('random autoscaling props give valid manifests or the library\'s error', () => {
  const outcome = judge(props, (chart, p) => {
    new AutoscaledDeployment(chart, 'web', {
      containers: [{
        image: 'nginxinc/nginx-unprivileged:1.27.2',
        portNumber: 8080,
        resources: p.memoryRequest === undefined ? undefined : {
          cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
          memory: { request: Size.mebibytes(p.memoryRequest), limit: Size.mebibytes(512) },
        },
      }],
      minReplicas: p.minReplicas,
      maxReplicas: p.maxReplicas,
      cpuUtilizationPercent: p.cpu,
      metrics: p.metrics,
    });
  }, 400, 20261130);
  expect(outcome.valid).toBeGreaterThan(60);
  expect(outcome.refused).toBeGreaterThan(60);
});

test('random Autoscaler and VerticalAutoscaler props on a plain Deployment give valid manifests or the library\'s error', () => {
  const outcome = judge(fc.record({ max: int32ish(1, 8), min: opt(int32ish(0, 4)), vertical: fc.boolean() }), (chart, p) => {
    const deployment = new ResilientDeployment(chart, 'web', { containers: [{ image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080 }] });
    if (p.vertical) new VerticalAutoscaler(chart, 'vpa', { target: deployment });
    else new Autoscaler(chart, 'hpa', { target: deployment, maxReplicas: p.max, minReplicas: p.min });
  }, 200, 20261130);
  expect(outcome.valid).toBeGreaterThan(40);
  expect(outcome.refused).toBeGreaterThan(10);
});

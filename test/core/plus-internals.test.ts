import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { customProbe, metricSpec, NO_PROBE, probeSpec, replicasPolicy, rewriteStatefulSetSpec } from '../../lib/core/plus-internals';

// Each test pins one assumption the library makes about cdk8s-plus-27's @internal members. When an upgrade of
// cdk8s-plus breaks one, the test named after it fails, before any manifest is written wrong.
describe('the cdk8s-plus-27 internals the library relies on', () => {
  test('a Metric builds its Kubernetes MetricSpec', () => {
    expect(metricSpec(kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(60)))).toEqual({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
    });
    const deployment = new kplus.Deployment(Testing.chart(), 'web', { containers: [{ name: 'app', image: 'nginx:1.27.2' }] });
    const container = deployment.containers[0];
    expect(metricSpec(kplus.Metric.containerMemory({ container, target: kplus.MetricTarget.averageUtilization(70) }))).toEqual({
      type: 'ContainerResource',
      containerResource: { name: 'memory', container: 'app', target: { type: 'Utilization', averageUtilization: 70 } },
    });
  });

  test('Replicas give the type and value of a scaling policy', () => {
    expect(replicasPolicy(kplus.Replicas.absolute(4))).toEqual({ type: 'Pods', value: 4 });
    expect(replicasPolicy(kplus.Replicas.percent(100))).toEqual({ type: 'Percent', value: 100 });
  });

  test('a Probe without a port of its own targets the container portNumber', () => {
    expect(probeSpec(kplus.Probe.fromTcpSocket(), { portNumber: 8080 })?.tcpSocket?.port?.value).toBe(8080);
    expect(probeSpec(kplus.Probe.fromHttpGet('/healthz'), { portNumber: 8080 })?.httpGet).toMatchObject({ path: '/healthz', port: { value: 8080 } });
    expect(probeSpec(kplus.Probe.fromHttpGet('/healthz', { port: 9090 }), { portNumber: 8080 })?.httpGet?.port?.value).toBe(9090);
  });

  test('a StatefulSet builds its spec at synthesis, where a registered rewrite applies', () => {
    const chart = Testing.chart();
    const sts = new kplus.StatefulSet(chart, 'db', { containers: [{ image: 'postgres:16.4-alpine', portNumber: 5432 }] });
    rewriteStatefulSetSpec(sts, spec => ({ ...spec, revisionHistoryLimit: 3 }));
    const manifest = Testing.synth(chart).find(m => m.kind === 'StatefulSet');
    expect(manifest.spec.revisionHistoryLimit).toBe(3);
    expect(manifest.spec.template.spec.containers[0].image).toBe('postgres:16.4-alpine');
  });
});

describe('custom probes', () => {
  test('a Container writes whatever its probe builds, and no probe for undefined', () => {
    const chart = Testing.chart();
    const deployment = new kplus.Deployment(chart, 'web', {
      containers: [{
        name: 'app',
        image: 'nginx:1.27.2',
        portNumber: 8080,
        readiness: customProbe(c => ({ grpc: { port: c.portNumber! } })),
        startup: NO_PROBE,
      }],
    });
    expect(deployment.containers).toHaveLength(1);
    const container = Testing.synth(chart).find(m => m.kind === 'Deployment').spec.template.spec.containers[0];
    expect(container.readinessProbe).toEqual({ grpc: { port: 8080 } });
    expect(container.startupProbe).toBeUndefined();
  });

  test('cdk8s-plus adds a TCP startup probe to a container with a port that asks for none', () => {
    const chart = Testing.chart();
    new kplus.Deployment(chart, 'web', { containers: [{ name: 'app', image: 'nginx:1.27.2', portNumber: 8080 }] });
    const container = Testing.synth(chart).find(m => m.kind === 'Deployment').spec.template.spec.containers[0];
    expect(container.startupProbe.tcpSocket).toEqual({ port: 8080 });
  });
});

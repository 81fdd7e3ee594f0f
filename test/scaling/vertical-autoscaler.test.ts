import { Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AutoscaledDeployment, PodSecurity, ResilientDeployment, VerticalAutoscaler, VerticalAutoscalerProps, VerticalResource } from '../../lib';
import { only, synthValid } from '../util';

const CONTAINER: kplus.ContainerProps = { image: 'nginxinc/nginx-unprivileged:1.27', portNumber: 8080 };

function recommend(options: Partial<VerticalAutoscalerProps> = {}) {
  const chart = Testing.chart();
  const target = new ResilientDeployment(chart, 'web', { metadata: { name: 'web', namespace: 'shop' }, containers: [CONTAINER] });
  const vpa = new VerticalAutoscaler(chart, 'vpa', { target, ...options });
  return { chart, target, vpa };
}

describe('VerticalAutoscaler', () => {
  test('recommends CPU and memory for every container by default, in recommendation mode, named after its target', () => {
    const { chart, vpa } = recommend();
    const manifest = only(synthValid(chart), 'VerticalPodAutoscaler');
    expect(vpa.controlledResources).toEqual([VerticalResource.CPU, VerticalResource.MEMORY]);
    expect(manifest).toEqual({
      apiVersion: 'autoscaling.k8s.io/v1',
      kind: 'VerticalPodAutoscaler',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        updatePolicy: { updateMode: 'Off' },
        resourcePolicy: { containerPolicies: [{ containerName: '*', controlledResources: ['cpu', 'memory'] }] },
      },
    });
  });

  test('bounds its recommendations', () => {
    const { chart } = recommend({
      minCpu: kplus.Cpu.millis(50), maxCpu: kplus.Cpu.units(1), minMemory: Size.mebibytes(64), maxMemory: Size.gibibytes(1),
    });
    expect(only(synthValid(chart), 'VerticalPodAutoscaler').spec.resourcePolicy.containerPolicies).toEqual([{
      containerName: '*',
      controlledResources: ['cpu', 'memory'],
      minAllowed: { cpu: '50m', memory: '64Mi' },
      maxAllowed: { cpu: '1', memory: '1Gi' },
    }]);
  });

  test('recommends for a DaemonSet', () => {
    const chart = Testing.chart();
    const agent = new kplus.DaemonSet(chart, 'agent', {
      containers: [{
        ...CONTAINER,
        resources: { cpu: { request: kplus.Cpu.millis(50) }, memory: { request: Size.mebibytes(64), limit: Size.mebibytes(64) } },
        securityContext: PodSecurity.containerSecurityContext(),
      }],
      securityContext: PodSecurity.podSecurityContext(),
    });
    PodSecurity.applySeccompProfile(agent);
    new VerticalAutoscaler(chart, 'vpa', { target: agent, controlledResources: [VerticalResource.MEMORY] });
    expect(only(synthValid(chart), 'VerticalPodAutoscaler').spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'DaemonSet', name: agent.name });
  });

  test('leaves out the resources an AutoscaledDeployment scales on', () => {
    const chart = Testing.chart();
    const target = new AutoscaledDeployment(chart, 'web', { containers: [CONTAINER], maxReplicas: 5, cpuUtilizationPercent: 60 });
    const vpa = new VerticalAutoscaler(chart, 'vpa', { target });
    synthValid(chart);
    expect(vpa.controlledResources).toEqual([VerticalResource.MEMORY]);
  });

  describe('refuses', () => {
    test('a workload whose HorizontalPodAutoscaler this library did not create (its metrics are unknown)', () => {
      const chart = Testing.chart();
      const target = new ResilientDeployment(chart, 'web', { containers: [CONTAINER] });
      new kplus.HorizontalPodAutoscaler(chart, 'hpa', { target, maxReplicas: 5 });
      expect(() => new VerticalAutoscaler(chart, 'vpa', { target })).toThrow(
        'VerticalAutoscaler \'test/vpa\': \'controlledResources\' ([cpu, memory]) leaves nothing to recommend: the horizontal autoscaler scales on both cpu and memory, and a VPA must never act on a resource an HPA scales on');
    });

    test('a resource the workload\'s HPA scales on', () => {
      const chart = Testing.chart();
      const target = new AutoscaledDeployment(chart, 'web', { containers: [CONTAINER], maxReplicas: 5, memoryUtilizationPercent: 70 });
      expect(() => new VerticalAutoscaler(chart, 'vpa', { target, controlledResources: [VerticalResource.CPU, VerticalResource.MEMORY] })).toThrow(
        'VerticalAutoscaler \'test/vpa\': \'controlledResources\' ([cpu, memory]) must not include a resource the horizontal autoscaler scales on (memory): the VPA would resize the very request its utilization is a percentage of, and the two would fight');
    });

    test('a second VPA on the same workload', () => {
      const { chart, target } = recommend();
      expect(() => new VerticalAutoscaler(chart, 'again', { target })).toThrow(
        'VerticalAutoscaler \'test/again\': \'target\' ("web") already has a VerticalAutoscaler: one VPA per workload');
    });

    test('an empty list of resources', () => {
      expect(() => recommend({ controlledResources: [] })).toThrow(
        'VerticalAutoscaler \'test/vpa\': \'controlledResources\' ([]) must name at least one resource (omit it for every resource the horizontal autoscaler leaves alone)');
    });

    test('a CPU bound of 0', () => {
      expect(() => recommend({ minCpu: kplus.Cpu.millis(0) })).toThrow('VerticalAutoscaler \'test/vpa\': \'minCpu\' ("0m") must be a positive quantity');
    });

    test('a memory bound of 0', () => {
      expect(() => recommend({ maxMemory: Size.mebibytes(0) })).toThrow('VerticalAutoscaler \'test/vpa\': \'maxMemory\' (0Mi) must be a positive quantity');
      expect(() => recommend({ maxMemory: Size.gibibytes(1e30) })).toThrow(
        'VerticalAutoscaler \'test/vpa\': \'maxMemory\' (1e+30Gi) must be written as a plain quantity such as "512Mi" or "250m" (not "1e+30Gi")');
    });

    test('a CPU maximum below the minimum', () => {
      expect(() => recommend({ minCpu: kplus.Cpu.millis(500), maxCpu: kplus.Cpu.millis(200) })).toThrow(
        'VerticalAutoscaler \'test/vpa\': \'maxCpu\' ("200m") must be >= \'minCpu\' ("500m")');
    });

    test('a memory maximum below the minimum', () => {
      expect(() => recommend({ minMemory: Size.gibibytes(1), maxMemory: Size.mebibytes(512) })).toThrow(
        'VerticalAutoscaler \'test/vpa\': \'maxMemory\' (512Mi) must be >= \'minMemory\' (1Gi)');
    });

    test('a bound for a resource it does not recommend', () => {
      expect(() => recommend({ controlledResources: [VerticalResource.MEMORY], maxCpu: kplus.Cpu.units(2) })).toThrow(
        'VerticalAutoscaler \'test/vpa\': \'maxCpu\' ("2") has no effect: \'controlledResources\' ([memory]) does not include cpu');
    });
  });

  test('refuses at synth a cdk8s-plus HorizontalPodAutoscaler added later that scales on what it recommends', () => {
    const { chart, target } = recommend({ controlledResources: [VerticalResource.CPU] });
    new kplus.HorizontalPodAutoscaler(chart, 'hpa', {
      target, maxReplicas: 5, metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(60))],
    });
    expect(() => Testing.synth(chart)).toThrow(
      /\[test\/vpa\] VerticalAutoscaler 'test\/vpa': 'target' \("web"\) is also scaled horizontally on cpu, which this VerticalAutoscaler recommends/);
  });

  test('accepts a cdk8s-plus HorizontalPodAutoscaler added later on a resource it does not recommend', () => {
    const { chart, target } = recommend({ controlledResources: [VerticalResource.MEMORY] });
    new kplus.HorizontalPodAutoscaler(chart, 'hpa', {
      target, maxReplicas: 5, metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(60))],
    });
    expect(ofKindNames(Testing.synth(chart))).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'VerticalPodAutoscaler']);
  });
});

function ofKindNames(manifests: any[]): string[] {
  return manifests.map(m => m.kind).sort();
}

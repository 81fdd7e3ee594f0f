import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AutoscaledDeployment, AutoscaledDeploymentProps, Autoscaler, PodSecurity, ResilientDeployment, VerticalAutoscaler, VerticalResource } from '../../lib';
import { ofKind, only, synthValid } from '../util';

const RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(200) },
  memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
};
const CPU_ONLY: kplus.ContainerResources = { cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(200) } };
const MEMORY_ONLY: kplus.ContainerResources = { memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) } };
const CONTAINER: kplus.ContainerProps = { image: 'codeurjc/hpa-example:v1', portNumber: 80, resources: RESOURCES };
const CRON = { type: 'cron', metadata: { timezone: 'Europe/Madrid', start: '0 8 * * 1-5', end: '0 20 * * 1-5', desiredReplicas: '4' } };

function deploy(props: Partial<AutoscaledDeploymentProps> = {}) {
  const chart = Testing.chart();
  const web = new AutoscaledDeployment(chart, 'web', { containers: [CONTAINER], maxReplicas: 10, ...props });
  return { chart, web };
}

describe('AutoscaledDeployment', () => {
  test('gets no disruption budget when the autoscaler can never run 2 replicas', () => {
    const { chart } = deploy({ minReplicas: 1, maxReplicas: 1 });
    expect(ofKind(synthValid(chart), 'PodDisruptionBudget')).toEqual([]);
  });

  test('the issue\'s example synthesizes an autoscaling/v2 HPA on the Deployment, and a Deployment without replicas', () => {
    const chart = Testing.chart();
    const web = new AutoscaledDeployment(chart, 'php-apache', {
      containers: [{
        image: 'codeurjc/hpa-example:v1',
        portNumber: 80,
        resources: {
          cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(200) },
          memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
        },
      }],
      minReplicas: 1,
      maxReplicas: 10,
      cpuUtilizationPercent: 10,
    });
    expect(web.autoscaler).toBeInstanceOf(kplus.HorizontalPodAutoscaler);

    const manifests = synthValid(chart);
    const deployment = only(manifests, 'Deployment');
    const hpa = only(manifests, 'HorizontalPodAutoscaler');
    expect(deployment.spec.replicas).toBeUndefined();
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.metadata.name).toBe(deployment.metadata.name);
    expect(hpa.spec).toEqual(expect.objectContaining({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 10 } } }],
    }));
    // The autoscaler can run up to 10 replicas: a budget from 2 on, even from minReplicas 1. maxUnavailable 1 still
    // lets a drain evict the single replica at the floor.
    expect(only(manifests, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    expect(web.scaledObject).toBeUndefined();
    expect(web.verticalAutoscaler).toBeUndefined();
  });

  test('runs at least 2 replicas by default, protected by a PodDisruptionBudget', () => {
    const { chart, web } = deploy({ cpuUtilizationPercent: 50 });
    const manifests = synthValid(chart);
    expect(web.minReplicas).toBe(2);
    expect(only(manifests, 'HorizontalPodAutoscaler').spec.minReplicas).toBe(2);
    expect(only(manifests, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    expect(only(manifests, 'Deployment').spec.replicas).toBeUndefined();
  });

  test('sizes the disruption budget for minReplicas', () => {
    const { chart } = deploy({ minReplicas: 3, cpuUtilizationPercent: 50, disruptionBudget: { minAvailable: kplus.PercentOrAbsolute.absolute(2) } });
    const pdb = only(synthValid(chart), 'PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBe(2);
    expect(pdb.spec.maxUnavailable).toBeUndefined();
  });

  test('scales on 80% CPU utilization by default (the Kubernetes default, written out)', () => {
    const { chart, web } = deploy();
    expect(web.scaling.cpuUtilizationPercent).toBe(80);
    expect(only(synthValid(chart), 'HorizontalPodAutoscaler').spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
  });

  test('scales on memory utilization alone, without the CPU default', () => {
    const { chart } = deploy({ memoryUtilizationPercent: 75 });
    expect(only(synthValid(chart), 'HorizontalPodAutoscaler').spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 75 } } },
    ]);
  });

  test('scales on CPU and memory, then on further metrics', () => {
    const { chart } = deploy({
      cpuUtilizationPercent: 60,
      memoryUtilizationPercent: 75,
      metrics: [kplus.Metric.pods({ name: 'http_requests_per_second', target: kplus.MetricTarget.averageValue(100) })],
    });
    expect(only(synthValid(chart), 'HorizontalPodAutoscaler').spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 75 } } },
      { type: 'Pods', pods: { metric: { name: 'http_requests_per_second' }, target: { type: 'AverageValue', averageValue: 100 } } },
    ]);
  });

  test('further metrics replace the CPU default', () => {
    const { chart } = deploy({ metrics: [kplus.Metric.pods({ name: 'queue_length', target: kplus.MetricTarget.averageValue(30) })] });
    expect(only(synthValid(chart), 'HorizontalPodAutoscaler').spec.metrics.map((m: any) => m.type)).toEqual(['Pods']);
  });

  test('scales up by default like Kubernetes: no stabilization, the larger of +100% and +4 pods every 15 s', () => {
    const { chart } = deploy();
    expect(only(synthValid(chart), 'HorizontalPodAutoscaler').spec.behavior.scaleUp).toEqual({
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }],
    });
  });

  test('scales down by default like Kubernetes: a 5-minute stabilization window, up to 100% every 15 s', () => {
    const { chart } = deploy();
    expect(only(synthValid(chart), 'HorizontalPodAutoscaler').spec.behavior.scaleDown).toEqual({
      stabilizationWindowSeconds: 300,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    });
  });

  test('takes scale-up and scale-down rules, filling unset fields with the defaults', () => {
    const { chart } = deploy({
      scaleUp: { stabilizationWindow: Duration.seconds(60) },
      scaleDown: {
        strategy: kplus.ScalingStrategy.MIN_CHANGE,
        policies: [
          { replicas: kplus.Replicas.absolute(1), duration: Duration.minutes(1) },
          { replicas: kplus.Replicas.percent(10) },
        ],
      },
    });
    const behavior = only(synthValid(chart), 'HorizontalPodAutoscaler').spec.behavior;
    expect(behavior.scaleUp).toEqual({
      stabilizationWindowSeconds: 60,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }],
    });
    expect(behavior.scaleDown).toEqual({
      stabilizationWindowSeconds: 300,
      selectPolicy: 'Min',
      policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }, { type: 'Percent', value: 10, periodSeconds: 15 }],
    });
  });

  test('names the HPA after the Deployment, in its namespace', () => {
    const { chart } = deploy({ metadata: { name: 'php-apache', namespace: 'demo' } });
    const hpa = only(synthValid(chart), 'HorizontalPodAutoscaler');
    expect(hpa.metadata).toEqual({ name: 'php-apache', namespace: 'demo' });
    expect(hpa.spec.scaleTargetRef.name).toBe('php-apache');
  });

  test('checks the requests of every container against the default resources', () => {
    const chart = Testing.chart();
    new AutoscaledDeployment(chart, 'web', {
      containers: [{ image: 'nginxinc/nginx-unprivileged:1.27', portNumber: 8080 }],
      maxReplicas: 5,
      memoryUtilizationPercent: 70,
    });
    expect(only(synthValid(chart), 'Deployment').spec.template.spec.containers[0].resources.requests.memory).toBe('128Mi');
  });

  describe('refuses', () => {
    test('a fixed replica count together with autoscaling', () => {
      expect(() => deploy({ replicas: 3 })).toThrow(
        'AutoscaledDeployment \'test/web\': \'replicas\' (3) cannot be set on an autoscaled workload: the autoscaler owns the replica count, and a fixed one would reset it on every apply (set \'minReplicas\' and \'maxReplicas\')');
    });

    test('minReplicas 0 without KEDA', () => {
      expect(() => deploy({ minReplicas: 0 })).toThrow(
        'AutoscaledDeployment \'test/web\': \'minReplicas\' (0) must be >= 1: only \'keda\' with an event trigger can scale to zero');
    });

    test('a minReplicas that is not a whole number', () => {
      expect(() => deploy({ minReplicas: 1.5 })).toThrow('AutoscaledDeployment \'test/web\': \'minReplicas\' (1.5) must be a whole number >= 1');
    });

    test('maxReplicas below 1', () => {
      expect(() => deploy({ maxReplicas: 0 })).toThrow('AutoscaledDeployment \'test/web\': \'maxReplicas\' (0) must be a whole number >= 1');
    });

    test('minReplicas above maxReplicas', () => {
      expect(() => deploy({ minReplicas: 11, maxReplicas: 10 })).toThrow(
        'AutoscaledDeployment \'test/web\': \'minReplicas\' (11) must be <= \'maxReplicas\' (10)');
    });

    test('a maxReplicas below the default minReplicas, saying it is the default', () => {
      expect(() => deploy({ maxReplicas: 1 })).toThrow(
        'AutoscaledDeployment \'test/web\': \'minReplicas\' (2, the default) must be <= \'maxReplicas\' (1)');
    });

    test('a CPU utilization of 0', () => {
      expect(() => deploy({ cpuUtilizationPercent: 0 })).toThrow(
        'AutoscaledDeployment \'test/web\': \'cpuUtilizationPercent\' (0) must be a whole number >= 1');
    });

    test('a negative memory utilization', () => {
      expect(() => deploy({ memoryUtilizationPercent: -5 })).toThrow(
        'AutoscaledDeployment \'test/web\': \'memoryUtilizationPercent\' (-5) must be a whole number >= 1');
    });

    test('a utilization of 0 given as a metric', () => {
      expect(() => deploy({ metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(0))] })).toThrow(
        'AutoscaledDeployment \'test/web\': \'metrics[0].averageUtilization\' (0) must be a whole number >= 1');
    });

    test('a CPU utilization target when a container does not request CPU', () => {
      expect(() => deploy({
        containers: [CONTAINER, { name: 'sidecar', image: 'busybox:1.36', resources: MEMORY_ONLY }],
        cpuUtilizationPercent: 50,
      })).toThrow(
        'AutoscaledDeployment \'test/web\': \'cpuUtilizationPercent\' (50) needs a cpu request on every container: \'containers[1].resources\' has none, and utilization is a percentage of the request (without it the autoscaler never scales)');
    });

    test('a memory utilization target when a container does not request memory', () => {
      expect(() => deploy({ containers: [{ ...CONTAINER, resources: CPU_ONLY }], memoryUtilizationPercent: 70 })).toThrow(
        /'memoryUtilizationPercent' \(70\) needs a memory request on every container: 'containers\[0\].resources' has none/);
    });

    test('the default CPU target when a container does not request CPU, saying it is the default', () => {
      expect(() => deploy({ containers: [{ ...CONTAINER, resources: MEMORY_ONLY }] })).toThrow(
        /'cpuUtilizationPercent' \(80\) needs a cpu request on every container \(the default target when no metric is set\)/);
    });

    test('a utilization metric for a resource a container does not request', () => {
      expect(() => deploy({
        containers: [{ ...CONTAINER, resources: CPU_ONLY }],
        metrics: [kplus.Metric.resourceMemory(kplus.MetricTarget.averageUtilization(70))],
      })).toThrow(/'metrics\[0\].averageUtilization' \(70\) needs a memory request on every container/);
    });

    test('a container metric for a container the Deployment does not have', () => {
      const other = new kplus.Container({ name: 'other', image: 'busybox:1.36' });
      expect(() => deploy({
        metrics: [kplus.Metric.containerCpu({ container: other, target: kplus.MetricTarget.averageUtilization(50) })],
      })).toThrow('AutoscaledDeployment \'test/web\': \'metrics[0]\' ("other") must name a container of the workload ("main")');
    });

    test('a container added later without the request a utilization target needs', () => {
      const { web } = deploy({ cpuUtilizationPercent: 50 });
      expect(() => web.addContainer({ name: 'sidecar', image: 'busybox:1.36', resources: MEMORY_ONLY })).toThrow(
        /AutoscaledDeployment 'test\/web': 'cpuUtilizationPercent' \(50\) needs a cpu request on every container: 'containers\[1\].resources' has none/);
    });

    test('a stabilization window over an hour', () => {
      expect(() => deploy({ scaleDown: { stabilizationWindow: Duration.hours(2) } })).toThrow(
        'AutoscaledDeployment \'test/web\': \'scaleDown.stabilizationWindow\' (7200s) must be a whole number of seconds from 0s to 3600s');
    });

    test('a policy period over 30 minutes', () => {
      expect(() => deploy({ scaleUp: { policies: [{ replicas: kplus.Replicas.absolute(2), duration: Duration.minutes(31) }] } })).toThrow(
        'AutoscaledDeployment \'test/web\': \'scaleUp.policies[0].duration\' (1860s) must be a whole number of seconds from 1s to 1800s');
    });

    test('a policy that changes no replicas', () => {
      expect(() => deploy({ scaleUp: { policies: [{ replicas: kplus.Replicas.percent(0) }] } })).toThrow(
        'AutoscaledDeployment \'test/web\': \'scaleUp.policies[0].replicas\' (0) must be a whole number >= 1');
    });

    test('an empty list of policies', () => {
      expect(() => deploy({ scaleDown: { policies: [] } })).toThrow(
        'AutoscaledDeployment \'test/web\': \'scaleDown.policies\' ([]) must hold at least one policy (omit it for the default)');
    });

    test('a disruption budget that minReplicas could never satisfy', () => {
      expect(() => deploy({ minReplicas: 2, disruptionBudget: { minAvailable: kplus.PercentOrAbsolute.absolute(2) } })).toThrow(
        'AutoscaledDeployment \'test/web\': \'disruptionBudget.minAvailable\' (2) must be below the minimum replica count (2): otherwise the budget can never allow an eviction');
    });

    test('a second autoscaler on the same Deployment', () => {
      const { chart, web } = deploy();
      expect(() => new kplus.HorizontalPodAutoscaler(chart, 'extra', { target: web, maxReplicas: 3 })).toThrow(
        'AutoscaledDeployment \'test/web\': \'autoscaler\' (HorizontalPodAutoscaler) is already set: a workload takes one HorizontalPodAutoscaler or one KEDA ScaledObject, never two (they would fight over the replica count)');
    });
  });

  describe('with KEDA', () => {
    const CPU_TRIGGER = { type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } };

    test('creates a ScaledObject instead of an HPA, with the same scaling behavior, and a Deployment without replicas', () => {
      const { chart, web } = deploy({ minReplicas: 2, maxReplicas: 8, keda: { triggers: [CRON, CPU_TRIGGER] } });
      const manifests = synthValid(chart);
      const deployment = only(manifests, 'Deployment');
      const scaled = only(manifests, 'ScaledObject');
      expect(ofKind(manifests, 'HorizontalPodAutoscaler')).toEqual([]);
      expect(web.autoscaler).toBeUndefined();
      expect(web.scaledObject).toBeDefined();
      expect(deployment.spec.replicas).toBeUndefined();
      expect(scaled.apiVersion).toBe('keda.sh/v1alpha1');
      expect(scaled.metadata.name).toBe(deployment.metadata.name);
      expect(scaled.spec).toEqual(expect.objectContaining({
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name },
        minReplicaCount: 2,
        maxReplicaCount: 8,
        triggers: [CRON, CPU_TRIGGER],
      }));
      expect(scaled.spec.advanced.horizontalPodAutoscalerConfig.behavior).toEqual({
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }],
        },
        scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
      });
      expect(only(manifests, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    });

    test('polls every 30 s and cools down for 5 minutes by default, without a fallback', () => {
      const { chart } = deploy({ keda: { triggers: [CRON] } });
      const spec = only(synthValid(chart), 'ScaledObject').spec;
      expect(spec.pollingInterval).toBe(30);
      expect(spec.cooldownPeriod).toBe(300);
      expect(spec.fallback).toBeUndefined();
    });

    test('takes the polling interval, cooldown period and fallback', () => {
      const { chart } = deploy({
        keda: {
          triggers: [CRON],
          pollingInterval: Duration.seconds(10),
          cooldownPeriod: Duration.minutes(1),
          fallback: { failureThreshold: 3, replicas: 4 },
        },
      });
      const spec = only(synthValid(chart), 'ScaledObject').spec;
      expect(spec.pollingInterval).toBe(10);
      expect(spec.cooldownPeriod).toBe(60);
      expect(spec.fallback).toEqual({ failureThreshold: 3, replicas: 4 });
    });

    test('scales to zero on an event trigger, with a budget that allows one eviction for when it runs 2 or more', () => {
      const { chart } = deploy({ minReplicas: 0, keda: { triggers: [CRON] } });
      const manifests = synthValid(chart);
      expect(only(manifests, 'ScaledObject').spec.minReplicaCount).toBe(0);
      expect(only(manifests, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
      expect(only(manifests, 'Deployment').spec.replicas).toBeUndefined();
    });

    test('refuses a CPU utilization target next to it', () => {
      expect(() => deploy({ cpuUtilizationPercent: 50, keda: { triggers: [CRON] } })).toThrow(
        'AutoscaledDeployment \'test/web\': \'cpuUtilizationPercent\' (50) cannot be set together with \'keda\': KEDA creates its own HorizontalPodAutoscaler from its triggers, and two autoscalers would fight over the replica count (use a KEDA cpu or memory trigger instead)');
    });

    test('refuses HPA metrics next to it', () => {
      expect(() => deploy({ metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(50))], keda: { triggers: [CRON] } })).toThrow(
        /'metrics' \(Resource\) cannot be set together with 'keda'/);
    });

    test('refuses a ScaledObject on a Deployment that already has an autoscaler', () => {
      const chart = Testing.chart();
      const deployment = new ResilientDeployment(chart, 'web', { metadata: { name: 'web' }, containers: [CONTAINER] });
      new Autoscaler(chart, 'hpa', { target: deployment, maxReplicas: 5 });
      expect(() => new Autoscaler(chart, 'keda', { target: deployment, maxReplicas: 5, keda: { triggers: [CRON] } })).toThrow(
        'Autoscaler \'test/keda\': \'target\' ("web") already has an autoscaler: a workload takes one HorizontalPodAutoscaler or one KEDA ScaledObject, never two (they would fight over the replica count)');
    });

    test('refuses an empty list of triggers', () => {
      expect(() => deploy({ keda: { triggers: [] } })).toThrow('AutoscaledDeployment \'test/web\': \'keda.triggers\' ([]) must hold at least one trigger');
    });

    test('refuses a cpu trigger with metricType Value', () => {
      expect(() => deploy({ keda: { triggers: [{ ...CPU_TRIGGER, metricType: 'Value' }] } })).toThrow(
        'AutoscaledDeployment \'test/web\': \'keda.triggers[0].metricType\' ("Value") must be "Utilization" or "AverageValue" for a cpu trigger');
    });

    test('refuses a cpu trigger with a utilization of 0', () => {
      expect(() => deploy({ keda: { triggers: [{ ...CPU_TRIGGER, metadata: { value: '0' } }] } })).toThrow(
        'AutoscaledDeployment \'test/web\': \'keda.triggers[0].metadata.value\' ("0") must be a whole percentage >= 1, e.g. "60"');
    });

    test('refuses a cpu trigger when a container does not request CPU', () => {
      expect(() => deploy({ containers: [{ ...CONTAINER, resources: MEMORY_ONLY }], keda: { triggers: [CPU_TRIGGER] } })).toThrow(
        /'keda.triggers\[0\].metadata.value' \("60"\) needs a cpu request on every container: 'containers\[0\].resources' has none/);
    });

    test('refuses scaling to zero on resource triggers alone', () => {
      expect(() => deploy({ minReplicas: 0, keda: { triggers: [CPU_TRIGGER] } })).toThrow(
        'AutoscaledDeployment \'test/web\': \'minReplicas\' (0) needs a KEDA trigger other than cpu or memory: resource metrics cannot wake a workload scaled to zero');
    });

    test('refuses a polling interval under a second', () => {
      expect(() => deploy({ keda: { triggers: [CRON], pollingInterval: Duration.seconds(0) } })).toThrow(
        'AutoscaledDeployment \'test/web\': \'keda.pollingInterval\' (0s) must be a whole number of seconds >= 1s');
    });
  });

  describe('with a VerticalPodAutoscaler', () => {
    test('recommends only the resources the HPA does not scale on, in recommendation mode', () => {
      const { chart, web } = deploy({ cpuUtilizationPercent: 60, verticalAutoscaling: {} });
      const manifests = synthValid(chart);
      const vpa = only(manifests, 'VerticalPodAutoscaler');
      expect(web.verticalAutoscaler?.controlledResources).toEqual([VerticalResource.MEMORY]);
      expect(vpa.spec).toEqual({
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: only(manifests, 'Deployment').metadata.name },
        updatePolicy: { updateMode: 'Off' },
        resourcePolicy: { containerPolicies: [{ containerName: '*', controlledResources: ['memory'] }] },
      });
    });

    test('recommends CPU next to a KEDA memory trigger', () => {
      const { chart } = deploy({ keda: { triggers: [{ type: 'memory', metadata: { value: '70' } }] }, verticalAutoscaling: {} });
      expect(only(synthValid(chart), 'VerticalPodAutoscaler').spec.resourcePolicy.containerPolicies[0].controlledResources).toEqual(['cpu']);
    });

    test('refuses to recommend a resource the HPA scales on', () => {
      expect(() => deploy({ cpuUtilizationPercent: 60, verticalAutoscaling: { controlledResources: [VerticalResource.CPU] } })).toThrow(
        'AutoscaledDeployment \'test/web\': \'verticalAutoscaling.controlledResources\' ([cpu]) must not include a resource the horizontal autoscaler scales on (cpu): the VPA would resize the very request its utilization is a percentage of, and the two would fight');
    });

    test('refuses when the HPA scales on both CPU and memory', () => {
      expect(() => deploy({ cpuUtilizationPercent: 60, memoryUtilizationPercent: 70, verticalAutoscaling: {} })).toThrow(
        'AutoscaledDeployment \'test/web\': \'verticalAutoscaling.controlledResources\' ([cpu, memory]) leaves nothing to recommend: the horizontal autoscaler scales on both cpu and memory, and a VPA must never act on a resource an HPA scales on');
    });
  });
});

describe('Autoscaler', () => {
  test('autoscales an existing Deployment that sets no replicas', () => {
    const chart = Testing.chart();
    const deployment = new ResilientDeployment(chart, 'web', { containers: [CONTAINER] });
    const autoscaler = new Autoscaler(chart, 'hpa', { target: deployment, minReplicas: 2, maxReplicas: 6, memoryUtilizationPercent: 80 });
    const manifests = synthValid(chart);
    expect(only(manifests, 'Deployment').spec.replicas).toBeUndefined();
    expect(only(manifests, 'HorizontalPodAutoscaler').spec).toEqual(expect.objectContaining({
      minReplicas: 2,
      maxReplicas: 6,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.name },
    }));
    expect(autoscaler.scaledOn).toEqual([VerticalResource.MEMORY]);
  });

  test('autoscales a StatefulSet', () => {
    const chart = Testing.chart();
    const db = new kplus.StatefulSet(chart, 'db', {
      containers: [{ image: 'postgres:16.4', portNumber: 5432, resources: RESOURCES, securityContext: PodSecurity.containerSecurityContext() }],
      securityContext: PodSecurity.podSecurityContext(),
      service: new kplus.Service(chart, 'svc', { clusterIP: 'None', ports: [{ port: 5432 }] }),
    });
    PodSecurity.applySeccompProfile(db);
    new Autoscaler(chart, 'hpa', { target: db, maxReplicas: 3 });
    const manifests = synthValid(chart);
    expect(only(manifests, 'StatefulSet').spec.replicas).toBeUndefined();
    expect(only(manifests, 'HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: db.name });
  });

  test('refuses a target with a fixed replica count', () => {
    const chart = Testing.chart();
    const deployment = new ResilientDeployment(chart, 'web', { metadata: { name: 'web' }, containers: [CONTAINER], replicas: 3 });
    expect(() => new Autoscaler(chart, 'hpa', { target: deployment, maxReplicas: 5 })).toThrow(
      'Autoscaler \'test/hpa\': \'target\' ("web") must not set \'replicas\' (3): the autoscaler owns the replica count, and a fixed one would reset it on every apply');
  });

  test('refuses a workload that cannot be scaled', () => {
    const chart = Testing.chart();
    const daemons = new kplus.DaemonSet(chart, 'agent', { metadata: { name: 'agent' }, containers: [CONTAINER] });
    expect(() => new Autoscaler(chart, 'hpa', { target: daemons, maxReplicas: 5 })).toThrow(
      'Autoscaler \'test/hpa\': \'target\' ("agent") must be a Deployment or StatefulSet (a DaemonSet has no replica count to scale)');
  });

  test('refuses to scale on a resource a VerticalAutoscaler recommends', () => {
    const chart = Testing.chart();
    const deployment = new ResilientDeployment(chart, 'web', { metadata: { name: 'web' }, containers: [CONTAINER] });
    new VerticalAutoscaler(chart, 'vpa', { target: deployment });
    expect(() => new Autoscaler(chart, 'hpa', { target: deployment, maxReplicas: 5, cpuUtilizationPercent: 60 })).toThrow(
      'Autoscaler \'test/hpa\': \'target\' ("web") has a VerticalAutoscaler recommending cpu: a horizontal autoscaler must never scale on a resource a VPA acts on');
  });

  test('names the target\'s containers in its errors', () => {
    const chart = Testing.chart();
    const deployment = new ResilientDeployment(chart, 'web', { containers: [{ ...CONTAINER, resources: MEMORY_ONLY }] });
    expect(() => new Autoscaler(chart, 'hpa', { target: deployment, maxReplicas: 5, cpuUtilizationPercent: 60 })).toThrow(
      /Autoscaler 'test\/hpa': 'cpuUtilizationPercent' \(60\) needs a cpu request on every container: 'target.containers\[0\].resources' has none/);
  });

  test('refuses at synth a container added to the target after the autoscaler without the request it scales on', () => {
    const chart = Testing.chart();
    const deployment = new kplus.Deployment(chart, 'web', {
      metadata: { name: 'web' },
      containers: [{ ...CONTAINER, securityContext: PodSecurity.containerSecurityContext() }],
      securityContext: PodSecurity.podSecurityContext(),
    });
    new Autoscaler(chart, 'hpa', { target: deployment, maxReplicas: 5, cpuUtilizationPercent: 60 });
    deployment.addContainer({ name: 'sidecar', image: 'busybox:1.36', resources: MEMORY_ONLY, securityContext: PodSecurity.containerSecurityContext() });
    expect(() => Testing.synth(chart)).toThrow(
      /\[test\/hpa\] Autoscaler 'test\/hpa': 'cpuUtilizationPercent' \(60\) needs a cpu request on every container: 'target.containers\[1\].resources' has none/);
  });
});

describe('AutoscaledDeployment: metrics the API server would reject', () => {
  test.each([
    ['Pods', kplus.Metric.pods({ name: 'requests', target: kplus.MetricTarget.averageUtilization(50) })],
    ['External', kplus.Metric.external({ name: 'queue', target: kplus.MetricTarget.averageUtilization(50) })],
  ])('refuses a %s metric with a Utilization target', (type, metric) => {
    expect(() => deploy({ metrics: [metric] })).toThrow(
      `AutoscaledDeployment 'test/web': 'metrics[0].target' (${type} metric with a Utilization target) must be a value or an average value `
      + '(MetricTarget.value or MetricTarget.averageValue): utilization targets are for resource metrics only');
  });

  test('refuses maxReplicas beyond the API\'s 32-bit integers', () => {
    expect(() => deploy({ maxReplicas: 2 ** 31 })).toThrow(
      'AutoscaledDeployment \'test/web\': \'maxReplicas\' (2147483648) must be at most 2147483647: the API server stores it as a 32-bit integer');
  });
});

describe('AutoscaledDeployment: metric targets the API server would reject', () => {
  test('refuses a Pods metric with a Value target: a pods metric is an average per pod', () => {
    expect(() => deploy({ metrics: [kplus.Metric.pods({ name: 'requests', target: kplus.MetricTarget.value(10) })] })).toThrow(
      'AutoscaledDeployment \'test/web\': \'metrics[0].target\' (Pods metric with a Value target) must be MetricTarget.averageValue: '
      + 'the API server accepts no other target for a Pods metric');
  });

  test('refuses a Resource metric with a Value target', () => {
    expect(() => deploy({ metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.value(10))] })).toThrow(
      'AutoscaledDeployment \'test/web\': \'metrics[0].target\' (Resource metric with a Value target) must be MetricTarget.averageUtilization '
      + 'or MetricTarget.averageValue: the API server accepts no other target for a Resource metric');
  });

  test('refuses a target value that is not positive', () => {
    expect(() => deploy({ metrics: [kplus.Metric.external({ name: 'queue', target: kplus.MetricTarget.value(0) })] })).toThrow(
      'AutoscaledDeployment \'test/web\': \'metrics[0].target.value\' (0) must be positive');
  });
});

import { Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PodSecurity, WorkloadDefaults } from '../../lib';
import { DEFAULT_RESOURCES_JSON, HARDENED_CONTAINER_CONTEXT, ofKind, only, podSpec, synthValid } from '../util';

const subject = { kind: 'ResilientDeployment', path: 'test/web' };
const IMAGE = 'nginxinc/nginx-unprivileged:1.27.2';

/** A plain cdk8s-plus Deployment given the library's defaults by hand, as the workload constructs do. */
function workload(replicas: number, options: Parameters<typeof WorkloadDefaults._apply>[1] = {}, container: kplus.ContainerProps = { image: IMAGE }) {
  const chart = Testing.chart();
  const deployment = new kplus.Deployment(chart, 'web', {
    replicas,
    securityContext: WorkloadDefaults._podSecurityContext(options),
    containers: [WorkloadDefaults._container(subject, 'containers[0].', container, options)],
  });
  const budget = WorkloadDefaults._apply(deployment, options, replicas).disruptionBudget;
  return { chart, deployment, budget };
}

describe('WorkloadDefaults', () => {
  test('gives a container without resources the documented requests and limits', () => {
    expect(podSpec(only(synthValid(workload(2).chart), 'Deployment')).containers[0].resources).toEqual(DEFAULT_RESOURCES_JSON);
  });

  test('gives it the workload\'s defaultResources instead, when set', () => {
    const defaultResources = { memory: { request: Size.mebibytes(64), limit: Size.mebibytes(64) } };
    const spec = podSpec(only(synthValid(workload(2, { defaultResources }).chart), 'Deployment'));
    expect(spec.containers[0].resources).toEqual({ requests: { memory: '64Mi' }, limits: { memory: '64Mi' } });
  });

  test('keeps a container\'s own resources and hardens it', () => {
    const own = { cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(250) } };
    const spec = podSpec(only(synthValid(workload(2, {}, { image: IMAGE, resources: own }).chart), 'Deployment'));
    expect(spec.containers[0].resources).toEqual({ requests: { 'cpu': '250m', 'ephemeral-storage': '1Gi' }, limits: { 'cpu': '250m', 'ephemeral-storage': '2Gi' } });
    expect(spec.containers[0].securityContext).toEqual(HARDENED_CONTAINER_CONTEXT);
  });

  test('merges the user\'s own security context over the hardened one', () => {
    const cont = WorkloadDefaults._container(subject, '', { image: IMAGE, securityContext: { readOnlyRootFilesystem: false } }, {});
    expect(cont.securityContext).toEqual({ ...PodSecurity.containerSecurityContext(), readOnlyRootFilesystem: false });
  });

  test('spreads the pods softly across nodes and zones', () => {
    const constraints = podSpec(only(synthValid(workload(2).chart), 'Deployment')).topologySpreadConstraints;
    expect(constraints.map((c: any) => [c.topologyKey, c.maxSkew, c.whenUnsatisfiable])).toEqual([
      ['kubernetes.io/hostname', 1, 'ScheduleAnyway'],
      ['topology.kubernetes.io/zone', 1, 'ScheduleAnyway'],
    ]);
  });

  test('adds a disruption budget from 2 replicas, and none for 1', () => {
    expect(ofKind(synthValid(workload(2).chart), 'PodDisruptionBudget')).toHaveLength(1);
    const single = workload(1);
    expect(single.budget).toBeUndefined();
    expect(ofKind(synthValid(single.chart), 'PodDisruptionBudget')).toHaveLength(0);
  });

  test('adds a budget for 1 replica when it is enabled explicitly', () => {
    const { chart, budget } = workload(1, { disruptionBudget: { enabled: true, minAvailable: kplus.PercentOrAbsolute.absolute(0) } });
    expect(budget).toBeDefined();
    expect(only(synthValid(chart), 'PodDisruptionBudget').spec.minAvailable).toBe(0);
  });

  describe('refuses', () => {
    test('default resources with a limit below the request', () => {
      const defaultResources = { cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(100) } };
      expect(() => WorkloadDefaults._validate(subject, { defaultResources }, 2)).toThrow(
        'ResilientDeployment \'test/web\': \'defaultResources.cpu.limit\' ("100m") must be >= \'defaultResources.cpu.request\' ("500m"): a limit below its request is rejected by the API server');
    });

    test('a budget that could never allow an eviction at the workload\'s floor', () => {
      expect(() => WorkloadDefaults._validate(subject, { disruptionBudget: { minAvailable: kplus.PercentOrAbsolute.absolute(3) } }, 3)).toThrow(
        'ResilientDeployment \'test/web\': \'disruptionBudget.minAvailable\' (3) must be below the minimum replica count (3): otherwise the budget can never allow an eviction');
    });

    test('a container\'s own resources, named after where the container came from', () => {
      const resources = { memory: { request: Size.mebibytes(0) } };
      expect(() => WorkloadDefaults._validateContainer(subject, 'containers[1].', { image: IMAGE, resources })).toThrow(
        'ResilientDeployment \'test/web\': \'containers[1].resources.memory.request\' (0Mi) must be a positive quantity');
    });

    test('a replica count that is not a whole number >= 0', () => {
      expect(() => WorkloadDefaults._checkReplicas(subject, 'replicas', 1.5)).toThrow(
        'ResilientDeployment \'test/web\': \'replicas\' (1.5) must be a whole number >= 0');
    });
  });
});

describe('WorkloadDefaults: ephemeral storage', () => {
  test('a container whose own resources leave ephemeral storage out gets the default\'s', () => {
    const own = { cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(250) } };
    const cont = WorkloadDefaults._container(subject, '', { image: IMAGE, resources: own }, {});
    expect(cont.resources).toEqual({ ...own, ephemeralStorage: WorkloadDefaults.RESOURCES.ephemeralStorage });
  });

  test('keeps a container\'s own ephemeral storage', () => {
    const own = { ephemeralStorage: { request: Size.gibibytes(2), limit: Size.gibibytes(4) } };
    expect(WorkloadDefaults._container(subject, '', { image: IMAGE, resources: own }, {}).resources).toEqual(own);
  });

  test('leaves ephemeral storage out when the workload\'s defaultResources do', () => {
    const defaultResources = { memory: { request: Size.mebibytes(64), limit: Size.mebibytes(64) } };
    const own = { cpu: { request: kplus.Cpu.millis(250) } };
    expect(WorkloadDefaults._container(subject, '', { image: IMAGE, resources: own }, { defaultResources }).resources).toEqual(own);
  });
});

describe('WorkloadDefaults.pullPolicy', () => {
  test('pulls pinned tags and digests if not present, :latest and untagged images always', () => {
    expect(WorkloadDefaults.pullPolicy('nginx:1.27.2')).toBe(kplus.ImagePullPolicy.IF_NOT_PRESENT);
    expect(WorkloadDefaults.pullPolicy('registry.local:5000/team/app:v1')).toBe(kplus.ImagePullPolicy.IF_NOT_PRESENT);
    expect(WorkloadDefaults.pullPolicy('nginx@sha256:' + '0'.repeat(64))).toBe(kplus.ImagePullPolicy.IF_NOT_PRESENT);
    expect(WorkloadDefaults.pullPolicy('nginx:latest')).toBe(kplus.ImagePullPolicy.ALWAYS);
    expect(WorkloadDefaults.pullPolicy('registry.local:5000/team/app')).toBe(kplus.ImagePullPolicy.ALWAYS);
  });
});

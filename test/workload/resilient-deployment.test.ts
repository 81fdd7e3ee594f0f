import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ResilientDeployment, WorkloadDefaults } from '../../lib';
import { DEFAULT_RESOURCES_JSON, HARDENED_CONTAINER_CONTEXT, ofKind, only, podSpec, synthValid } from '../util';

const web = { image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080 };

describe('ResilientDeployment', () => {
  test('hardens every container and init container', () => {
    const chart = Testing.chart();
    const d = new ResilientDeployment(chart, 'web', {
      containers: [web], initContainers: [{ name: 'init', image: 'busybox:1.36.1', command: ['true'] }], defaultResources: WorkloadDefaults.RESOURCES,
    });
    d.addContainer({ name: 'sidecar', image: 'busybox:1.36.1', command: ['sleep', 'infinity'] });
    const spec = podSpec(only(synthValid(chart), 'Deployment'));
    for (const c of [...spec.initContainers, ...spec.containers]) {
      expect(c.securityContext).toEqual(HARDENED_CONTAINER_CONTEXT);
      expect(c.resources).toEqual(DEFAULT_RESOURCES_JSON);
    }
    expect(spec.containers).toHaveLength(2);
  });

  test('keeps a container\'s own resources and security settings over the defaults', () => {
    const chart = Testing.chart();
    new ResilientDeployment(chart, 'web', {
      containers: [{
        ...web,
        resources: {
          cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(20) },
          memory: { request: Size.mebibytes(8), limit: Size.mebibytes(16) },
        },
        securityContext: { readOnlyRootFilesystem: false },
      }],
    });
    const c = podSpec(only(synthValid(chart), 'Deployment')).containers[0];
    // Its own CPU and memory; the default ephemeral storage, which it leaves out.
    expect(c.resources).toEqual({
      requests: { 'cpu': '10m', 'memory': '8Mi', 'ephemeral-storage': '1Gi' },
      limits: { 'cpu': '20m', 'memory': '16Mi', 'ephemeral-storage': '2Gi' },
    });
    expect(c.securityContext.readOnlyRootFilesystem).toBe(false);
    expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'] });
  });

  test('names its budget after the Deployment when the Deployment is named', () => {
    const chart = Testing.chart();
    new ResilientDeployment(chart, 'web', { metadata: { name: 'web', namespace: 'shop' }, containers: [web] });
    const pdb = only(synthValid(chart), 'PodDisruptionBudget');
    expect(pdb.metadata).toEqual({ name: 'web', namespace: 'shop' });
  });

  test('creates a budget for a single replica when asked', () => {
    const chart = Testing.chart();
    new ResilientDeployment(chart, 'web', { replicas: 1, containers: [web], disruptionBudget: { enabled: true } });
    expect(ofKind(synthValid(chart), 'PodDisruptionBudget')).toHaveLength(1);
  });

  test('refuses a probe on a port its container does not expose, naming the container', () => {
    expect(() => new ResilientDeployment(Testing.chart(), 'web', {
      containers: [web, { image: 'busybox:1.36.1', readiness: kplus.Probe.fromHttpGet('/', { port: 9000 }) }],
    })).toThrow('ResilientDeployment \'test/web\': \'containers[1].readiness\' (9000) must probe a port the container exposes (exposed: none)');
  });

  test('refuses a container limit below its request, naming the container', () => {
    expect(() => new ResilientDeployment(Testing.chart(), 'web', {
      containers: [{ ...web, resources: { memory: { request: Size.mebibytes(256), limit: Size.mebibytes(128) } } }],
    })).toThrow('ResilientDeployment \'test/web\': \'containers[0].resources.memory.limit\' (128Mi) must be >= \'containers[0].resources.memory.request\' (256Mi)');
  });

  test('refuses negative replicas and revision history', () => {
    expect(() => new ResilientDeployment(Testing.chart(), 'web', { replicas: -2 })).toThrow(
      'ResilientDeployment \'test/web\': \'replicas\' (-2) must be a whole number >= 0');
    expect(() => new ResilientDeployment(Testing.chart(), 'web', { revisionHistoryLimit: -1 })).toThrow(
      'ResilientDeployment \'test/web\': \'revisionHistoryLimit\' (-1) must be a whole number >= 0');
  });

  test('refuses a non-positive request', () => {
    expect(() => new ResilientDeployment(Testing.chart(), 'web', {
      defaultResources: { cpu: { request: kplus.Cpu.millis(0) } },
    })).toThrow('ResilientDeployment \'test/web\': \'defaultResources.cpu.request\' ("0m") must be a positive quantity');
  });
});

describe('ResilientDeployment: adopting existing workloads', () => {
  test('selects the pods by the given selector labels, for the budget too', () => {
    const chart = Testing.chart();
    new ResilientDeployment(chart, 'web', { containers: [web], selectorLabels: { app: 'web' } });
    const manifests = synthValid(chart);
    const deployment = only(manifests, 'Deployment');
    expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(deployment.spec.template.metadata.labels.app).toBe('web');
    expect(only(manifests, 'PodDisruptionBudget').spec.selector).toEqual({ matchLabels: { app: 'web' } });
  });

  test('refuses empty selector labels', () => {
    expect(() => new ResilientDeployment(Testing.chart(), 'web', { containers: [web], selectorLabels: {} }))
      .toThrow('ResilientDeployment \'test/web\': \'selectorLabels\' ({}) must hold at least one label: an empty selector would select every pod in the namespace');
  });

  test('keeps an explicit budget at 1 replica', () => {
    const chart = Testing.chart();
    new ResilientDeployment(chart, 'web', { containers: [web], replicas: 1, disruptionBudget: { maxUnavailable: kplus.PercentOrAbsolute.absolute(1) } });
    expect(only(synthValid(chart), 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });

  test('writes no budget at 1 replica by default', () => {
    const chart = Testing.chart();
    new ResilientDeployment(chart, 'web', { containers: [web], replicas: 1 });
    expect(ofKind(synthValid(chart), 'PodDisruptionBudget')).toEqual([]);
  });
});

describe('ResilientDeployment: graceful shutdown', () => {
  test('sleeps before stopping in app containers only, and keeps a container\'s own preStop', () => {
    const chart = Testing.chart();
    new ResilientDeployment(chart, 'web', {
      preStopDelay: Duration.seconds(10),
      terminationGracePeriod: Duration.seconds(45),
      initContainers: [{ name: 'init', image: 'busybox:1.36.1', command: ['true'], resources: WorkloadDefaults.RESOURCES }],
      containers: [web, { name: 'own', image: 'busybox:1.36.1', lifecycle: { preStop: kplus.Handler.fromCommand(['drain']) } }],
    });
    const spec = podSpec(only(synthValid(chart), 'Deployment'));
    expect(spec.terminationGracePeriodSeconds).toBe(45);
    expect(spec.containers[0].lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '10'] } } });
    expect(spec.containers[1].lifecycle).toEqual({ preStop: { exec: { command: ['drain'] } } });
    expect(spec.initContainers[0].lifecycle).toBeUndefined();
  });

  test('refuses a pre-stop delay as long as the grace period', () => {
    expect(() => new ResilientDeployment(Testing.chart(), 'web', { containers: [web], preStopDelay: Duration.seconds(20), terminationGracePeriod: Duration.seconds(20) }))
      .toThrow('ResilientDeployment \'test/web\': \'preStopDelay\' (20s) must be shorter than \'terminationGracePeriod\' (20s): the pod is killed when the grace period ends, sleep included, leaving the app no time to stop');
  });

  test('refuses a pre-stop delay that is not a whole number of seconds', () => {
    expect(() => new ResilientDeployment(Testing.chart(), 'web', { containers: [web], preStopDelay: Duration.millis(1500) }))
      .toThrow('ResilientDeployment \'test/web\': \'preStopDelay\' (1.5s) must be a whole number of seconds >= 1s');
  });

  test('writes no startup probe unless asked for', () => {
    const chart = Testing.chart();
    new ResilientDeployment(chart, 'web', { containers: [web, { ...web, name: 'slow', portNumber: 9090, startup: kplus.Probe.fromTcpSocket({ failureThreshold: 60 }) }] });
    const [fast, slow] = podSpec(only(synthValid(chart), 'Deployment')).containers;
    expect(fast.startupProbe).toBeUndefined();
    expect(slow.startupProbe).toEqual({ tcpSocket: { port: 9090 }, failureThreshold: 60 });
  });
});

describe('ResilientDeployment: init containers', () => {
  test('refuses an init container without resources when no defaultResources are given', () => {
    expect(() => new ResilientDeployment(Testing.chart(), 'web', { containers: [web], initContainers: [{ name: 'init', image: 'busybox:1.36.1', command: ['true'] }] }))
      .toThrow('ResilientDeployment \'test/web\': \'initContainers[0].resources\' (undefined) must be given (or \'defaultResources\'): an init container never gets the library\'s default requests and limits silently, and its requests count toward the pod\'s');
  });

  test('refuses one added later too', () => {
    const d = new ResilientDeployment(Testing.chart(), 'web', { containers: [web] });
    expect(() => d.addInitContainer({ name: 'init', image: 'busybox:1.36.1' })).toThrow(/'initContainers\[0\]\.resources' \(undefined\) must be given/);
  });
});

describe('ResilientDeployment: names', () => {
  test('refuses two Deployments of one name in one namespace at synth, naming both construct paths', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'shop');
    new ResilientDeployment(chart, 'a', { metadata: { name: 'web' }, containers: [web] });
    new ResilientDeployment(chart, 'b', { metadata: { name: 'web' }, containers: [web] });
    expect(() => app.synthYaml()).toThrow('Deployment.apps \'default/web\' is defined twice, by \'shop/a\' and by \'shop/b\'');
  });
});

describe('ResilientDeployment: what the API server would reject is refused at construction', () => {
  const attempt = (props: ConstructorParameters<typeof ResilientDeployment>[2]) => () => new ResilientDeployment(Testing.chart(), 'web', props);

  test('refuses two unnamed containers, both called "main" by cdk8s-plus', () => {
    expect(attempt({ containers: [web, { ...web, portNumber: 9090 }] })).toThrow(
      'ResilientDeployment \'test/web\': \'containers[1].name\' ("main") must be unique in the pod: another container is already named "main" '
      + '(cdk8s-plus\'s name for an unnamed container)');
  });

  test('refuses a container added later under the name of an init container', () => {
    const chart = Testing.chart();
    const d = new ResilientDeployment(chart, 'web', {
      containers: [web], initContainers: [{ name: 'setup', image: 'busybox:1.36.1', resources: WorkloadDefaults.RESOURCES }],
    });
    expect(() => d.addContainer({ name: 'setup', image: 'busybox:1.36.1' })).toThrow(
      'ResilientDeployment \'test/web\': \'containers[1].name\' ("setup") must be unique in the pod: another container is already named "setup"');
  });

  test('refuses a port name of 16 characters', () => {
    expect(attempt({ containers: [{ ...web, ports: [{ number: 9090, name: 'metrics-exporter' }] }] })).toThrow(
      'ResilientDeployment \'test/web\': \'containers[0].ports[0].name\' ("metrics-exporter") must be an IANA service name');
  });

  test('refuses an environment variable name with a space or "="', () => {
    for (const name of ['MY VAR', 'A=B']) {
      expect(attempt({ containers: [{ ...web, envVariables: { [name]: kplus.EnvValue.fromValue('x') } }] })).toThrow(
        `ResilientDeployment 'test/web': 'containers[0].envVariables' (${JSON.stringify(name)}) must be an environment variable name`);
    }
  });

  test('refuses untagged and :latest images unless allowLatestImage is set', () => {
    expect(attempt({ containers: [{ ...web, image: 'nginx' }] })).toThrow(
      'ResilientDeployment \'test/web\': \'containers[0].image\' ("nginx") must be pinned with a tag or a digest');
    expect(attempt({ containers: [{ ...web, image: 'nginx:latest' }] })).toThrow(
      'ResilientDeployment \'test/web\': \'containers[0].image\' ("nginx:latest") must be pinned with a tag other than "latest"');
    expect(attempt({ containers: [{ ...web, image: 'Nginx:1.27' }] })).toThrow(
      'ResilientDeployment \'test/web\': \'containers[0].image\' ("Nginx:1.27") must be a container image reference');
    const chart = Testing.chart();
    new ResilientDeployment(chart, 'web', { allowLatestImage: true, containers: [{ ...web, image: 'nginxinc/nginx-unprivileged:latest' }] });
    expect(podSpec(only(synthValid(chart), 'Deployment')).containers[0].image).toBe('nginxinc/nginx-unprivileged:latest');
  });

  test('refuses replicas beyond the API\'s 32-bit integers', () => {
    expect(attempt({ replicas: 2 ** 31, containers: [web] })).toThrow(
      'ResilientDeployment \'test/web\': \'replicas\' (2147483648) must be at most 2147483647: the API server stores it as a 32-bit integer');
  });

  test('refuses label values of 64 characters or with non-ASCII letters', () => {
    expect(attempt({ metadata: { labels: { team: 'a'.repeat(64) } }, containers: [web] })).toThrow(
      `ResilientDeployment 'test/web': 'metadata.labels.team' ("${'a'.repeat(64)}") must be a valid label value`);
    expect(attempt({ podMetadata: { labels: { team: 'café' } }, containers: [web] })).toThrow(
      'ResilientDeployment \'test/web\': \'podMetadata.labels.team\' ("café") must be a valid label value');
  });

  test('refuses a memory size that would be written 1e+30Gi', () => {
    expect(attempt({ containers: [{ ...web, resources: { memory: { request: Size.gibibytes(1e30) } } }] })).toThrow(
      'ResilientDeployment \'test/web\': \'containers[0].resources.memory.request\' (1e+30Gi) must be written as a plain quantity');
  });
});

import { App, Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PortProtocol, ScalableBackend, ScalableBackendProps, ScalableWorker } from '../../lib';
import { ofKind, only, podSpec, synthValid } from '../util';

const minimal: ScalableBackendProps = { image: 'example/cart:v1.2.3', containerPort: 7070 };

function backend(props: Partial<ScalableBackendProps> = {}, id = 'cartservice') {
  const chart = Testing.chart();
  const b = new ScalableBackend(chart, id, { ...minimal, ...props });
  return { chart, backend: b, manifests: synthValid(chart) };
}

describe('ScalableWorker', () => {
  test('runs a Deployment with no Service, no port and no probe', () => {
    const chart = Testing.chart();
    new ScalableWorker(chart, 'loadgenerator', { image: 'example/loadgen:v1.2.3', replicas: 1 });
    const manifests = synthValid(chart);
    expect(ofKind(manifests, 'Service')).toEqual([]);
    const c = podSpec(only(manifests, 'Deployment')).containers[0];
    expect(c.ports).toBeUndefined();
    expect(c.readinessProbe).toBeUndefined();
    expect(only(manifests, 'Deployment').metadata.name).toBe('loadgenerator');
  });

  test('autoscales like a backend, with a budget and the user\'s labels on the HPA', () => {
    const chart = Testing.chart();
    const worker = new ScalableWorker(chart, 'consumer', {
      image: 'example/consumer:v1.2.3',
      labels: { team: 'shop' },
      autoscaling: { minReplicas: 1, maxReplicas: 5, cpuUtilizationPercent: 70 },
    });
    const manifests = synthValid(chart);
    expect(worker.autoscaler).toBeDefined();
    expect(only(manifests, 'HorizontalPodAutoscaler').metadata).toEqual({ name: 'consumer', labels: { team: 'shop' } });
    expect(only(manifests, 'PodDisruptionBudget').metadata).toEqual({ name: 'consumer', labels: { team: 'shop' } });
    expect(only(manifests, 'Deployment').spec.replicas).toBeUndefined();
  });

  test('refuses an init container without resources', () => {
    expect(() => new ScalableWorker(Testing.chart(), 'w', { image: 'example/w:v1', initContainers: [{ image: 'busybox:1.36.1' }] }))
      .toThrow('ScalableWorker \'test/w\': \'initContainers[0].resources\' (undefined) must be given: an init container gets no default requests and limits, and its requests count toward the pod\'s');
  });
});

describe('ScalableBackend for adopters', () => {
  test('names every object after the construct id when it is a DNS label', () => {
    const { manifests } = backend();
    for (const m of manifests) expect(m.metadata.name).toBe('cartservice');
  });

  test('keeps cdk8s names for an id that is not a DNS label', () => {
    const { manifests } = backend({}, 'Cart');
    expect(only(manifests, 'Service').metadata.name).toMatch(/^test-cart-service-c8[0-9a-f]{6}$/);
  });

  test('refuses two objects of one kind and name in one namespace at synth, naming both paths', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a');
    const b = new Chart(app, 'b');
    new ScalableBackend(a, 'cartservice', minimal);
    new ScalableBackend(b, 'cartservice', minimal);
    expect(() => app.synthYaml()).toThrow('Deployment.apps \'default/cartservice\' is defined twice, by \'a/cartservice/Deployment\' and by \'b/cartservice/Deployment\': give one of them another \'name\' (or namespace)');
  });

  test('allows one name in two namespaces', () => {
    const app = new App();
    new ScalableBackend(new Chart(app, 'a', { namespace: 'a' }), 'cartservice', minimal);
    new ScalableBackend(new Chart(app, 'b', { namespace: 'b' }), 'cartservice', minimal);
    expect(() => app.synthYaml()).not.toThrow();
  });

  test('names the Service port after its protocol and sets appProtocol', () => {
    const port = only(backend({ protocol: PortProtocol.GRPC }).manifests, 'Service').spec.ports[0];
    expect(port).toEqual({ name: 'grpc', port: 7070, targetPort: 7070, appProtocol: 'grpc' });
  });

  test('keeps the port name http and writes no appProtocol by default', () => {
    expect(only(backend().manifests, 'Service').spec.ports[0]).toEqual({ name: 'http', port: 7070, targetPort: 7070 });
  });

  test('adds extra named ports to the container and the Service', () => {
    const { manifests } = backend({ extraPorts: [{ name: 'metrics', port: 9090, protocol: PortProtocol.HTTP }] });
    expect(only(manifests, 'Service').spec.ports[1]).toEqual({ name: 'metrics', port: 9090, targetPort: 9090, appProtocol: 'http' });
    expect(podSpec(only(manifests, 'Deployment')).containers[0].ports).toEqual([{ containerPort: 7070 }, { containerPort: 9090, name: 'metrics' }]);
  });

  test('refuses an extra port named like the main one', () => {
    expect(() => backend({ protocol: PortProtocol.GRPC, extraPorts: [{ name: 'grpc', port: 9090 }] }))
      .toThrow('ScalableBackend \'test/cartservice\': \'extraPorts[0].name\' ("grpc") must be unique: \'portName\' is the same');
  });

  test('adds no startup probe unless asked for', () => {
    expect(podSpec(only(backend().manifests, 'Deployment')).containers[0].startupProbe).toBeUndefined();
    const startup = kplus.Probe.fromTcpSocket({ failureThreshold: 30 });
    expect(podSpec(only(backend({ startup }).manifests, 'Deployment')).containers[0].startupProbe.failureThreshold).toBe(30);
  });

  test('pulls pinned images if not present and :latest always', () => {
    expect(podSpec(only(backend().manifests, 'Deployment')).containers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(podSpec(only(backend({ image: 'example/cart@sha256:' + 'a'.repeat(64) }).manifests, 'Deployment')).containers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(podSpec(only(backend({ image: 'localhost:5000/cart:latest', allowLatestImage: true }).manifests, 'Deployment')).containers[0].imagePullPolicy).toBe('Always');
  });

  test('sleeps before stopping and sets the grace period', () => {
    const { manifests } = backend({ preStopDelay: Duration.seconds(5), terminationGracePeriod: Duration.seconds(40) });
    const spec = podSpec(only(manifests, 'Deployment'));
    expect(spec.terminationGracePeriodSeconds).toBe(40);
    expect(spec.containers[0].lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
  });

  test('refuses a pre-stop delay as long as the grace period', () => {
    expect(() => backend({ preStopDelay: Duration.seconds(30) })).toThrow(
      'ScalableBackend \'test/cartservice\': \'preStopDelay\' (30s) must be shorter than \'terminationGracePeriod\' (30s, the Kubernetes default): the pod is killed when the grace period ends, sleep included, leaving the app no time to stop');
  });

  test('selects pods by the user\'s labels and puts them on every object', () => {
    const { manifests } = backend({ selectorLabels: { app: 'cartservice' }, labels: { 'app.kubernetes.io/part-of': 'boutique' } });
    const deployment = only(manifests, 'Deployment');
    expect(deployment.spec.selector).toEqual({ matchLabels: { app: 'cartservice' } });
    expect(deployment.spec.template.metadata.labels).toMatchObject({ app: 'cartservice' });
    expect(only(manifests, 'Service').spec.selector).toEqual({ app: 'cartservice' });
    expect(only(manifests, 'PodDisruptionBudget').spec.selector).toEqual({ matchLabels: { app: 'cartservice' } });
    for (const m of manifests) expect(m.metadata.labels).toMatchObject({ 'app': 'cartservice', 'app.kubernetes.io/part-of': 'boutique' });
  });

  test('keeps the selector when the chart or construct is renamed', () => {
    const selector = (id: string) => only(backend({ name: 'cartservice', selectorLabels: { app: 'cartservice' } }, id).manifests, 'Deployment').spec.selector;
    expect(selector('cart-a')).toEqual(selector('cart-b'));
  });

  test('sets the service account, token mount, fsGroup, annotations, node selector and tolerations', () => {
    const chart = Testing.chart();
    const sa = kplus.ServiceAccount.fromServiceAccountName(chart, 'sa', 'cartservice');
    new ScalableBackend(chart, 'cartservice', {
      ...minimal,
      serviceAccount: sa,
      automountServiceAccountToken: true,
      security: { fsGroup: 10001 },
      podAnnotations: { 'sidecar.istio.io/inject': 'true' },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [kplus.NodeTaintQuery.is('dedicated', 'shop', { effect: kplus.TaintEffect.NO_SCHEDULE })],
      initContainers: [{ name: 'init', image: 'busybox:1.36.1', command: ['true'], resources: { cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(50) }, memory: { request: Size.mebibytes(16), limit: Size.mebibytes(32) } } }],
      sidecars: [{ name: 'proxy', image: 'example/proxy:v1.0.0' }],
    });
    const deployment = only(synthValid(chart), 'Deployment');
    const spec = podSpec(deployment);
    expect(spec.serviceAccountName).toBe('cartservice');
    expect(spec.automountServiceAccountToken).toBe(true);
    expect(spec.securityContext).toMatchObject({ fsGroup: 10001, fsGroupChangePolicy: 'Always' });
    expect(deployment.spec.template.metadata.annotations).toEqual({ 'sidecar.istio.io/inject': 'true' });
    expect(spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(spec.tolerations).toEqual([{ key: 'dedicated', value: 'shop', operator: 'Equal', effect: 'NoSchedule' }]);
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['init']);
    expect(spec.containers.map((c: any) => c.name)).toEqual(['app', 'proxy']);
  });

  test('writes no fsGroupChangePolicy without an fsGroup', () => {
    expect(podSpec(only(backend().manifests, 'Deployment')).securityContext.fsGroupChangePolicy).toBeUndefined();
  });

  test('keeps an explicit budget at 1 replica', () => {
    const { manifests } = backend({ replicas: 1, disruptionBudget: { maxUnavailable: kplus.PercentOrAbsolute.absolute(1) } });
    expect(only(manifests, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });

  test('gives an autoscaled backend from minReplicas 1 a budget', () => {
    const { manifests } = backend({ autoscaling: { minReplicas: 1, maxReplicas: 10, cpuUtilizationPercent: 70 } });
    expect(only(manifests, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });
});

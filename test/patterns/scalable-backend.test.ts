import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  Autoscaler, ChaosTarget, DisruptionBudget, HttpFault, KillMode, LoadBalancedService, ResilientDeployment, ScalableBackend, ScalableBackendProps,
  ScalableWorker, SeccompProfileType, VerticalAutoscaler, WorkloadDefaults,
} from '../../lib';
import { DEFAULT_RESOURCES_JSON, ofKind, only, podSpec, synthValid } from '../util';

const minimal: ScalableBackendProps = { image: 'nginxinc/nginx-unprivileged:1.27.2', containerPort: 8080 };

function synth(props: Partial<ScalableBackendProps> = {}, pss: 'restricted' | 'baseline' = 'restricted') {
  const chart = Testing.chart();
  const backend = new ScalableBackend(chart, 'web', { ...minimal, ...props });
  const manifests = synthValid(chart, { pss });
  return { backend, manifests, deployment: only(manifests, 'Deployment'), service: only(manifests, 'Service') };
}

function container(props: Partial<ScalableBackendProps> = {}) {
  return podSpec(synth(props).deployment).containers[0];
}

describe('ScalableBackend: the API of the issue', () => {
  test('synthesizes the calculator backend exactly as written in the issue', () => {
    const chart = Testing.chart();
    const backend = new ScalableBackend(chart, 'calculator-backend', {
      image: 'itdesign/calculator-backend:v1',
      containerPort: 8080,
      servicePort: 80,
      replicas: 3,
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
        memory: { request: Size.mebibytes(128), limit: Size.mebibytes(128) },
      },
      liveness: kplus.Probe.fromHttpGet('/'),
      readiness: kplus.Probe.fromHttpGet('/'),
    });
    expect(backend.deployment).toBeInstanceOf(kplus.Deployment);
    expect(backend.service).toBeInstanceOf(kplus.Service);
    const manifests = synthValid(chart);
    const deployment = only(manifests, 'Deployment');
    const c = podSpec(deployment).containers[0];
    expect(deployment.spec.replicas).toBe(3);
    expect(c.image).toBe('itdesign/calculator-backend:v1');
    expect(c.ports).toEqual([{ containerPort: 8080 }]);
    expect(c.resources).toEqual({
      requests: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '1Gi' },
      limits: { 'cpu': '1000m', 'memory': '128Mi', 'ephemeral-storage': '2Gi' },
    });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/', port: 8080, scheme: 'HTTP' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/', port: 8080, scheme: 'HTTP' });
    const service = only(manifests, 'Service');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080 }]);
    expect(only(manifests, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });
});

describe('ScalableBackend defaults', () => {
  test('runs 2 replicas by default', () => {
    expect(synth().deployment.spec.replicas).toBe(2);
  });

  test('listens on the container port when no servicePort is given', () => {
    expect(synth().service.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080 }]);
  });

  test('creates a ClusterIP Service by default', () => {
    expect(synth().service.spec.type).toBe('ClusterIP');
  });

  test('wires the Service selector to the pods, not to hand-matched labels', () => {
    const { deployment, service } = synth({ labels: { app: 'web' } });
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(Object.keys(service.spec.selector)).not.toContain('app');
    for (const [k, v] of Object.entries(service.spec.selector)) expect(deployment.spec.template.metadata.labels[k]).toBe(v);
  });

  test('writes out a RollingUpdate of 25% surge and 25% unavailable', () => {
    expect(synth().deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
  });

  test('keeps 10 old ReplicaSets for rollbacks', () => {
    expect(synth().deployment.spec.revisionHistoryLimit).toBe(10);
  });

  test('probes readiness with a TCP check of the container port by default', () => {
    expect(container().readinessProbe.tcpSocket).toEqual({ port: 8080 });
  });

  test('has no liveness probe by default', () => {
    expect(container().livenessProbe).toBeUndefined();
  });

  test('writes explicit requests and limits, never cdk8s-plus hidden defaults', () => {
    expect(container().resources).toEqual(DEFAULT_RESOURCES_JSON);
  });

  test('names the container "app"', () => {
    expect(container().name).toBe('app');
  });

  test('pulls a pinned image if not present', () => {
    expect(container().imagePullPolicy).toBe('IfNotPresent');
  });

  test('runs as non-root UID and GID 10001', () => {
    const { deployment } = synth();
    expect(podSpec(deployment).securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001 }));
    const expected = expect.objectContaining({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001 });
    expect(podSpec(deployment).containers[0].securityContext).toEqual(expected);
  });

  test('forbids privilege escalation and privileged mode', () => {
    expect(container().securityContext).toEqual(expect.objectContaining({ allowPrivilegeEscalation: false, privileged: false }));
  });

  test('drops ALL capabilities by default', () => {
    expect(container().securityContext.capabilities).toEqual({ drop: ['ALL'] });
  });

  test('mounts the root filesystem read-only by default', () => {
    expect(container().securityContext.readOnlyRootFilesystem).toBe(true);
  });

  test('sets the RuntimeDefault seccomp profile by default', () => {
    expect(podSpec(synth().deployment).securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });

  test('creates a PodDisruptionBudget of maxUnavailable 1 on the same pods from 2 replicas', () => {
    const { deployment, manifests } = synth({ replicas: 2 });
    const pdb = only(manifests, 'PodDisruptionBudget');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.minAvailable).toBeUndefined();
    expect(pdb.spec.selector).toEqual({ matchLabels: deployment.spec.selector.matchLabels });
  });

  test('lets unhealthy pods be evicted so a crash loop never blocks a drain', () => {
    expect(only(synth().manifests, 'PodDisruptionBudget').spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
  });

  test('creates no PodDisruptionBudget for a single replica', () => {
    const { backend, manifests } = synth({ replicas: 1 });
    expect(ofKind(manifests, 'PodDisruptionBudget')).toEqual([]);
    expect(backend.disruptionBudget).toBeUndefined();
  });

  test('spreads replicas across nodes and zones without ever leaving them Pending', () => {
    const { deployment } = synth();
    const constraints = podSpec(deployment).topologySpreadConstraints;
    expect(constraints.map((c: any) => c.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    for (const c of constraints) {
      expect(c.whenUnsatisfiable).toBe('ScheduleAnyway');
      expect(c.maxSkew).toBe(1);
      expect(c.labelSelector).toEqual({ matchLabels: deployment.spec.selector.matchLabels });
      expect(c.matchLabelKeys).toEqual(['pod-template-hash']);
    }
  });

  test('names the port "http" so that Istio knows the protocol', () => {
    expect(synth().service.spec.ports[0].name).toBe('http');
  });

  test('names the objects after the construct id when no name is given', () => {
    const { deployment, service } = synth();
    expect(deployment.metadata.name).toBe('web');
    expect(service.metadata.name).toBe('web');
  });
});

describe('ScalableBackend options and opt-outs', () => {
  test('gives the Deployment, Service and budget the given name and namespace', () => {
    const { manifests } = synth({ name: 'calculator-backend', namespace: 'shop' });
    for (const m of manifests) expect([m.kind, m.metadata.name, m.metadata.namespace]).toEqual([m.kind, 'calculator-backend', 'shop']);
  });

  test('labels the Deployment and its pods', () => {
    const { deployment } = synth({ labels: { app: 'webapp' } });
    expect(deployment.metadata.labels).toEqual({ app: 'webapp' });
    expect(deployment.spec.template.metadata.labels.app).toBe('webapp');
  });

  test('sets maxSurge and maxUnavailable', () => {
    const { deployment } = synth({ maxSurge: kplus.PercentOrAbsolute.absolute(1), maxUnavailable: kplus.PercentOrAbsolute.absolute(0) });
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });

  test('sets the revision history limit', () => {
    expect(synth({ revisionHistoryLimit: 3 }).deployment.spec.revisionHistoryLimit).toBe(3);
  });

  test('uses the given probes on the container port', () => {
    const c = container({
      liveness: kplus.Probe.fromHttpGet('/healthz'),
      readiness: kplus.Probe.fromHttpGet('/ready'),
      startup: kplus.Probe.fromTcpSocket({ failureThreshold: 30 }),
    });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 8080, scheme: 'HTTP' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 8080, scheme: 'HTTP' });
    expect(c.startupProbe).toEqual(expect.objectContaining({ tcpSocket: { port: 8080 }, failureThreshold: 30 }));
  });

  test('exposes a NodePort or LoadBalancer Service', () => {
    expect(synth({ serviceType: kplus.ServiceType.NODE_PORT, nodePort: 30080 }).service.spec).toEqual(expect.objectContaining({
      type: 'NodePort', ports: [{ name: 'http', port: 8080, targetPort: 8080, nodePort: 30080 }],
    }));
    expect(synth({ serviceType: kplus.ServiceType.LOAD_BALANCER }).service.spec.type).toBe('LoadBalancer');
  });

  test('passes env from literals, ConfigMaps and Secrets, and whole ConfigMaps', () => {
    const chart = Testing.chart();
    const config = new kplus.ConfigMap(chart, 'config', { data: { host: 'db' } });
    const secret = kplus.Secret.fromSecretName(chart, 'creds', 'db-credentials');
    new ScalableBackend(chart, 'web', {
      ...minimal,
      env: {
        MODE: kplus.EnvValue.fromValue('prod'),
        DB_HOST: kplus.EnvValue.fromConfigMap(config, 'host'),
        DB_PASSWORD: kplus.EnvValue.fromSecretValue({ secret, key: 'password' }),
      },
      envFrom: [kplus.Env.fromConfigMap(config)],
      imagePullSecret: kplus.Secret.fromSecretName(chart, 'pull', 'registry-login'),
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    });
    const deployment = only(synthValid(chart), 'Deployment');
    const c = podSpec(deployment).containers[0];
    const configName = chart.node.findChild('config') as kplus.ConfigMap;
    expect(c.env).toEqual([
      { name: 'MODE', value: 'prod' },
      { name: 'DB_HOST', valueFrom: { configMapKeyRef: { name: configName.name, key: 'host' } } },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'password' } } },
    ]);
    expect(c.envFrom).toEqual([{ configMapRef: { name: configName.name } }]);
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(podSpec(deployment).imagePullSecrets).toEqual([{ name: 'registry-login' }]);
  });

  test('mounts an emptyDir at each writable path', () => {
    const { deployment } = synth({ writablePaths: ['/tmp', '/var/cache/nginx'] });
    const spec = podSpec(deployment);
    expect(spec.containers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual(['/tmp', '/var/cache/nginx']);
    expect(spec.volumes.map((v: any) => v.emptyDir)).toEqual([{}, {}]);
  });

  test('runs images that must be root when runAsNonRoot is switched off (no longer "restricted")', () => {
    const { deployment } = synth({ security: { runAsNonRoot: false, addCapabilities: ['CHOWN', 'SETUID', 'SETGID'] } }, 'baseline');
    const spec = podSpec(deployment);
    expect(spec.securityContext.runAsNonRoot).toBe(false);
    expect(spec.securityContext.runAsUser).toBeUndefined();
    expect(spec.containers[0].securityContext).toEqual(expect.objectContaining({
      runAsNonRoot: false, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['CHOWN', 'SETUID', 'SETGID'] },
    }));
    expect(spec.containers[0].securityContext.runAsUser).toBeUndefined();
  });

  test('runs as the given UID and GID', () => {
    const c = container({ security: { user: 101, group: 101 } });
    expect([c.securityContext.runAsUser, c.securityContext.runAsGroup]).toEqual([101, 101]);
  });

  test('allows a writable root filesystem when asked', () => {
    expect(container({ security: { readOnlyRootFilesystem: false } }).securityContext.readOnlyRootFilesystem).toBe(false);
  });

  test('uses a Localhost seccomp profile when asked', () => {
    const { deployment } = synth({ security: { seccompProfile: SeccompProfileType.LOCALHOST, localhostProfile: 'profiles/web.json' } });
    expect(podSpec(deployment).securityContext.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: 'profiles/web.json' });
  });

  test('creates no PodDisruptionBudget when it is disabled', () => {
    expect(ofKind(synth({ replicas: 3, disruptionBudget: { enabled: false } }).manifests, 'PodDisruptionBudget')).toEqual([]);
  });

  test('uses minAvailable instead of maxUnavailable when given', () => {
    const pdb = only(synth({ replicas: 3, disruptionBudget: { minAvailable: kplus.PercentOrAbsolute.absolute(2) } }).manifests, 'PodDisruptionBudget');
    expect(pdb.spec).toEqual(expect.objectContaining({ minAvailable: 2 }));
    expect(pdb.spec.maxUnavailable).toBeUndefined();
  });

  test('drops the topology spread when disabled, or keeps it to nodes only', () => {
    expect(podSpec(synth({ topologySpread: { enabled: false } }).deployment).topologySpreadConstraints).toBeUndefined();
    const nodesOnly = podSpec(synth({ topologySpread: { acrossZones: false } }).deployment).topologySpreadConstraints;
    expect(nodesOnly.map((c: any) => c.topologyKey)).toEqual(['kubernetes.io/hostname']);
  });

  test('uses default resources of the caller\'s choice', () => {
    const c = container({
      defaultResources: {
        cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(50) },
        memory: { request: Size.mebibytes(32), limit: Size.mebibytes(32) },
      },
    });
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '50m', memory: '32Mi' } });
  });
});

describe('ScalableBackend refuses bad input before anything is written', () => {
  const attempt = (props: Partial<ScalableBackendProps>) => () => new ScalableBackend(Testing.chart(), 'web', { ...minimal, ...props });

  test.each([[-1], [1.5]])('refuses replicas %p', (replicas) => {
    expect(attempt({ replicas })).toThrow(`ScalableBackend 'test/web': 'replicas' (${replicas}) must be a whole number >= 0`);
  });

  test('refuses a CPU limit below its request', () => {
    expect(attempt({ resources: { cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(200) } } })).toThrow(
      'ScalableBackend \'test/web\': \'resources.cpu.limit\' ("200m") must be >= \'resources.cpu.request\' ("500m"): a limit below its request is rejected by the API server');
  });

  test('refuses a memory limit below its request', () => {
    expect(attempt({ resources: { memory: { request: Size.gibibytes(1), limit: Size.mebibytes(512) } } })).toThrow(
      'ScalableBackend \'test/web\': \'resources.memory.limit\' (512Mi) must be >= \'resources.memory.request\' (1Gi)');
  });

  test.each([[0], [65536], [80.5]])('refuses containerPort %p', (containerPort) => {
    expect(attempt({ containerPort })).toThrow(`ScalableBackend 'test/web': 'containerPort' (${containerPort}) must be a port number: a whole number from 1 to 65535`);
  });

  test('refuses a servicePort outside 1-65535', () => {
    expect(attempt({ servicePort: 70000 })).toThrow('\'servicePort\' (70000) must be a port number: a whole number from 1 to 65535');
  });

  test('refuses a probe on a port the container does not expose', () => {
    expect(attempt({ liveness: kplus.Probe.fromHttpGet('/', { port: 9090 }) })).toThrow(
      'ScalableBackend \'test/web\': \'liveness\' (9090) must probe a port the container exposes (exposed: 8080)');
    expect(attempt({ readiness: kplus.Probe.fromTcpSocket({ port: 1234 }) })).toThrow('\'readiness\' (1234) must probe a port the container exposes');
  });

  test('refuses maxSurge and maxUnavailable both 0', () => {
    expect(attempt({ maxSurge: kplus.PercentOrAbsolute.percent(0), maxUnavailable: kplus.PercentOrAbsolute.absolute(0) })).toThrow(
      'ScalableBackend \'test/web\': \'maxUnavailable\' (0) must be > 0 when \'maxSurge\' is 0: a rolling update could never make progress');
  });

  test.each([['Calculator'], ['web_app'], ['-web'], ['a'.repeat(64)], ['2048']])('refuses the name %p', (name) => {
    expect(attempt({ name })).toThrow(`ScalableBackend 'test/web': 'name' (${JSON.stringify(name)}) must be a DNS-1035 label: at most 63 characters, `
      + 'lower-case letters, digits and \'-\', starting with a letter and ending with a letter or digit');
  });

  test('refuses an empty image', () => {
    expect(attempt({ image: '' })).toThrow('ScalableBackend \'test/web\': \'image\' ("") must be a container image reference');
  });

  test('refuses a budget that blocks every eviction', () => {
    expect(attempt({ disruptionBudget: { maxUnavailable: kplus.PercentOrAbsolute.absolute(0) } })).toThrow(
      'ScalableBackend \'test/web\': \'disruptionBudget.maxUnavailable\' (0) must be > 0: a budget of 0 blocks every eviction and every node drain');
    expect(attempt({ replicas: 3, disruptionBudget: { minAvailable: kplus.PercentOrAbsolute.absolute(3) } })).toThrow(
      '\'disruptionBudget.minAvailable\' (3) must be below the minimum replica count (3): otherwise the budget can never allow an eviction');
    expect(attempt({ disruptionBudget: { minAvailable: kplus.PercentOrAbsolute.percent(100) } })).toThrow('\'disruptionBudget.minAvailable\' ("100%") must be below');
  });

  test('refuses a relative writable path', () => {
    expect(attempt({ writablePaths: ['tmp'] })).toThrow('\'writablePaths\' ("tmp") must hold absolute paths');
  });

  test('refuses a capability spelled with CAP_', () => {
    expect(attempt({ security: { addCapabilities: ['CAP_NET_BIND_SERVICE'] } })).toThrow(
      '\'security.addCapabilities\' ("CAP_NET_BIND_SERVICE") must be a capability name as Kubernetes spells it');
  });

  test('refuses a Localhost seccomp profile without its file', () => {
    expect(attempt({ security: { seccompProfile: SeccompProfileType.LOCALHOST } })).toThrow(
      '\'security.localhostProfile\' (undefined) must be set exactly when \'security.seccompProfile\' is LOCALHOST');
  });

  test('refuses a maxSkew below 1', () => {
    expect(attempt({ topologySpread: { maxSkew: 0 } })).toThrow('\'topologySpread.maxSkew\' (0) must be a whole number >= 1');
  });

  test('refuses a nodePort on a ClusterIP Service', () => {
    expect(attempt({ nodePort: 30080 })).toThrow('\'nodePort\' (30080) needs \'serviceType\' NODE_PORT or LOAD_BALANCER (got ClusterIP)');
  });
});

describe('ScalableBackend autoscaling', () => {
  test('hands the replica count to an autoscaling/v2 HPA and sizes the budget for minReplicas', () => {
    const { backend, deployment, manifests } = synth({ autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilizationPercent: 60 } });
    expect(deployment.spec.replicas).toBeUndefined();
    const hpa = only(manifests, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 10]);
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
    expect(backend.autoscaler).toBeInstanceOf(kplus.HorizontalPodAutoscaler);
    expect(only(manifests, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });

  test('has no autoscaler by default', () => {
    const { backend, manifests } = synth();
    expect(backend.autoscaler).toBeUndefined();
    expect(ofKind(manifests, 'HorizontalPodAutoscaler')).toEqual([]);
  });

  test('refuses a fixed replica count together with autoscaling', () => {
    expect(() => new ScalableBackend(Testing.chart(), 'web', { ...minimal, replicas: 3, autoscaling: { maxReplicas: 5 } })).toThrow(
      'ScalableBackend \'test/web\': \'replicas\' (3) cannot be set together with \'autoscaling\'');
  });

  test('refuses minReplicas above maxReplicas', () => {
    expect(() => new ScalableBackend(Testing.chart(), 'web', { ...minimal, autoscaling: { minReplicas: 6, maxReplicas: 5 } })).toThrow(
      'ScalableBackend \'test/web\': \'autoscaling.minReplicas\' (6) must be <= \'autoscaling.maxReplicas\' (5)');
  });

  test('refuses a CPU target when the container requests no CPU', () => {
    expect(() => new ScalableBackend(Testing.chart(), 'web', {
      ...minimal,
      resources: { memory: { request: Size.mebibytes(64), limit: Size.mebibytes(64) } },
      autoscaling: { maxReplicas: 5, cpuUtilizationPercent: 50 },
    })).toThrow('ScalableBackend \'test/web\': \'autoscaling.cpuUtilizationPercent\' (50) needs a cpu request on every container: \'resources\' has none');
  });

  test('refuses a budget that minReplicas could never satisfy', () => {
    expect(() => new ScalableBackend(Testing.chart(), 'web', {
      ...minimal,
      autoscaling: { minReplicas: 2, maxReplicas: 5 },
      disruptionBudget: { minAvailable: kplus.PercentOrAbsolute.absolute(2) },
    })).toThrow('ScalableBackend \'test/web\': \'disruptionBudget.minAvailable\' (2) must be below the minimum replica count (2)');
  });
});

describe('ScalableBackend mesh options', () => {
  test('has no Istio objects by default', () => {
    const { backend, manifests } = synth();
    expect(manifests.filter(m => m.apiVersion.startsWith('networking.istio.io'))).toEqual([]);
    expect(backend.loadBalancer.virtualService).toBeUndefined();
  });

  test('passes retries, timeout, outlier detection and a gateway to its LoadBalancedService', () => {
    const { manifests, service } = synth({
      name: 'webapp',
      retries: { attempts: 5, perTryTimeout: Duration.seconds(2) },
      timeout: Duration.seconds(10),
      outlierDetection: { consecutive5xxErrors: 10 },
      gateway: { hosts: ['*'] },
    });
    const route = only(manifests.filter(m => m.spec?.hosts?.includes('webapp')), 'VirtualService').spec.http.at(-1);
    expect(route.retries).toEqual(expect.objectContaining({ attempts: 5, perTryTimeout: '2s' }));
    expect(route.timeout).toBe('10s');
    expect(route.route[0].destination).toEqual({ host: service.metadata.name, port: { number: 8080 } });
    expect(only(manifests, 'DestinationRule').spec.trafficPolicy.outlierDetection.consecutive5xxErrors).toBe(10);
    expect(only(manifests, 'Gateway').spec.selector).toEqual({ istio: 'ingressgateway' });
  });

  test('refuses a per-try timeout longer than the timeout, naming the ScalableBackend', () => {
    expect(() => new ScalableBackend(Testing.chart(), 'web', {
      ...minimal, retries: { attempts: 3, perTryTimeout: Duration.seconds(30) }, timeout: Duration.seconds(10),
    })).toThrow('ScalableBackend \'test/web\': \'retries.perTryTimeout\' (30s) must be <= \'timeout\' (10s)');
  });

  test('refuses a fault percentage above 100, naming the ScalableBackend', () => {
    expect(() => new ScalableBackend(Testing.chart(), 'web', { ...minimal, fault: HttpFault.abort({ percent: 150 }) })).toThrow(
      /^ScalableBackend 'test\/web': 'fault.percent' \(150\) must be a percentage from 0 to 100/);
  });
});

describe('ScalableBackend chaos', () => {
  test('enrolls the Deployment in kube-monkey: labels on the Deployment, the identifier on its pods', () => {
    const { backend, deployment } = synth({ name: 'webapp', chaos: { mtbfDays: 2, killMode: KillMode.fixedPercent(30) } });
    expect(deployment.metadata.labels).toEqual({
      'kube-monkey/enabled': 'enabled',
      'kube-monkey/identifier': 'webapp',
      'kube-monkey/mtbf': '2',
      'kube-monkey/kill-mode': 'fixed-percent',
      'kube-monkey/kill-value': '30',
    });
    expect(deployment.spec.template.metadata.labels['kube-monkey/identifier']).toBe('webapp');
    expect(backend.chaos?.identifier).toBe('webapp');
  });

  test('is not enrolled by default', () => {
    const { backend, deployment } = synth();
    expect(backend.chaos).toBeUndefined();
    expect(Object.keys(deployment.metadata.labels ?? {}).filter(k => k.startsWith('kube-monkey/'))).toEqual([]);
  });

  test('refuses an mtbf below one day, naming the ScalableBackend', () => {
    expect(() => new ScalableBackend(Testing.chart(), 'web', { ...minimal, chaos: { mtbfDays: 0 } })).toThrow(
      'ScalableBackend \'test/web\': \'chaos.mtbfDays\' (0) must be a whole number >= 1');
  });
});

describe('ScalableBackend session affinity', () => {
  test('has no session affinity by default', () => {
    expect(synth().service.spec.sessionAffinity).toBeUndefined();
  });

  test('keeps each client on one pod for the given time', () => {
    expect(synth({ sessionAffinityTimeout: Duration.minutes(10) }).service.spec).toEqual(expect.objectContaining({
      sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
    }));
  });

  test('refuses a timeout longer than a day, naming the ScalableBackend', () => {
    expect(() => new ScalableBackend(Testing.chart(), 'web', { ...minimal, sessionAffinityTimeout: Duration.seconds(86401) })).toThrow(
      'ScalableBackend \'test/web\': \'sessionAffinityTimeout\' (86401s) must be a whole number of seconds from 1s to 86400s');
  });
});

describe('ScalableBackend: each option group is validated once', () => {
  afterEach(() => jest.restoreAllMocks());

  test('one backend with autoscaling, a VPA, retries, outlier detection, a budget and chaos runs each validator once', () => {
    const validators = {
      'ScalableWorker._validate': jest.spyOn(ScalableWorker, '_validate'),
      'Autoscaler._validate': jest.spyOn(Autoscaler, '_validate'),
      'VerticalAutoscaler._validate': jest.spyOn(VerticalAutoscaler, '_validate'),
      'WorkloadDefaults._validate': jest.spyOn(WorkloadDefaults, '_validate'),
      'WorkloadDefaults._validateContainer': jest.spyOn(WorkloadDefaults, '_validateContainer'),
      'DisruptionBudget._validate': jest.spyOn(DisruptionBudget, '_validate'),
      'ResilientDeployment._validate': jest.spyOn(ResilientDeployment, '_validate'),
      'LoadBalancedService._validate': jest.spyOn(LoadBalancedService, '_validate'),
      'LoadBalancedService._validateOptions': jest.spyOn(LoadBalancedService, '_validateOptions'),
      'LoadBalancedService._validateMesh': jest.spyOn(LoadBalancedService, '_validateMesh'),
      'ChaosTarget._validateOptions': jest.spyOn(ChaosTarget, '_validateOptions'),
    };
    synth({
      autoscaling: { minReplicas: 2, maxReplicas: 6, cpuUtilizationPercent: 70, verticalAutoscaling: {} },
      retries: { attempts: 3, perTryTimeout: Duration.seconds(2) },
      outlierDetection: { consecutive5xxErrors: 5 },
      disruptionBudget: { maxUnavailable: kplus.PercentOrAbsolute.absolute(1) },
      chaos: { mtbfDays: 2 },
    });
    const calls = Object.fromEntries(Object.entries(validators).map(([name, spy]) => [name, spy.mock.calls.length]));
    expect(calls).toEqual({
      // The composite checks every group under its own name; the building blocks it builds do not check again.
      'ScalableWorker._validate': 1,
      'Autoscaler._validate': 1,
      'VerticalAutoscaler._validate': 1,
      'WorkloadDefaults._validate': 1,
      'WorkloadDefaults._validateContainer': 0,
      'DisruptionBudget._validate': 1,
      'ResilientDeployment._validate': 0,
      'LoadBalancedService._validate': 0,
      'LoadBalancedService._validateOptions': 1,
      'LoadBalancedService._validateMesh': 1,
      'ChaosTarget._validateOptions': 1,
    });
  });

  test('a metric of the autoscaler is checked once, by the composite; the autoscaler only reads its target', () => {
    // checkMetric is private: the spy reaches it by name, as the analysis of the constructor must not call it.
    const checkMetric = jest.spyOn(Autoscaler as unknown as { checkMetric: () => void }, 'checkMetric');
    const { manifests } = synth({
      autoscaling: { minReplicas: 2, maxReplicas: 6, metrics: [kplus.Metric.resourceMemory(kplus.MetricTarget.averageUtilization(60))] },
    });
    expect(checkMetric).toHaveBeenCalledTimes(1);
    expect(only(manifests, 'HorizontalPodAutoscaler').spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 60 } } },
    ]);
  });

  test('a building block used on its own validates its props itself, once', () => {
    const deploymentValidate = jest.spyOn(ResilientDeployment, '_validate');
    const budgetValidate = jest.spyOn(DisruptionBudget, '_validate');
    const chart = Testing.chart();
    new ResilientDeployment(chart, 'web', { replicas: 3, containers: [{ image: minimal.image, portNumber: 8080 }] });
    synthValid(chart);
    expect(deploymentValidate).toHaveBeenCalledTimes(1);
    expect(budgetValidate).toHaveBeenCalledTimes(1);
  });
});

describe('ScalableBackend: input the API server would reject', () => {
  const attempt = (props: Partial<ScalableBackendProps>) => () => new ScalableBackend(Testing.chart(), 'web', { ...minimal, ...props });

  test('refuses an untagged or :latest image, unless allowLatestImage is set', () => {
    expect(attempt({ image: 'nginxinc/nginx-unprivileged' })).toThrow(
      'ScalableBackend \'test/web\': \'image\' ("nginxinc/nginx-unprivileged") must be pinned with a tag or a digest: an untagged image means ":latest", '
      + 'which changes under a running Deployment');
    expect(attempt({ image: 'nginxinc/nginx-unprivileged:latest' })).toThrow(
      'ScalableBackend \'test/web\': \'image\' ("nginxinc/nginx-unprivileged:latest") must be pinned with a tag other than "latest" or a digest '
      + '(or set \'allowLatestImage\'): ":latest" changes under a running Deployment');
    expect(attempt({ image: 'nginxinc/nginx-unprivileged:latest', allowLatestImage: true })).not.toThrow();
  });

  test('refuses an upper-case image reference', () => {
    expect(attempt({ image: 'NGINX:1.27' })).toThrow('ScalableBackend \'test/web\': \'image\' ("NGINX:1.27") must be a container image reference');
  });

  test('refuses environment variable names with a space or "="', () => {
    expect(attempt({ env: { 'MY VAR': kplus.EnvValue.fromValue('1') } })).toThrow(
      'ScalableBackend \'test/web\': \'env\' ("MY VAR") must be an environment variable name: letters, digits, \'_\', \'-\' and \'.\', not starting with a digit');
  });

  test('refuses label values of 64 characters or with "é"', () => {
    expect(attempt({ labels: { app: 'é' } })).toThrow('ScalableBackend \'test/web\': \'labels.app\' ("é") must be a valid label value');
    expect(attempt({ labels: { app: 'a'.repeat(64) } })).toThrow(`ScalableBackend 'test/web': 'labels.app' ("${'a'.repeat(64)}") must be a valid label value`);
  });

  test('refuses replicas of 2**31 and a NodePort of 80', () => {
    expect(attempt({ replicas: 2 ** 31 })).toThrow('ScalableBackend \'test/web\': \'replicas\' (2147483648) must be at most 2147483647');
    expect(attempt({ serviceType: kplus.ServiceType.NODE_PORT, nodePort: 80 })).toThrow(
      'ScalableBackend \'test/web\': \'nodePort\' (80) must be a whole number from 30000 to 32767');
  });

  test('refuses a Service name generated from a chart id such as 2048', () => {
    const chart = new Chart(Testing.app(), '2048');
    // An id that is no DNS-1035 label does not name the objects: cdk8s generates the names, from the chart id first.
    expect(() => new ScalableBackend(chart, '9lives', minimal)).toThrow(
      /^LoadBalancedService '2048\/9lives\/Service': 'name' \("2048-9lives-service-[a-z0-9]+"\) must be a DNS-1035 label/);
    // An id that is one names them, whatever the chart id.
    expect(new ScalableBackend(chart, 'web', minimal).service.name).toBe('web');
    new ScalableBackend(chart, 'named', { ...minimal, name: 'game' });
  });
});

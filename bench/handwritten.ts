import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { backendSpec, FEATURES } from './scenarios';

/**
 * Adds `count` backends written by hand with cdk8s-plus-27 and its k8s classes, producing the same manifests as
 * `ScalableBackend` (test/bench.test.ts checks it): the floor the library's cost is measured against.
 */
export function addBackends(scope: Construct, count: number, features: string[] = []): void {
  for (let i = 0; i < count; i++) {
    const spec = backendSpec(i);
    // Same construct paths as ScalableBackend, so that cdk8s-plus's selector labels come out identical too.
    const backend = new Construct(scope, spec.name);
    const nonRoot = { ensureNonRoot: true, user: 10001, group: 10001 };
    const env: { [name: string]: kplus.EnvValue } = {};
    for (const [k, v] of Object.entries(spec.env)) env[k] = kplus.EnvValue.fromValue(v);

    const deployment = new kplus.Deployment(backend, 'Deployment', {
      metadata: { name: spec.name, labels: { app: spec.name } },
      podMetadata: { labels: { app: spec.name } },
      replicas: spec.replicas,
      strategy: kplus.DeploymentStrategy.rollingUpdate(),
      securityContext: nonRoot,
      ...Object.assign({}, ...features.map(f => FEATURES[f].handwrittenDeployment?.(spec))),
    });
    const container = deployment.addContainer({
      name: 'app',
      image: spec.image,
      portNumber: spec.containerPort,
      resources: spec.resources,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      readiness: kplus.Probe.fromHttpGet(spec.probePath),
      liveness: kplus.Probe.fromHttpGet(spec.probePath),
      envVariables: env,
      securityContext: {
        ...nonRoot,
        privileged: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL' as kplus.Capability] },
      },
    });
    container.mount(spec.writablePath, kplus.Volume.fromEmptyDir(backend, 'Writable0', 'writable-0'));

    // What cdk8s-plus-27 cannot express: seccomp, topology spread, revision history.
    const spread = ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map(topologyKey => ({
      topologyKey,
      maxSkew: 1,
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: deployment.matchLabels },
      matchLabelKeys: ['pod-template-hash'],
    }));
    ApiObject.of(deployment).addJsonPatch(
      JsonPatch.add('/spec/revisionHistoryLimit', 10),
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
      JsonPatch.add('/spec/template/spec/topologySpreadConstraints', spread),
      // No startup probe unless asked for, and no fsGroupChangePolicy without an fsGroup (both written by cdk8s-plus).
      JsonPatch.remove('/spec/template/spec/containers/0/startupProbe'),
      JsonPatch.remove('/spec/template/spec/securityContext/fsGroupChangePolicy'),
    );

    const policy = new Construct(deployment, 'NetworkPolicy');
    new kplus.k8s.KubeNetworkPolicy(policy, 'Resource', {
      metadata: { name: spec.name, labels: { app: spec.name } },
      spec: {
        podSelector: { matchLabels: deployment.matchLabels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ ports: [{ port: kplus.k8s.IntOrString.fromNumber(spec.containerPort), protocol: 'TCP' }] }],
        egress: [{}],
      },
    });

    const budget = new Construct(deployment, 'DisruptionBudget');
    new kplus.k8s.KubePodDisruptionBudget(budget, 'Resource', {
      metadata: { name: spec.name, labels: { app: spec.name } },
      spec: {
        selector: { matchLabels: deployment.matchLabels },
        maxUnavailable: kplus.k8s.IntOrString.fromNumber(1),
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    const service = new kplus.Service(new Construct(backend, 'Service'), 'Resource', {
      metadata: { name: spec.name, labels: { app: spec.name } },
      selector: deployment,
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'http', port: spec.servicePort, targetPort: spec.containerPort }],
    });

    for (const f of features) FEATURES[f].handwritten({ scope: backend, spec, deployment, service });
  }
}

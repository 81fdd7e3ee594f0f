import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AutoscaledDeployment, LoadBalancedService, ScalableBackend } from 'cdk8s-resilience';

/**
 * The probes of the frontend and the backends: ready while the app answers its page `/` with a success (the
 * workshop's own measure of a healthy backend), alive while it accepts connections. Liveness asks less, so that a
 * replica that answers errors or is overloaded leaves the Service instead of being restarted. The images are the
 * participants' own: their apps must answer `/` with a 2xx or 3xx.
 */
const PROBES = {
  readiness: kplus.Probe.fromHttpGet('/'),
  liveness: kplus.Probe.fromTcpSocket(),
};

/**
 * What differs between the Playground's clusters.
 */
export interface PlaygroundClusterProps extends ChartProps {
  /**
   * The cluster's short name (`gke`, `azure`): it prefixes every object name, so that the two clusters' manifests
   * never clash when validated or applied together.
   */
  readonly cluster: string;

  /**
   * The registry the cluster pulls the Playground images from (its own cloud's).
   */
  readonly registry: string;

  /**
   * The `kubernetes.io/dockerconfigjson` Secret for the registry, created out of band.
   * @default - none: the nodes' own identity pulls the images
   */
  readonly imagePullSecretName?: string;

  /**
   * How many backend Deployments the cluster runs.
   * @default 2
   */
  readonly backends?: number;

  /**
   * The other cluster's backends (their load balancers' addresses), which the frontend also routes to.
   * @default - none
   */
  readonly remoteBackendUrls?: string[];
}

/**
 * One cluster of the multi-cluster "Playground" (Python code execution as a service, workshop 001): a frontend on
 * port 80 that round-robins over the backends of both clusters and stops sending to a backend after more than 10
 * non-200 answers (in the mesh: outlier detection on each backend's Service), and backend Deployments that each scale with an `autoscaling/v2` HorizontalPodAutoscaler.
 *
 * Better than the workshop's template: `autoscaling/v2` (not v1 with an `apps/v1beta1` target), fields inside
 * `spec`, no `replicas` fighting the HPA, a floor of 2 replicas per backend with a disruption budget, readiness and
 * liveness probes, pinned images and hardened containers (the code runs as UID 10001 with only /tmp writable).
 */
export class PlaygroundClusterChart extends Chart {
  public readonly frontend: ScalableBackend;
  public readonly backends: AutoscaledDeployment[] = [];

  constructor(scope: Construct, id: string, props: PlaygroundClusterProps) {
    super(scope, id, props);
    const pullSecret = props.imagePullSecretName
      ? kplus.Secret.fromSecretName(this, 'registry', props.imagePullSecretName)
      : undefined;
    const urls: string[] = [];

    for (let i = 1; i <= (props.backends ?? 2); i++) {
      const name = `${props.cluster}-backend-${i}`;
      const backend = new AutoscaledDeployment(this, name, {
        metadata: { name, labels: { app: name } },
        podMetadata: { labels: { app: name } },
        dockerRegistryAuth: pullSecret,
        containers: [{
          name: 'backend',
          image: `${props.registry}/playground-backend:2.2.0`,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          portNumber: 5000,
          resources: {
            cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(1000) },
            memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
          },
          ...PROBES,
        }],
        // The scaling policy. Running user code is CPU-bound, so CPU is the signal. Two replicas at least: one pod
        // lost (a node drain, the "evil hacker") never takes the backend down, and the disruption budget holds.
        // A 60% target leaves headroom for the minute or so a new pod needs to start, and for the traffic of the
        // other cluster when its backends fail. Scale up at Kubernetes' pace (the defaults: double, or +4 pods,
        // every 15 s); scale down one pod a minute after 5 calm minutes, so that a pause in a burst does not
        // drop the capacity the next wave needs.
        minReplicas: 2,
        maxReplicas: 10,
        cpuUtilizationPercent: 60,
        scaleDown: {
          stabilizationWindow: Duration.minutes(5),
          policies: [{ replicas: kplus.Replicas.absolute(1), duration: Duration.minutes(1) }],
        },
      });
      backend.containers[0].mount('/tmp', kplus.Volume.fromEmptyDir(this, `${name}-tmp`, 'tmp'));
      // A LoadBalancer: the other cluster's frontend reaches this backend through it.
      const service = new LoadBalancedService(this, `${name}-service`, {
        target: backend,
        port: 80,
        name,
        serviceType: kplus.ServiceType.LOAD_BALANCER,
        // The workshop's rule, "after more than 10 non-200 answers stop routing to that backend", in the mesh:
        // Istio ejects a replica after its 11th consecutive 5xx (any replica may be ejected), and a failed
        // request is retried on another one, as the frontend retries on the remaining backends. Differences:
        // Istio counts consecutive 5xx per pod, not every non-200 per backend, and re-admits a pod after
        // baseEjectionTime (30 s) instead of never.
        outlierDetection: { consecutive5xxErrors: 11, maxEjectionPercent: 100 },
        retries: { attempts: 2 },
      });
      this.backends.push(backend);
      urls.push(`http://${service.service.name}`);
    }

    this.frontend = new ScalableBackend(this, `${props.cluster}-frontend`, {
      name: `${props.cluster}-frontend`,
      image: `${props.registry}/playground-frontend:2.2.0`,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      imagePullSecret: pullSecret,
      containerPort: 8080,
      servicePort: 80,
      serviceType: kplus.ServiceType.LOAD_BALANCER,
      replicas: 2,
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
        memory: { request: Size.mebibytes(128), limit: Size.mebibytes(128) },
      },
      ...PROBES,
      writablePaths: ['/tmp'],
      labels: { app: `${props.cluster}-frontend` },
      env: {
        BACKEND_URLS: kplus.EnvValue.fromValue([...urls, ...props.remoteBackendUrls ?? []].join(',')),
        // The workshop's rule: a backend is skipped after more than 10 non-200 answers.
        MAX_NON_200_RESPONSES: kplus.EnvValue.fromValue('10'),
      },
    });
  }
}

/** The GKE cluster: images from its project's Artifact Registry, pulled with the nodes' service account. */
export const GKE_CLUSTER: PlaygroundClusterProps = {
  cluster: 'gke',
  registry: 'us-docker.pkg.dev/playground-fun/playground',
  remoteBackendUrls: ['http://azure-backend-1.playground.example', 'http://azure-backend-2.playground.example'],
};

/** The Azure cluster: images from Azure Container Registry, pulled with a registry Secret. */
export const AZURE_CLUSTER: PlaygroundClusterProps = {
  cluster: 'azure',
  registry: 'playgroundfun.azurecr.io',
  imagePullSecretName: 'acr-pull',
  remoteBackendUrls: ['http://gke-backend-1.playground.example', 'http://gke-backend-2.playground.example'],
};

import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ScalableBackend } from 'cdk8s-resilience';

/**
 * The todoapi lab (todoapi@a1516cc and @f985fdd): liveness `/` after 5 s and readiness `/list` after 10 s, requests
 * 50m/64Mi and limits 100m/128Mi, database settings from a ConfigMap and credentials from a Secret, a NodePort
 * Service 80 → 8080, the default 25%/25% RollingUpdate written out, and (todoapi@05aca37) a memory-based HPA.
 *
 * Better than the lab's YAML: at least 2 replicas with a disruption budget (the lab ran 1, so every rollout or drain
 * was an outage), an `autoscaling/v2` HPA the API server accepts, a pinned image instead of `:latest`, hardened
 * containers. The Secret `todoapi-db` (keys `dbusername`, `dbpswd`) is created out of band, e.g. `kubectl create secret generic todoapi-db --from-literal=...`: no password is
 * ever written in a manifest. The registry Secret `dockerlogin` is the lab's `imagePullSecrets`.
 */
export class TodoApiChart extends Chart {
  public readonly api: ScalableBackend;
  public readonly config: kplus.ConfigMap;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);

    this.config = new kplus.ConfigMap(this, 'config', {
      metadata: { name: 'todoapi-configs' },
      data: {
        dbhostname: 'cluster0.ci2qu.mongodb.net',
        dbdbname: 'todoapidev',
        dbtodoscollection: 'todos',
      },
    });
    const credentials = kplus.Secret.fromSecretName(this, 'db-credentials', 'todoapi-db');

    this.api = new ScalableBackend(this, 'todoapi', {
      name: 'todoapi',
      image: 'brandallk/gotodoapi:wipaug4',
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      imagePullSecret: kplus.Secret.fromSecretName(this, 'dockerlogin', 'dockerlogin'),
      containerName: 'todoapi',
      containerPort: 8080,
      servicePort: 80,
      serviceType: kplus.ServiceType.NODE_PORT,
      resources: {
        cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(100) },
        memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
      },
      liveness: kplus.Probe.fromHttpGet('/', { initialDelaySeconds: Duration.seconds(5) }),
      readiness: kplus.Probe.fromHttpGet('/list', { initialDelaySeconds: Duration.seconds(10) }),
      // The labs scaled on memory with `type: Utilization` and `averageValue` (5Mi at todoapi@05aca37, 128Mi at
      // @f985fdd): the API server rejects that pair (Utilization takes `averageUtilization`), and 128Mi is the memory
      // limit, which a pod cannot exceed without being OOM-killed, so it could never have fired. 80% of the 64Mi
      // request (~51Mi) scales out while every pod still has headroom to its limit. The 60 s scale-up window of
      // @05aca37 is kept (the 2 s of @f985fdd reacts to every garbage-collection spike): it rides them out. The
      // Deployment carries no `replicas`: the HPA owns the count, from 2 (the disruption budget's floor) to 10.
      autoscaling: {
        minReplicas: 2,
        maxReplicas: 10,
        memoryUtilizationPercent: 80,
        scaleUp: { stabilizationWindow: Duration.seconds(60) },
      },
      maxSurge: kplus.PercentOrAbsolute.percent(25),
      maxUnavailable: kplus.PercentOrAbsolute.percent(25),
      labels: { app: 'todoapi' },
      env: {
        DB_HOSTNAME: kplus.EnvValue.fromConfigMap(this.config, 'dbhostname'),
        DB_DBNAME: kplus.EnvValue.fromConfigMap(this.config, 'dbdbname'),
        DB_TODOS_COLLECTION: kplus.EnvValue.fromConfigMap(this.config, 'dbtodoscollection'),
        DB_USERNAME: kplus.EnvValue.fromSecretValue({ secret: credentials, key: 'dbusername' }),
        DB_PSWD: kplus.EnvValue.fromSecretValue({ secret: credentials, key: 'dbpswd' }),
      },
    });
  }
}

import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ResilientStatefulSet, ScalableBackend, ScalableBackendProps, SessionStore } from 'cdk8s-resilience';

// The workshop's requests and limits for both tiers: a guaranteed 128Mi, bursting to a full core.
const RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
  memory: { request: Size.mebibytes(128), limit: Size.mebibytes(128) },
};

/** Where PostgreSQL's Secret is mounted: the Docker secrets path the image's `*_FILE` variables are documented with. */
const SECRETS_PATH = '/run/secrets/postgresql';

/**
 * The workshop's readiness probe (GET /); liveness asks less, only that the container accepts connections (the
 * workshop used the same GET / for both, which restarts a replica that is merely slow or overloaded instead of only
 * taking it out of the Service).
 */
const WEB_PROBES = {
  readiness: kplus.Probe.fromHttpGet('/'),
  liveness: kplus.Probe.fromTcpSocket(),
};

/** The calculator backend as steps 03 to 07 run it: 3 replicas on 8080 behind a ClusterIP Service on 80. */
const BACKEND: ScalableBackendProps = {
  name: 'calculator-backend',
  image: 'quay.io/kubernetes-workshop/calculator-backend:v1',
  imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
  containerPort: 8080,
  servicePort: 80,
  replicas: 3,
  resources: RESOURCES,
  ...WEB_PROBES,
  writablePaths: ['/tmp'],
  labels: { app: 'calculator-backend' },
};

/**
 * The itdesign Kubernetes workshop (steps 03 to 06): the calculator backend, 3 replicas on 8080 behind a ClusterIP
 * Service on 80, and the frontend, 3 replicas on 3000 behind a LoadBalancer on 80, which finds the backend through
 * its Service name.
 *
 * Better than the workshop's YAML: pinned images pulled IfNotPresent, a PodDisruptionBudget and spread for each
 * tier, a TCP liveness probe next to the HTTP readiness probe (the workshop probed GET / for both), hardened
 * containers (the Node.js images run as UID 10001 with a writable /tmp only).
 */
export class CalculatorChart extends Chart {
  public readonly backend: ScalableBackend;
  public readonly frontend: ScalableBackend;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);

    this.backend = new ScalableBackend(this, 'calculator-backend', BACKEND);

    this.frontend = new ScalableBackend(this, 'calculator-frontend', {
      name: 'calculator-frontend',
      image: 'quay.io/kubernetes-workshop/calculator-frontend:v2',
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      containerPort: 3000,
      servicePort: 80,
      serviceType: kplus.ServiceType.LOAD_BALANCER,
      replicas: 3,
      resources: RESOURCES,
      ...WEB_PROBES,
      writablePaths: ['/tmp'],
      labels: { app: 'calculator-frontend' },
      env: {
        // Port 80 is the Service's, so the URL needs none.
        CALCULATOR_BACKEND_BASE_URL: kplus.EnvValue.fromValue(`http://${this.backend.service.name}`),
      },
    });
  }
}

/**
 * Step 07 of the itdesign workshop: the calculator backend with its PostgreSQL StatefulSet (one pod, a 1Gi volume
 * that survives it), found by the backend through the Service `postgresql` (`PG_HOST`). In the namespace
 * `calculator-db`, so that it can be applied next to steps 03 to 06.
 *
 * Better than the workshop's YAML: postgres:16.4 instead of 10.5 (end of life), run as its UID 999 on a read-only
 * root filesystem, with a headless governing Service and probes (readiness `pg_isready`, liveness a bare TCP
 * connection); the password comes from the Secret `calculator-postgresql` (key `password`), mounted as a file for the
 * image's `POSTGRES_PASSWORD_FILE` and created out of band:
 * `kubectl -n calculator-db create secret generic calculator-postgresql --from-literal=password=...` (the workshop
 * wrote `postgres` in the manifest). The backend also gets the port, user, password and database as `PG_PORT`,
 * `PG_USER`, `PG_PASSWORD` and `PG_DATABASE`. The workshop's `storageClassName: standard` exists on minikube and GKE
 * only; the volume comes from the cluster's default StorageClass instead.
 */
export class CalculatorDatabaseChart extends Chart {
  public readonly postgresql: ResilientStatefulSet;
  public readonly postgresqlService: kplus.Service;
  public readonly backend: ScalableBackend;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const namespace = 'calculator-db';
    new kplus.Namespace(this, 'namespace', {
      metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
    const secret = kplus.Secret.fromSecretName(this, 'postgresql-secret', 'calculator-postgresql');

    this.postgresqlService = new kplus.Service(this, 'postgresql-service', {
      metadata: { name: 'postgresql', namespace },
      clusterIP: 'None',
      ports: [{ name: 'postgres', port: 5432, targetPort: 5432 }],
    });
    // pg_isready over TCP: while initdb runs, the entrypoint's temporary server listens on its socket only.
    const ready = ['pg_isready', '--host=127.0.0.1', '--port=5432', '--username=postgres', '--dbname=calculator'];
    this.postgresql = new ResilientStatefulSet(this, 'postgresql', {
      metadata: { name: 'postgresql', namespace },
      service: this.postgresqlService,
      // The official image's postgres user; fsGroup 999 (the default with volume claims) lets it own its volume.
      security: { user: 999, group: 999 },
      volumeClaims: [{ name: 'data-storage', storage: Size.gibibytes(1), mountPath: '/var/lib/postgresql/data' }],
      containers: [{
        name: 'server',
        image: 'postgres:16.4',
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        ports: [{ name: 'postgres', number: 5432 }],
        envVariables: {
          POSTGRES_USER: kplus.EnvValue.fromValue('postgres'),
          // A file of the mounted Secret, not an environment variable: the image's entrypoint reads it.
          POSTGRES_PASSWORD_FILE: kplus.EnvValue.fromValue(`${SECRETS_PATH}/password`),
          POSTGRES_DB: kplus.EnvValue.fromValue('calculator'),
          // The workshop's subPath `data`, as PGDATA: initdb never meets the volume's lost+found.
          PGDATA: kplus.EnvValue.fromValue('/var/lib/postgresql/data/data'),
        },
        // The workshop's requests and limits.
        resources: {
          cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
          memory: { request: Size.mebibytes(256), limit: Size.mebibytes(256) },
        },
        readiness: kplus.Probe.fromCommand(ready, { periodSeconds: Duration.seconds(5), timeoutSeconds: Duration.seconds(5) }),
        // Liveness asks less than readiness: that the server still accepts connections (PostgreSQL 12+ logs nothing
        // for a connection closed before its startup packet).
        liveness: kplus.Probe.fromTcpSocket({
          port: 5432, periodSeconds: Duration.seconds(10), failureThreshold: 6, timeoutSeconds: Duration.seconds(5),
        }),
        startup: kplus.Probe.fromCommand(ready, { periodSeconds: Duration.seconds(5), failureThreshold: 60, timeoutSeconds: Duration.seconds(5) }),
        volumeMounts: [{
          path: SECRETS_PATH,
          // Readable by the postgres group only (fsGroup 999).
          volume: kplus.Volume.fromSecret(this, 'postgresql-secret-volume', secret, { name: 'secrets', defaultMode: 0o440, items: { password: { path: 'password' } } }),
          readOnly: true,
        }],
      }],
    });
    for (const [i, path] of ['/var/run/postgresql', '/tmp'].entries()) {
      this.postgresql.containers[0].mount(path, kplus.Volume.fromEmptyDir(this, `postgresql-writable-${i}`, `writable-${i}`));
    }

    const database = new SessionStore(this, 'database', {
      service: this.postgresqlService,
      passwordSecret: secret,
      user: 'postgres',
      database: 'calculator',
      envNames: { host: 'PG_HOST', port: 'PG_PORT', user: 'PG_USER', password: 'PG_PASSWORD', database: 'PG_DATABASE' },
    });
    this.backend = new ScalableBackend(this, 'calculator-backend', { ...BACKEND, namespace, env: database.env });
  }
}

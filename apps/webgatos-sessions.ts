import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  LoadBalancedService, LoadBalancedServiceProps, ResilientDeployment, ResilientStatefulSet, ScalableBackend, SessionStore,
} from 'cdk8s-resilience';

/** A Spring Boot JVM: a full core to start, a fixed memory budget. */
const JVM_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(1000) },
  memory: { request: Size.mebibytes(512), limit: Size.mebibytes(512) },
};

// Readiness GETs the page, so that a replica that cannot serve it (its session store unreachable) leaves the
// Service; the price is an HTTP session per probe (every 10 s per replica), which expires after Spring's 30 minutes.
// Liveness asks less, only that the JVM accepts connections: a replica that is slow, or whose store is down, is not
// restarted for it.
const webappProbes = {
  readiness: kplus.Probe.fromHttpGet('/', { port: 8080 }),
  liveness: kplus.Probe.fromTcpSocket({ port: 8080 }),
  // Up to 2 minutes for the JVM to start (and, with MySQL, for the database to come up first).
  startup: kplus.Probe.fromTcpSocket({ port: 8080, periodSeconds: Duration.seconds(2), failureThreshold: 60 }),
};

/**
 * The talk's first fix for in-memory sessions (MasterCloudApps/expoqa2022 `ejem4-webgatos2-scalable`): move the
 * state out of the app. Spring Session keeps the HTTP sessions in MySQL, so any of the 2 replicas can answer any
 * user. Lives in the namespace `webgatos-mysql`.
 *
 * Better than the talk's YAML: MySQL is a StatefulSet with its own volume (the talk's Deployment lost every session
 * with its pod), behind a headless Service; the root password comes from the Secret `webgatos-db` (key `password`),
 * mounted as a file for the image's `MYSQL_ROOT_PASSWORD_FILE` (the app, which reads it from its environment only,
 * gets it as `DATABASE_PASS`), created out of band: `kubectl -n webgatos-mysql create secret generic webgatos-db --from-literal=password=...`
 * (the talk wrote it in both Deployments, and two different ones at that); a rolling update instead of `Recreate`,
 * probes, requests and limits, a disruption budget, hardened containers and Pod Security "restricted" enforced.
 */
export class WebgatosMysqlChart extends Chart {
  public readonly db: ResilientStatefulSet;
  public readonly dbService: kplus.Service;
  public readonly sessions: SessionStore;
  public readonly webapp: ScalableBackend;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const namespace = 'webgatos-mysql';
    new kplus.Namespace(this, 'namespace', {
      metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
    const secret = kplus.Secret.fromSecretName(this, 'db-secret', 'webgatos-db');

    this.dbService = new kplus.Service(this, 'db-service', {
      metadata: { name: 'db', namespace },
      clusterIP: 'None',
      ports: [{ name: 'mysql', port: 3306, targetPort: 3306 }],
    });
    // mysqladmin ping exits 0 whenever the server answers, even "access denied": no password needed. Over TCP, as
    // clients connect (the first initialization runs a temporary server without networking).
    const ping = ['mysqladmin', 'ping', '--host=127.0.0.1'];
    // Liveness asks the server process itself, over its socket. Not a bare TCP probe: MySQL counts a connection
    // closed before its handshake as an error of the kubelet's node IP, and blocks that IP after max_connect_errors.
    const socketPing = ['mysqladmin', 'ping', '--socket=/var/run/mysqld/mysqld.sock'];
    this.db = new ResilientStatefulSet(this, 'db', {
      metadata: { name: 'db', namespace },
      service: this.dbService,
      // The official image's mysql user; fsGroup 999 (the default with volume claims) lets it own its volume.
      security: { user: 999, group: 999 },
      volumeClaims: [{ name: 'data', storage: Size.gibibytes(1), mountPath: '/var/lib/mysql' }],
      containers: [{
        name: 'mysql',
        image: 'mysql:8.0.39',
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        args: [
          // A sub-directory, so that initialization never meets the volume's lost+found.
          '--datadir=/var/lib/mysql/data',
          // The app's JDBC URL does not allow public key retrieval, which caching_sha2_password needs on first login.
          '--default-authentication-plugin=mysql_native_password',
        ],
        ports: [{ name: 'mysql', number: 3306 }],
        envVariables: {
          // A file of the mounted Secret, not an environment variable: the image's entrypoint reads it.
          MYSQL_ROOT_PASSWORD_FILE: kplus.EnvValue.fromValue('/run/secrets/mysql/password'),
          MYSQL_DATABASE: kplus.EnvValue.fromValue('webapp_db'),
        },
        volumeMounts: [{
          // The Docker secrets path the image's `*_FILE` variables are documented with; readable by the mysql group
          // only (fsGroup 999).
          path: '/run/secrets/mysql',
          volume: kplus.Volume.fromSecret(this, 'db-secret-volume', secret, {
            name: 'secrets', defaultMode: 0o440, items: { password: { path: 'password' } },
          }),
          readOnly: true,
        }],
        resources: {
          cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(1000) },
          memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) },
        },
        readiness: kplus.Probe.fromCommand(ping, { periodSeconds: Duration.seconds(5), timeoutSeconds: Duration.seconds(5) }),
        liveness: kplus.Probe.fromCommand(socketPing, {
          periodSeconds: Duration.seconds(10), failureThreshold: 6, timeoutSeconds: Duration.seconds(5),
        }),
        // Up to 5 minutes for the first initialization (it runs a temporary server without networking).
        startup: kplus.Probe.fromCommand(ping, { periodSeconds: Duration.seconds(5), failureThreshold: 60, timeoutSeconds: Duration.seconds(5) }),
      }],
    });
    for (const [i, path] of ['/var/run/mysqld', '/tmp'].entries()) {
      this.db.containers[0].mount(path, kplus.Volume.fromEmptyDir(this, `db-writable-${i}`, `writable-${i}`));
    }

    // The app reads DATABASE_HOST, DATABASE_PORT, DATABASE_SCHEMA and DATABASE_PASS (Spring's database.*), as root.
    this.sessions = new SessionStore(this, 'sessions', {
      service: this.dbService,
      passwordSecret: secret,
      database: 'webapp_db',
      envNames: { host: 'DATABASE_HOST', port: 'DATABASE_PORT', password: 'DATABASE_PASS', database: 'DATABASE_SCHEMA' },
    });

    this.webapp = new ScalableBackend(this, 'webapp', {
      name: 'webapp',
      namespace,
      labels: { app: 'webapp' },
      image: 'codeurjc/webgatos2-scalable:0.0.1',
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      containerPort: 8080,
      serviceType: kplus.ServiceType.LOAD_BALANCER,
      portName: 'webapp',
      replicas: 2,
      resources: JVM_RESOURCES,
      ...webappProbes,
      env: this.sessions.env,
      writablePaths: ['/tmp'],
    });
  }
}

/**
 * The talk's second fix (expoqa2022 `ejem4-webgatos2-scalable-hazelcast`): replicate the state between the
 * replicas. Each replica embeds a Hazelcast member; they find each other through the Kubernetes API and share the
 * HTTP sessions.
 *
 * The image's Hazelcast configuration looks its members up in the namespace `default` through the Service
 * `hazelcast-service`, so this chart deploys there. Better than the talk's YAML: discovery rights are a namespaced
 * Role (get and list on endpoints, endpoint slices and pods) for the app's own ServiceAccount, not a ClusterRole on
 * nodes and services for every pod running as `default`. Without nodes Hazelcast logs that zone awareness is off;
 * without services, that it cannot publish member addresses outside the cluster: neither is needed here. The
 * members' port 5701 stays inside the cluster (the talk exposed it through a LoadBalancer). Plus probes, requests and
 * limits, a disruption budget, a rolling update instead of `Recreate` and hardened containers.
 */
export interface WebgatosHazelcastProps extends ChartProps {
  /**
   * How the web app's Service `webapp` is exposed, and any mesh policy in front of it.
   * @default - a LoadBalancer on 8080, as in the talk
   */
  readonly exposure?: Omit<LoadBalancedServiceProps, 'target' | 'name' | 'port' | 'targetPort'>;
}

export class WebgatosHazelcastChart extends Chart {
  public readonly webapp: ResilientDeployment;
  public readonly service: LoadBalancedService;
  public readonly hazelcastService: kplus.Service;

  constructor(scope: Construct, id: string, props: WebgatosHazelcastProps = {}) {
    const { exposure, ...chartProps } = props;
    super(scope, id, { namespace: 'default', ...chartProps });

    const account = new kplus.ServiceAccount(this, 'account', { metadata: { name: 'webapp' } });
    const discovery = new kplus.Role(this, 'hazelcast-discovery', { metadata: { name: 'hazelcast-discovery' } });
    discovery.allow(['get', 'list'], kplus.ApiResource.ENDPOINTS, kplus.ApiResource.ENDPOINT_SLICES, kplus.ApiResource.PODS);
    new kplus.RoleBinding(this, 'hazelcast-discovery-binding', { metadata: { name: 'hazelcast-discovery' }, role: discovery })
      .addSubjects(account);

    this.webapp = new ResilientDeployment(this, 'webapp', {
      metadata: { name: 'webapp', labels: { app: 'webapp' } },
      podMetadata: { labels: { app: 'webapp' } },
      replicas: 2,
      serviceAccount: account,
      // Hazelcast's discovery calls the API with the ServiceAccount's token.
      automountServiceAccountToken: true,
      containers: [{
        name: 'webapp',
        image: 'codeurjc/webgatos2-scalable-hazelcast:v1.0',
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        portNumber: 8080,
        ports: [{ number: 5701, name: 'hazelcast' }],
        resources: JVM_RESOURCES,
        ...webappProbes,
      }],
    });
    this.webapp.containers[0].mount('/tmp', kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp'));

    this.service = new LoadBalancedService(this, 'webapp-service', {
      ...exposure ?? { portName: 'webapp', serviceType: kplus.ServiceType.LOAD_BALANCER },
      target: this.webapp,
      name: 'webapp',
      port: 8080,
      targetPort: 8080,
    });
    // Only its endpoints matter to Hazelcast: headless, no virtual IP.
    this.hazelcastService = new kplus.Service(this, 'hazelcast-service', {
      metadata: { name: 'hazelcast-service' },
      clusterIP: 'None',
      selector: this.webapp,
      ports: [{ name: 'tcp-hazelcast', port: 5701, targetPort: 5701 }],
    });
  }
}

import { Chart, ChartProps, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ReplicatedPostgres, ScalableBackend, SessionStore } from 'cdk8s-resilience';

const NAMESPACE = 'highload-dns';

/**
 * nginx in front of the backend's headless Service. The homework's config resolved the name once, at start, and kept
 * sending to a deleted pod's IP (its "lingering 502" after the failover demo): here nginx re-resolves every 5 s and
 * retries another pod on a failed connection, asking the cluster DNS Service `kube-dns` in `kube-system` (its name on
 * k3d, kubeadm, GKE and EKS alike). It runs unprivileged on a read-only root filesystem, so its pid and temporary
 * files go to /tmp.
 */
const NGINX_CONF = `pid /tmp/nginx.pid;
error_log /dev/stderr warn;
events {}
http {
  access_log /dev/stdout;
  client_body_temp_path /tmp/client_temp;
  proxy_temp_path /tmp/proxy_temp;
  fastcgi_temp_path /tmp/fastcgi_temp;
  uwsgi_temp_path /tmp/uwsgi_temp;
  scgi_temp_path /tmp/scgi_temp;
  resolver kube-dns.kube-system.svc.cluster.local valid=5s;
  server {
    listen 8080;
    location = /healthz {
      access_log off;
      return 200 "ok\\n";
    }
    location / {
      # A variable makes nginx resolve the name per request (through the resolver above), not once at start.
      set $backend backend-headless.${NAMESPACE}.svc.cluster.local;
      proxy_pass http://$backend:8000;
      proxy_next_upstream error timeout http_502;
      add_header X-Upstream-Addr $upstream_addr always;
    }
  }
}
`;

/**
 * The highload homework (Darkzarich/microservice-course-assigment-2@26cccce, part 2): a FastAPI backend (2 replicas,
 * `/health` probes) reading from PostgreSQL through HAProxy, which balances over streaming replicas of a primary
 * StatefulSet found by DNS; nginx in front of the backend's headless Service shows which pod answered. Everything
 * lives in the namespace `highload-dns`. Port-forward `svc/nginx 8081:80` and load `/users`; delete a replica or a
 * backend pod to watch HAProxy and nginx route around it (HAProxy stats: `port-forward deploy/postgres-haproxy 8404`).
 *
 * Better than the homework's YAML: the official `postgres` and `haproxy` images (the homework built its own), with
 * the replication set-up as a ConfigMap script and a `pg_basebackup` init container; the replicas are a StatefulSet
 * with their own volumes (the homework's Deployment re-cloned the primary into an emptyDir on every restart); every
 * password comes from the Secret `highload-postgres` (keys `password`, `replication-password`), created out of band:
 * `kubectl -n highload-dns create secret generic highload-postgres --from-literal=password=... --from-literal=replication-password=...`.
 * 2 replicas of nginx and HAProxy with disruption budgets, pinned tags, requests and limits, liveness probes that
 * ask less than readiness (a TCP connection, where the homework probed /health for both), and Pod Security
 * "restricted" enforced on the namespace. Build the backend image with the homework's `images/build_and_push.sh`
 * and tag it `1.0.0`.
 */
export class HighloadChart extends Chart {
  public readonly postgres: ReplicatedPostgres;
  public readonly backend: ScalableBackend;
  public readonly backendHeadless: kplus.Service;
  public readonly nginx: ScalableBackend;
  public readonly nginxConfig: kplus.ConfigMap;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    // No chart namespace: the Namespace object itself is cluster-scoped.
    super(scope, id, props);

    new kplus.Namespace(this, 'namespace', {
      metadata: { name: NAMESPACE, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });

    this.postgres = new ReplicatedPostgres(this, 'postgres', {
      name: 'postgres',
      namespace: NAMESPACE,
      secret: kplus.Secret.fromSecretName(this, 'postgres-secret', 'highload-postgres'),
      user: 'app',
      database: 'appdb',
      replicationUser: 'repl',
      replicas: 2,
    });

    // The backend only reads: it connects to HAProxy, which spreads the connections over the replicas.
    const db = new SessionStore(this, 'db', {
      service: this.postgres.readService,
      passwordSecret: this.postgres.secret,
      passwordKey: this.postgres.passwordKey,
      user: this.postgres.user,
      database: this.postgres.database,
    });

    this.backend = new ScalableBackend(this, 'backend', {
      name: 'backend',
      namespace: NAMESPACE,
      labels: { app: 'backend' },
      image: 'k3d-registry.localhost:5000/backend:1.0.0',
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      containerPort: 8000,
      replicas: 2,
      readiness: kplus.Probe.fromHttpGet('/health', { initialDelaySeconds: Duration.seconds(3), periodSeconds: Duration.seconds(5) }),
      // The homework's timings. Liveness asks less than readiness, only that the server accepts connections: a
      // backend too busy to answer /health in time leaves the Service instead of being restarted.
      liveness: kplus.Probe.fromTcpSocket({ initialDelaySeconds: Duration.seconds(10), periodSeconds: Duration.seconds(10) }),
      env: db.env,
      writablePaths: ['/tmp'],
    });

    // Headless: DNS returns every ready backend pod's IP, so nginx talks to the pods themselves.
    this.backendHeadless = new kplus.Service(this, 'backend-headless', {
      metadata: { name: 'backend-headless', namespace: NAMESPACE },
      clusterIP: 'None',
      selector: this.backend.deployment,
      ports: [{ name: 'http', port: 8000, targetPort: 8000 }],
    });

    this.nginxConfig = new kplus.ConfigMap(this, 'nginx-config', {
      metadata: { name: 'nginx-config', namespace: NAMESPACE },
      data: { 'nginx.conf': NGINX_CONF },
    });
    this.nginx = new ScalableBackend(this, 'nginx', {
      name: 'nginx',
      namespace: NAMESPACE,
      labels: { app: 'nginx' },
      image: 'nginxinc/nginx-unprivileged:1.27.2',
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      containerPort: 8080,
      servicePort: 80,
      replicas: 2,
      readiness: kplus.Probe.fromHttpGet('/healthz'),
      liveness: kplus.Probe.fromTcpSocket(),
      volumeMounts: [{
        path: '/etc/nginx/nginx.conf',
        subPath: 'nginx.conf',
        volume: kplus.Volume.fromConfigMap(this, 'nginx-config-volume', this.nginxConfig, { name: 'config' }),
      }],
      writablePaths: ['/tmp'],
    });
  }
}

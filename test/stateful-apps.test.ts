import { Testing } from 'cdk8s';
import { APPS } from '../apps';
import { ofKind, podSpec, problems } from './util';

/** The example apps of the stateful scaling issue. */
const STATEFUL_APPS = ['highload', 'webgatos-sessions', 'calculator'];

function synthApp(name: string): any[] {
  const app = Testing.app();
  APPS[name](app);
  const manifests = app.charts.flatMap(c => c.toJson());
  expect(problems(manifests)).toEqual([]);
  return manifests;
}

function podsOf(manifests: any[]): any[] {
  return manifests.filter(m => m.spec?.template?.spec).map(m => podSpec(m));
}

const named = (manifests: any[], kind: string, name: string, namespace?: string) =>
  manifests.find(m => m.kind === kind && m.metadata.name === name && (namespace === undefined || m.metadata.namespace === namespace));

const envOf = (container: any) => Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));

describe.each(STATEFUL_APPS)('stateful example app %s', (name) => {
  const manifests = synthApp(name);

  test('gives the official database images their passwords as files of a mounted Secret, never as environment variables', () => {
    const databases = ofKind(manifests, 'StatefulSet').flatMap(set => [...podSpec(set).initContainers ?? [], ...podSpec(set).containers]);
    expect(databases.length).toBeGreaterThan(0);
    for (const c of databases) {
      const fromSecret = (c.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef);
      expect({ container: c.name, fromSecret }).toEqual({ container: c.name, fromSecret: [] });
    }
  });

  test('gives every StatefulSet volume claim templates and a headless governing Service of the same app and namespace', () => {
    const sets = ofKind(manifests, 'StatefulSet');
    expect(sets.length).toBeGreaterThan(0);
    for (const set of sets) {
      expect(set.spec.volumeClaimTemplates?.length).toBeGreaterThan(0);
      const service = named(manifests, 'Service', set.spec.serviceName, set.metadata.namespace);
      expect({ statefulSet: set.metadata.name, service: service?.metadata.name, clusterIP: service?.spec.clusterIP })
        .toEqual({ statefulSet: set.metadata.name, service: set.spec.serviceName, clusterIP: 'None' });
      expect(service.spec.selector).toEqual(set.spec.selector.matchLabels);
    }
  });

  test('writes no password as a literal: every password variable reads a Secret, directly or as a file of a mounted Secret, and no Secret is in the manifests', () => {
    expect(ofKind(manifests, 'Secret')).toEqual([]);
    const passwords = podsOf(manifests).flatMap(pod => [...pod.initContainers ?? [], ...pod.containers].flatMap(container =>
      (container.env ?? []).filter((e: any) => /pass|pwd|secret/i.test(e.name)).map((e: any) => ({ pod, container, e }))));
    expect(passwords.length).toBeGreaterThan(0);
    for (const { pod, container, e } of passwords) {
      if (e.value === undefined) {
        expect(e.valueFrom.secretKeyRef.name).toMatch(/\S/);
        continue;
      }
      // A `*_FILE` variable: the path of a file in a Secret volume mounted into this very container.
      const mount = (container.volumeMounts ?? []).find((m: any) => e.value.startsWith(`${m.mountPath}/`));
      const volume = (pod.volumes ?? []).find((v: any) => v.name === mount?.name);
      expect({ name: e.name, fromSecretVolume: volume?.secret?.secretName !== undefined })
        .toEqual({ name: expect.stringMatching(/_FILE$/), fromSecretVolume: true });
    }
    // Nor in a config file or script: a password is only ever referenced.
    for (const cm of ofKind(manifests, 'ConfigMap')) {
      for (const text of Object.values<string>(cm.data ?? {})) expect(text).not.toMatch(/password\s*(=|:\s|')\s*['"]?\w/i);
    }
  });
});

describe('highload', () => {
  const manifests = synthApp('highload');
  const ns = 'highload-dns';

  test('puts every object in the namespace highload-dns, which enforces Pod Security "restricted"', () => {
    const namespace = named(manifests, 'Namespace', ns);
    expect(namespace.metadata.labels).toEqual({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    for (const m of manifests.filter(o => o.kind !== 'Namespace')) expect(`${m.kind}/${m.metadata.name} in ${m.metadata.namespace}`).toBe(`${m.kind}/${m.metadata.name} in ${ns}`);
  });

  test('runs 2 backend replicas with /health probes, reading from PostgreSQL through HAProxy', () => {
    const backend = named(manifests, 'Deployment', 'backend');
    expect(backend.spec.replicas).toBe(2);
    const c = podSpec(backend).containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health', port: 8000, scheme: 'HTTP' });
    // Liveness asks less than readiness (kube-score pod-probes-identical), with the homework's timings.
    expect(c.livenessProbe).toEqual({ tcpSocket: { port: 8000 }, failureThreshold: 3, initialDelaySeconds: 10, periodSeconds: 10 });
    expect(envOf(c)).toEqual({
      DB_HOST: `postgres-haproxy.${ns}.svc`,
      DB_PORT: '5432',
      DB_USER: 'app',
      DB_NAME: 'appdb',
      DB_PASSWORD: { secretKeyRef: { name: 'highload-postgres', key: 'password' } },
    });
    const haproxy = named(manifests, 'Service', 'postgres-haproxy');
    expect(haproxy.spec.selector).toEqual(named(manifests, 'Deployment', 'postgres-haproxy').spec.selector.matchLabels);
  });

  test('gives the backend a headless Service that nginx, configured from a ConfigMap, proxies to', () => {
    const headless = named(manifests, 'Service', 'backend-headless');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.selector).toEqual(named(manifests, 'Deployment', 'backend').spec.selector.matchLabels);
    const conf = named(manifests, 'ConfigMap', 'nginx-config').data['nginx.conf'];
    expect(conf).toContain(`set $backend backend-headless.${ns}.svc.cluster.local;`);
    const nginx = podSpec(named(manifests, 'Deployment', 'nginx'));
    expect(nginx.containers[0].volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/nginx/nginx.conf', subPath: 'nginx.conf' });
    expect(nginx.volumes).toContainEqual({ name: 'config', configMap: { name: 'nginx-config' } });
  });

  test('replicates PostgreSQL: a primary and 2 streaming replicas that HAProxy finds by DNS', () => {
    expect(named(manifests, 'StatefulSet', 'postgres-primary').spec.replicas).toBe(1);
    expect(named(manifests, 'StatefulSet', 'postgres-replicas').spec.replicas).toBe(2);
    expect(named(manifests, 'ConfigMap', 'postgres-haproxy').data['haproxy.cfg'])
      .toContain('server-template replica 4 "postgres-replicas.${NAMESPACE}.svc.cluster.local:5432"');
  });
});

describe('webgatos-sessions', () => {
  const manifests = synthApp('webgatos-sessions');

  test('shares the sessions of the MySQL variant through the db Service, with the root password from a Secret', () => {
    const webapp = named(manifests, 'Deployment', 'webapp', 'webgatos-mysql');
    expect(webapp.spec.replicas).toBe(2);
    expect(envOf(podSpec(webapp).containers[0])).toEqual({
      DATABASE_HOST: 'db.webgatos-mysql.svc',
      DATABASE_PORT: '3306',
      DATABASE_SCHEMA: 'webapp_db',
      DATABASE_PASS: { secretKeyRef: { name: 'webgatos-db', key: 'password' } },
    });
    const pod = podSpec(named(manifests, 'StatefulSet', 'db', 'webgatos-mysql'));
    const mysql = pod.containers[0];
    expect(envOf(mysql).MYSQL_ROOT_PASSWORD).toBeUndefined();
    expect(envOf(mysql).MYSQL_ROOT_PASSWORD_FILE).toBe('/run/secrets/mysql/password');
    expect(mysql.volumeMounts).toContainEqual({ name: 'secrets', mountPath: '/run/secrets/mysql', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'secrets', secret: { secretName: 'webgatos-db', defaultMode: 0o440, items: [{ key: 'password', path: 'password' }] } });
  });

  test('probes MySQL\'s readiness over TCP and its liveness over its socket, never with a bare TCP connection', () => {
    const mysql = podSpec(named(manifests, 'StatefulSet', 'db', 'webgatos-mysql')).containers[0];
    expect(mysql.readinessProbe.exec.command).toEqual(['mysqladmin', 'ping', '--host=127.0.0.1']);
    expect(mysql.livenessProbe).toEqual({
      exec: { command: ['mysqladmin', 'ping', '--socket=/var/run/mysqld/mysqld.sock'] },
      failureThreshold: 6,
      periodSeconds: 10,
      timeoutSeconds: 5,
    });
  });

  test('gets the web app ready on its page and keeps it alive on its port, in both variants', () => {
    for (const namespace of ['webgatos-mysql', 'default']) {
      const c = podSpec(named(manifests, 'Deployment', 'webapp', namespace)).containers[0];
      expect({ namespace, readiness: c.readinessProbe.httpGet, liveness: c.livenessProbe.tcpSocket })
        .toEqual({ namespace, readiness: { path: '/', port: 8080, scheme: 'HTTP' }, liveness: { port: 8080 } });
    }
  });

  test('grants Hazelcast discovery only namespaced read rights, to the app\'s own ServiceAccount', () => {
    expect(ofKind(manifests, 'ClusterRole')).toEqual([]);
    expect(ofKind(manifests, 'ClusterRoleBinding')).toEqual([]);
    const role = named(manifests, 'Role', 'hazelcast-discovery', 'default');
    for (const rule of role.rules) expect(rule.verbs.sort()).toEqual(['get', 'list']);
    expect(role.rules.flatMap((r: any) => r.resources).sort()).toEqual(['endpoints', 'endpointslices', 'pods']);
    const binding = named(manifests, 'RoleBinding', 'hazelcast-discovery', 'default');
    expect(binding.subjects).toEqual([expect.objectContaining({ kind: 'ServiceAccount', name: 'webapp' })]);
    const pod = podSpec(named(manifests, 'Deployment', 'webapp', 'default'));
    expect(pod.serviceAccountName).toBe('webapp');
    expect(pod.automountServiceAccountToken).toBe(true);
  });

  test('keeps the Hazelcast member port inside the cluster', () => {
    const hazelcast = named(manifests, 'Service', 'hazelcast-service', 'default');
    expect(hazelcast.spec.type).toBe('ClusterIP');
    expect(hazelcast.spec.clusterIP).toBe('None');
    expect(hazelcast.spec.ports).toEqual([{ name: 'tcp-hazelcast', port: 5701, targetPort: 5701 }]);
  });
});

describe('calculator step 07', () => {
  const manifests = synthApp('calculator');

  test('points the backend at its PostgreSQL StatefulSet, next to steps 03 to 06', () => {
    const backend = named(manifests, 'Deployment', 'calculator-backend', 'calculator-db');
    expect(backend.spec.replicas).toBe(3);
    expect(envOf(podSpec(backend).containers[0])).toEqual({
      PG_HOST: 'postgresql.calculator-db.svc',
      PG_PORT: '5432',
      PG_USER: 'postgres',
      PG_DATABASE: 'calculator',
      PG_PASSWORD: { secretKeyRef: { name: 'calculator-postgresql', key: 'password' } },
    });
    const postgresql = named(manifests, 'StatefulSet', 'postgresql', 'calculator-db');
    expect(postgresql.spec.serviceName).toBe('postgresql');
    const server = podSpec(postgresql).containers[0];
    expect(envOf(server).POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgresql/password');
    expect(podSpec(postgresql).volumes).toContainEqual({
      name: 'secrets',
      secret: { secretName: 'calculator-postgresql', defaultMode: 0o440, items: [{ key: 'password', path: 'password' }] },
    });
    expect(server.livenessProbe.tcpSocket).toEqual({ port: 5432 });
    expect(server.readinessProbe.exec.command[0]).toBe('pg_isready');
    expect(postgresql.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('1Gi');
    // Steps 03 to 06 are still there, unchanged.
    expect(named(manifests, 'Deployment', 'calculator-backend').metadata.namespace).toBeUndefined();
  });
});

import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ReplicatedPostgres, ReplicatedPostgresProps, ResilientStatefulSet } from '../../lib';
import { DEFAULT_RESOURCES_JSON, ofKind, podSpec, synthValid } from '../util';

function synth(props: Partial<ReplicatedPostgresProps> = {}, chart: Chart = Testing.chart()) {
  const pg = new ReplicatedPostgres(chart, 'pg', { secret: kplus.Secret.fromSecretName(chart, 'secret', 'pg-passwords'), ...props });
  const manifests = synthValid(chart);
  const named = (kind: string, obj: any) => manifests.find(m => m.kind === kind && m.metadata.name === obj.name);
  return {
    pg,
    manifests,
    primary: named('StatefulSet', pg.primary),
    replicas: named('StatefulSet', pg.readReplicas),
    haproxy: named('Deployment', pg.haproxy),
    haproxyCfg: named('ConfigMap', pg.haproxyConfig).data['haproxy.cfg'] as string,
    initScript: named('ConfigMap', pg.initScripts).data['10-replication.sh'] as string,
  };
}

const env = (container: any, name: string) => container.env.find((e: any) => e.name === name);

describe('ReplicatedPostgres: what it builds', () => {
  test('builds a primary, streaming replicas and HAProxy that all pass the validator under Pod Security "restricted"', () => {
    const { manifests, pg } = synth();
    expect(ofKind(manifests, 'StatefulSet')).toHaveLength(2);
    expect(ofKind(manifests, 'Deployment')).toHaveLength(1);
    expect(ofKind(manifests, 'Service')).toHaveLength(3);
    expect(ofKind(manifests, 'ConfigMap')).toHaveLength(2);
    expect(ofKind(manifests, 'PodDisruptionBudget')).toHaveLength(2);
    expect(pg.primary).toBeInstanceOf(ResilientStatefulSet);
    expect(pg.readReplicas).toBeInstanceOf(ResilientStatefulSet);
  });

  test('governs each StatefulSet by a headless Service of the same chart and namespace', () => {
    const { manifests, primary, replicas, pg } = synth({ namespace: 'db' });
    for (const [set, service] of [[primary, pg.primaryService], [replicas, pg.readReplicasService]] as const) {
      const svc = manifests.find(m => m.kind === 'Service' && m.metadata.name === set.spec.serviceName);
      expect(svc.metadata.name).toBe(service.name);
      expect(svc.spec.clusterIP).toBe('None');
      expect(svc.metadata.namespace).toBe('db');
      expect(svc.spec.selector).toEqual(set.spec.selector.matchLabels);
      expect(svc.spec.ports).toEqual([{ name: 'postgres', port: 5432, targetPort: 5432 }]);
    }
  });

  test('runs the primary as the image\'s UID 999 with its data on its own volume and its passwords from the Secret', () => {
    const { primary } = synth();
    const spec = podSpec(primary);
    expect(primary.spec.replicas).toBe(1);
    expect(spec.securityContext).toEqual(expect.objectContaining({ runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true }));
    const c = spec.containers[0];
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts.map((m: any) => m.mountPath))
      .toEqual(['/tmp', '/var/run/postgresql', '/run/secrets/postgres', '/docker-entrypoint-initdb.d', '/var/lib/postgresql/data']);
    expect(env(c, 'PGDATA')).toEqual({ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' });
    // Executable, so that the entrypoint runs the script rather than sourcing it.
    expect(spec.volumes.find((v: any) => v.name === 'init').configMap.defaultMode).toBe(0o555);
  });

  test('mounts the primary\'s passwords as files of the Secret, read-only to the postgres group, never as environment variables', () => {
    const { primary } = synth();
    const spec = podSpec(primary);
    const c = spec.containers[0];
    expect(c.volumeMounts).toEqual(expect.arrayContaining([{ name: 'secrets', mountPath: '/run/secrets/postgres', readOnly: true }]));
    expect(spec.volumes.find((v: any) => v.name === 'secrets')).toEqual({
      name: 'secrets',
      secret: {
        secretName: 'pg-passwords',
        defaultMode: 0o440,
        items: [{ key: 'password', path: 'password' }, { key: 'replication-password', path: 'replication-password' }],
      },
    });
    expect(c.env.filter((e: any) => /PASSWORD/.test(e.name))).toEqual([
      { name: 'POSTGRES_PASSWORD_FILE', value: '/run/secrets/postgres/password' },
      { name: 'REPLICATION_PASSWORD_FILE', value: '/run/secrets/postgres/replication-password' },
    ]);
  });

  test('probes readiness with pg_isready and liveness with a bare TCP connection, which asks less', () => {
    const { primary, replicas } = synth();
    for (const set of [primary, replicas]) {
      const c = podSpec(set).containers[0];
      const isReady = ['pg_isready', '--host=127.0.0.1', '--port=5432', '--username=app', '--dbname=appdb'];
      expect(c.readinessProbe).toEqual({ exec: { command: isReady }, failureThreshold: 3, periodSeconds: 5, timeoutSeconds: 5 });
      expect(c.livenessProbe).toEqual({ tcpSocket: { port: 5432 }, failureThreshold: 6, periodSeconds: 10, timeoutSeconds: 5 });
      expect(c.startupProbe).toEqual({ exec: { command: isReady }, failureThreshold: 60, periodSeconds: 5, timeoutSeconds: 5 });
    }
  });

  test('creates the replication role and its pg_hba rule once, its password read from the mounted file', () => {
    const { initScript } = synth();
    expect(initScript).toContain('CREATE ROLE :"role" WITH REPLICATION LOGIN PASSWORD :\'password\';');
    expect(initScript).toContain('--set=role="$REPLICATION_USER" --set=password="$(< "$REPLICATION_PASSWORD_FILE")"');
    expect(initScript).toContain('echo "host replication $REPLICATION_USER all scram-sha-256" >> "$PGDATA/pg_hba.conf"');
  });

  test('clones the primary into each empty replica volume, then starts the replicas in parallel as hot standbys', () => {
    const { replicas, pg } = synth();
    expect(replicas.spec.podManagementPolicy).toBe('Parallel');
    expect(replicas.spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['data']);
    const clone = podSpec(replicas).initContainers[0];
    expect(clone.name).toBe('clone-primary');
    expect(clone.volumeMounts).toEqual([
      { name: 'data', mountPath: '/var/lib/postgresql/data' },
      { name: 'secrets', mountPath: '/run/secrets/postgres', readOnly: true },
    ]);
    expect(env(clone, 'PRIMARY_HOST')).toEqual({ name: 'PRIMARY_HOST', value: pg.primaryService.name });
    expect(podSpec(replicas).volumes.find((v: any) => v.name === 'secrets')).toEqual({
      name: 'secrets',
      secret: { secretName: 'pg-passwords', defaultMode: 0o440, items: [{ key: 'replication-password', path: 'replication-password' }] },
    });
    expect(clone.env.filter((e: any) => /PASSWORD/.test(e.name)))
      .toEqual([{ name: 'REPLICATION_PASSWORD_FILE', value: '/run/secrets/postgres/replication-password' }]);
    const script = clone.command[2];
    expect(script).toContain('PGPASSWORD="$(< "$REPLICATION_PASSWORD_FILE")"\nexport PGPASSWORD\n');
    expect(script).toContain('if [ -s "$PGDATA/PG_VERSION" ]; then');
    expect(script).toContain('--wal-method=stream --write-recovery-conf');
    expect(podSpec(replicas).containers[0].env).toEqual([{ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' }]);
  });

  test('balances reads over the replicas found by DNS, checking each speaks PostgreSQL', () => {
    const { haproxyCfg, pg } = synth({ name: 'postgres' });
    expect(haproxyCfg).toContain('    server-template replica 4 "postgres-replicas.${NAMESPACE}.svc.cluster.local:5432" check resolvers k8s resolve-prefer ipv4 init-addr none');
    expect(haproxyCfg).toContain('    bind :5432');
    expect(haproxyCfg).toContain('    monitor fail if { nbsrv(replicas) lt 1 }');
    const hex = /tcp-check send-binary ([0-9a-f]+)/.exec(haproxyCfg)![1];
    const packet = Buffer.from(hex, 'hex');
    expect(packet.readUInt32BE(0)).toBe(packet.length);
    expect(packet.readUInt32BE(4)).toBe(196608);
    expect(packet.subarray(8).toString('utf8')).toBe('user\0app\0database\0appdb\0\0');
    expect(pg.port).toBe(5432);
  });

  test('gives HAProxy its config from the ConfigMap, its namespace from the downward API and a read Service', () => {
    const { haproxy, manifests, pg } = synth();
    const c = podSpec(haproxy).containers[0];
    expect(c.image).toBe('haproxy:3.0.5');
    expect(c.volumeMounts).toEqual([{ name: 'config', mountPath: '/usr/local/etc/haproxy' }]);
    expect(podSpec(haproxy).volumes).toEqual([{ name: 'config', configMap: { name: pg.haproxyConfig.name } }]);
    expect(env(c, 'NAMESPACE')).toEqual({ name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 8404, scheme: 'HTTP' });
    const read = manifests.find(m => m.kind === 'Service' && m.metadata.name === pg.readService.name);
    expect(read.spec.clusterIP).toBeUndefined();
    expect(read.spec.ports).toEqual([{ name: 'postgres', port: 5432, targetPort: 5432 }]);
    expect(read.spec.selector).toEqual(haproxy.spec.selector.matchLabels);
  });

  test('writes no password into any manifest', () => {
    const { manifests } = synth();
    expect(ofKind(manifests, 'Secret')).toEqual([]);
    const containers = manifests.filter(m => m.spec?.template).flatMap(m => [...podSpec(m).initContainers ?? [], ...podSpec(m).containers]);
    expect(containers.flatMap(c => c.env ?? []).filter((v: any) => /PASS/.test(v.name))).toEqual([
      { name: 'POSTGRES_PASSWORD_FILE', value: '/run/secrets/postgres/password' },
      { name: 'REPLICATION_PASSWORD_FILE', value: '/run/secrets/postgres/replication-password' },
      { name: 'REPLICATION_PASSWORD_FILE', value: '/run/secrets/postgres/replication-password' },
    ]);
    const secretVolumes = manifests.filter(m => m.spec?.template).flatMap(m => podSpec(m).volumes ?? []).filter((v: any) => v.secret);
    expect(secretVolumes.map((v: any) => v.secret.secretName)).toEqual(['pg-passwords', 'pg-passwords']);
  });
});

describe('ReplicatedPostgres defaults', () => {
  test('names its roles, database and Secret keys app, appdb, replicator, password and replication-password', () => {
    const { pg, primary } = synth();
    expect([pg.user, pg.database, pg.replicationUser, pg.passwordKey, pg.replicationPasswordKey])
      .toEqual(['app', 'appdb', 'replicator', 'password', 'replication-password']);
    const c = podSpec(primary).containers[0];
    expect(env(c, 'POSTGRES_USER').value).toBe('app');
    expect(env(c, 'POSTGRES_DB').value).toBe('appdb');
    expect(env(c, 'REPLICATION_USER').value).toBe('replicator');
  });

  test('runs 2 replicas, with a disruption budget, and 4 HAProxy server slots', () => {
    const { replicas, manifests, haproxyCfg, pg } = synth();
    expect(replicas.spec.replicas).toBe(2);
    expect(pg.maxReadReplicas).toBe(4);
    expect(haproxyCfg).toMatch(/server-template replica 4 /);
    const budgets = ofKind(manifests, 'PodDisruptionBudget');
    expect(budgets.some(b => JSON.stringify(b.spec.selector.matchLabels) === JSON.stringify(replicas.spec.selector.matchLabels))).toBe(true);
  });

  test('runs postgres:16.4 and haproxy:3.0.5, pulled if not present', () => {
    const { primary, replicas, haproxy } = synth();
    for (const c of [...podSpec(primary).containers, ...podSpec(replicas).initContainers, ...podSpec(replicas).containers]) {
      expect(c.image).toBe('postgres:16.4');
    }
    expect(podSpec(primary).containers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(podSpec(haproxy).containers[0].imagePullPolicy).toBe('IfNotPresent');
  });

  test('runs 2 HAProxy replicas with a disruption budget', () => {
    const { haproxy, manifests } = synth();
    expect(haproxy.spec.replicas).toBe(2);
    expect(ofKind(manifests, 'PodDisruptionBudget').some(b => JSON.stringify(b.spec.selector.matchLabels) === JSON.stringify(haproxy.spec.selector.matchLabels))).toBe(true);
  });

  test('gives every PostgreSQL pod a 1Gi volume from the default StorageClass', () => {
    const { primary, replicas } = synth();
    for (const set of [primary, replicas]) {
      expect(set.spec.volumeClaimTemplates).toEqual([{
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      }]);
    }
  });

  test('gives PostgreSQL 250m/256Mi requests and 1000m/512Mi limits, HAProxy the library defaults', () => {
    const { primary, replicas, haproxy } = synth();
    for (const c of [...podSpec(primary).containers, ...podSpec(replicas).initContainers, ...podSpec(replicas).containers]) {
      expect(c.resources).toEqual({
        requests: { 'cpu': '250m', 'memory': '256Mi', 'ephemeral-storage': '1Gi' },
        limits: { 'cpu': '1000m', 'memory': '512Mi', 'ephemeral-storage': '2Gi' },
      });
    }
    expect(podSpec(haproxy).containers[0].resources).toEqual(DEFAULT_RESOURCES_JSON);
  });

  test('lets cdk8s name the objects, in the chart\'s namespace, by default', () => {
    const app = Testing.app();
    const { manifests } = synth({}, new Chart(app, 'highload', { namespace: 'highload-dns' }));
    for (const m of manifests) {
      expect(m.metadata.name).toMatch(/^highload-pg-/);
      expect(m.metadata.namespace).toBe('highload-dns');
    }
  });

  test('resolves the replicas in the cluster.local domain by default', () => {
    expect(synth().haproxyCfg).toMatch(/\.\$\{NAMESPACE\}\.svc\.cluster\.local:5432"/);
  });
});

describe('ReplicatedPostgres options', () => {
  test('uses the given names, namespace, roles, keys, images, sizes and resources', () => {
    const { manifests, primary, replicas, haproxy, haproxyCfg } = synth({
      name: 'postgres',
      namespace: 'highload-dns',
      user: 'shop',
      database: 'orders',
      replicationUser: 'repl',
      passwordKey: 'shop-password',
      replicationPasswordKey: 'repl-password',
      replicas: 3,
      maxReadReplicas: 5,
      image: 'postgres:16.3',
      haproxyImage: 'haproxy:3.0.4',
      haproxyReplicas: 3,
      storage: Size.gibibytes(20),
      storageClassName: 'fast-ssd',
      resources: {
        cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(2000) },
        memory: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
      },
      haproxyResources: {
        cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(200) },
        memory: { request: Size.mebibytes(64), limit: Size.mebibytes(64) },
      },
      clusterDomain: 'corp.internal',
    });
    expect(manifests.map(m => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`).sort()).toEqual([
      'ConfigMap/highload-dns/postgres-haproxy',
      'ConfigMap/highload-dns/postgres-primary-init',
      'Deployment/highload-dns/postgres-haproxy',
      'NetworkPolicy/highload-dns/postgres-haproxy',
      'NetworkPolicy/highload-dns/postgres-primary',
      'NetworkPolicy/highload-dns/postgres-replicas',
      'PodDisruptionBudget/highload-dns/postgres-haproxy',
      'PodDisruptionBudget/highload-dns/postgres-replicas',
      'Service/highload-dns/postgres-haproxy',
      'Service/highload-dns/postgres-primary',
      'Service/highload-dns/postgres-replicas',
      'StatefulSet/highload-dns/postgres-primary',
      'StatefulSet/highload-dns/postgres-replicas',
    ]);
    const c = podSpec(primary).containers[0];
    expect(c.image).toBe('postgres:16.3');
    expect(c.resources).toEqual({
      requests: { 'cpu': '500m', 'memory': '1024Mi', 'ephemeral-storage': '1Gi' },
      limits: { 'cpu': '2000m', 'memory': '1024Mi', 'ephemeral-storage': '2Gi' },
    });
    expect(env(c, 'POSTGRES_USER').value).toBe('shop');
    expect(env(c, 'POSTGRES_PASSWORD_FILE').value).toBe('/run/secrets/postgres/shop-password');
    expect(env(c, 'REPLICATION_PASSWORD_FILE').value).toBe('/run/secrets/postgres/repl-password');
    expect(podSpec(primary).volumes.find((v: any) => v.name === 'secrets').secret.items)
      .toEqual([{ key: 'repl-password', path: 'repl-password' }, { key: 'shop-password', path: 'shop-password' }]);
    expect(c.readinessProbe.exec.command).toContain('--dbname=orders');
    expect(replicas.spec.replicas).toBe(3);
    expect(replicas.spec.volumeClaimTemplates[0].spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'fast-ssd', resources: { requests: { storage: '20Gi' } } });
    expect(env(podSpec(replicas).initContainers[0], 'REPLICATION_USER').value).toBe('repl');
    expect(haproxy.spec.replicas).toBe(3);
    expect(podSpec(haproxy).containers[0].image).toBe('haproxy:3.0.4');
    expect(podSpec(haproxy).containers[0].resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '64Mi' } });
    expect(haproxyCfg).toContain('server-template replica 5 "postgres-replicas.${NAMESPACE}.svc.corp.internal:5432"');
  });
});

describe('ReplicatedPostgres: refused input', () => {
  const make = (props: Partial<ReplicatedPostgresProps>, chart: Chart = Testing.chart()) => () =>
    new ReplicatedPostgres(chart, 'pg', { secret: kplus.Secret.fromSecretName(chart, 'secret', 'pg-passwords'), ...props });

  test('refuses a :latest image unless allowLatestImage is set', () => {
    expect(make({ image: 'postgres:latest' })).toThrow(
      'ReplicatedPostgres \'test/pg\': \'image\' ("postgres:latest") must be pinned with a tag other than "latest" or a digest');
    expect(make({ haproxyImage: 'haproxy' })).toThrow('ReplicatedPostgres \'test/pg\': \'haproxyImage\' ("haproxy") must be pinned with a tag or a digest');
    expect(make({ image: 'postgres:latest', haproxyImage: 'haproxy', allowLatestImage: true })).not.toThrow();
  });

  test('refuses fewer than 1 replica', () => {
    expect(make({ replicas: 0 })).toThrow('ReplicatedPostgres \'test/pg\': \'replicas\' (0) must be a whole number >= 1: HAProxy balances reads over the replicas');
    expect(make({ replicas: 1.5 })).toThrow('\'replicas\' (1.5) must be a whole number >= 1');
  });

  test('refuses fewer HAProxy slots than replicas', () => {
    expect(make({ replicas: 3, maxReadReplicas: 2 })).toThrow('ReplicatedPostgres \'test/pg\': \'maxReadReplicas\' (2) must be a whole number >= 3');
  });

  test('refuses fewer than 1 HAProxy replica', () => {
    expect(make({ haproxyReplicas: 0 })).toThrow('ReplicatedPostgres \'test/pg\': \'haproxyReplicas\' (0) must be a whole number >= 1');
  });

  test('refuses a volume size that is not a quantity', () => {
    expect(make({ storage: Size.gibibytes(NaN) })).toThrow('ReplicatedPostgres \'test/pg\': \'storage\' (NaNGi) must be a positive quantity, such as Size.gibibytes(1)');
  });

  test('refuses an image reference with whitespace', () => {
    expect(make({ haproxyImage: 'haproxy 3.0' }))
      .toThrow('ReplicatedPostgres \'test/pg\': \'haproxyImage\' ("haproxy 3.0") must be a container image reference such as "registry/name:tag"');
  });

  test('refuses a role or database name that is not a plain PostgreSQL identifier', () => {
    expect(make({ user: 'App-User' })).toThrow('ReplicatedPostgres \'test/pg\': \'user\' ("App-User") must be a PostgreSQL identifier: '
      + 'at most 63 lower-case letters, digits and \'_\', not starting with a digit');
    expect(make({ database: '1db' })).toThrow('\'database\' ("1db") must be a PostgreSQL identifier');
  });

  test('refuses a replication role that is the database owner', () => {
    expect(make({ user: 'repl', replicationUser: 'repl' }))
      .toThrow('ReplicatedPostgres \'test/pg\': \'replicationUser\' ("repl") must differ from \'user\': the replicas need a role of their own');
  });

  test('refuses one Secret key for both passwords', () => {
    expect(make({ replicationPasswordKey: 'password' }))
      .toThrow('ReplicatedPostgres \'test/pg\': \'replicationPasswordKey\' ("password") must differ from \'passwordKey\': each role has its own password');
  });

  test('refuses a Secret key with characters a Secret cannot hold', () => {
    expect(make({ passwordKey: 'pass/word' })).toThrow('ReplicatedPostgres \'test/pg\': \'passwordKey\' ("pass/word") must be a Secret key');
  });

  test('refuses a Secret that writes a password into the manifest', () => {
    const chart = Testing.chart();
    const secret = new kplus.Secret(chart, 'literal', { metadata: { name: 'pg-passwords' }, stringData: { 'replication-password': 'repl' } });
    expect(make({ secret }, chart)).toThrow('ReplicatedPostgres \'test/pg\': \'secret\' ("pg-passwords") must not hold \'replication-password\' in its data');
  });

  test('refuses a name that cannot prefix Service names', () => {
    expect(make({ name: '9postgres' })).toThrow('ReplicatedPostgres \'test/pg\': \'name\' ("9postgres") must be at most 43 lower-case letters, digits and \'-\', '
      + 'starting with a letter and ending with a letter or digit (it prefixes Service names, and the StatefulSet \'<name>-replicas\' must stay within 52 characters)');
  });

  test('refuses a name whose StatefulSet "<name>-replicas" would be too long for its controller-revision-hash label', () => {
    expect(make({ name: 'p'.repeat(44) })).toThrow(`ReplicatedPostgres 'test/pg': 'name' ("${'p'.repeat(44)}") must be at most 43 lower-case letters`);
    expect(make({ name: 'p'.repeat(43) })).not.toThrow();
  });

  test('refuses a namespace or cluster domain that is not a DNS name', () => {
    expect(make({ namespace: 'High_Load' })).toThrow('ReplicatedPostgres \'test/pg\': \'namespace\' ("High_Load") must be a DNS label');
    expect(make({ clusterDomain: 'cluster local' }))
      .toThrow('ReplicatedPostgres \'test/pg\': \'clusterDomain\' ("cluster local") must be a DNS name such as "cluster.local"');
  });

  test('refuses a limit below its request', () => {
    expect(make({ resources: { memory: { request: Size.mebibytes(512), limit: Size.mebibytes(256) } } }))
      .toThrow('ReplicatedPostgres \'test/pg\': \'resources.memory.limit\' (256Mi) must be >= \'resources.memory.request\' (512Mi)');
  });
});

test('ReplicatedPostgres refuses Service names generated from a chart id that starts with a digit, and takes a name', () => {
  const chart = new Chart(Testing.app(), '2048');
  expect(() => new ReplicatedPostgres(chart, 'pg', { secret: kplus.Secret.fromSecretName(chart, 'secret', 'pg-passwords') })).toThrow(
    /^ReplicatedPostgres '2048\/pg': 'name' \("2048-pg-primaryservice-[a-z0-9]+"\) must be a DNS-1035 label \(starting with a letter\) to name a Service: this name was generated from the chart id and construct path; set 'name'/);
  new ReplicatedPostgres(chart, 'named', { name: 'db', secret: kplus.Secret.fromSecretName(chart, 'secret2', 'pg-passwords') });
});

import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ScalableBackend, SessionAffinity, SessionStore, SessionStoreProps } from '../../lib';
import { only, podSpec, synthValid } from '../util';

function dbService(chart: Chart, ports: kplus.ServicePort[] = [{ port: 3306 }], namespace?: string) {
  return new kplus.Service(chart, 'db', { metadata: namespace ? { name: 'db', namespace } : { name: 'db' }, clusterIP: 'None', ports });
}

function store(props: Partial<SessionStoreProps> = {}, chart: Chart = Testing.chart()) {
  return new SessionStore(chart, 'sessions', {
    service: props.service ?? dbService(chart),
    passwordSecret: kplus.Secret.fromSecretName(chart, 'secret', 'webapp-db'),
    ...props,
  });
}

/** The env of a backend wired to the store, as synthesized (and validated). */
function wiredEnv(chart: Chart, s: SessionStore): any[] {
  new ScalableBackend(chart, 'web', { image: 'registry.example/web:1.0.0', containerPort: 8080, env: s.env });
  return podSpec(only(synthValid(chart), 'Deployment')).containers[0].env;
}

describe('SessionStore', () => {
  test('passes host, port and the password from the Secret as DB_HOST, DB_PORT and DB_PASSWORD by default', () => {
    const chart = Testing.chart();
    const s = store({}, chart);
    expect(wiredEnv(chart, s)).toEqual([
      { name: 'DB_HOST', value: 'db' },
      { name: 'DB_PORT', value: '3306' },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'webapp-db', key: 'password' } } },
    ]);
    expect(s.passwordKey).toBe('password');
  });

  test('uses the Service\'s namespaced DNS name when the Service has a namespace', () => {
    const chart = Testing.chart();
    expect(store({ service: dbService(chart, [{ port: 3306 }], 'shop') }, chart).host).toBe('db.shop.svc');
  });

  test('uses the Service\'s first port by default and another of its ports when asked', () => {
    const chart = Testing.chart();
    const service = dbService(chart, [{ port: 3306, name: 'mysql' }, { port: 33060, name: 'mysqlx' }]);
    expect(store({ service }, chart).port).toBe(3306);
    const other = Testing.chart();
    expect(store({ service: dbService(other, [{ port: 3306 }, { port: 33060 }]), port: 33060 }, other).port).toBe(33060);
  });

  test('sets the user and database only when given, under the names the app reads', () => {
    const chart = Testing.chart();
    const s = store({
      user: 'root',
      database: 'webapp_db',
      passwordKey: 'root-password',
      host: 'db.example.internal',
      envNames: { host: 'DATABASE_HOST', port: 'DATABASE_PORT', user: 'DATABASE_USER', password: 'DATABASE_PASS', database: 'DATABASE_SCHEMA' },
    }, chart);
    expect(wiredEnv(chart, s)).toEqual([
      { name: 'DATABASE_HOST', value: 'db.example.internal' },
      { name: 'DATABASE_PORT', value: '3306' },
      { name: 'DATABASE_PASS', valueFrom: { secretKeyRef: { name: 'webapp-db', key: 'root-password' } } },
      { name: 'DATABASE_USER', value: 'root' },
      { name: 'DATABASE_SCHEMA', value: 'webapp_db' },
    ]);
  });

  test('names the user and database DB_USER and DB_NAME by default', () => {
    expect(Object.keys(store({ user: 'app', database: 'appdb' }).env)).toEqual(['DB_HOST', 'DB_PORT', 'DB_PASSWORD', 'DB_USER', 'DB_NAME']);
  });

  test('binds the variables to a container added later', () => {
    const chart = Testing.chart();
    const s = store({}, chart);
    const backend = new ScalableBackend(chart, 'web', { image: 'registry.example/web:1.0.0', containerPort: 8080 });
    s.bind(backend.deployment.containers[0]);
    const env = podSpec(only(synthValid(chart), 'Deployment')).containers[0].env;
    expect(env.map((e: any) => e.name)).toEqual(['DB_HOST', 'DB_PORT', 'DB_PASSWORD']);
  });

  test('refuses a Secret that holds the password in the manifest', () => {
    const chart = Testing.chart();
    const literal = new kplus.Secret(chart, 'literal', { metadata: { name: 'webapp-db' }, stringData: { password: 'hunter2' } });
    expect(() => store({ passwordSecret: literal }, chart)).toThrow('SessionStore \'test/sessions\': \'passwordSecret\' ("webapp-db") must not hold '
      + '\'password\' in its data: the password would be written into the manifest; create the Secret out of band and reference it with kplus.Secret.fromSecretName');
  });

  test('refuses a password key that is not a Secret key', () => {
    expect(() => store({ passwordKey: 'pass word' }))
      .toThrow('SessionStore \'test/sessions\': \'passwordKey\' ("pass word") must be a Secret key: letters, digits, \'-\', \'_\' and \'.\'');
  });

  test('refuses a port the Service does not have', () => {
    expect(() => store({ port: 5432 })).toThrow('SessionStore \'test/sessions\': \'port\' (5432) must be a port of the Service \'db\' (3306)');
    expect(() => store({ port: 70000 })).toThrow('SessionStore \'test/sessions\': \'port\' (70000) must be a port number: a whole number from 1 to 65535');
  });

  test('refuses a Service without ports when no port is given', () => {
    const chart = Testing.chart();
    expect(() => store({ service: dbService(chart, []) }, chart))
      .toThrow('SessionStore \'test/sessions\': \'port\' (undefined) must be given: the Service \'db\' has no port');
  });

  test('refuses a host that is not a DNS name', () => {
    expect(() => store({ host: 'DB Host' }))
      .toThrow('SessionStore \'test/sessions\': \'host\' ("DB Host") must be a DNS name (lower-case letters, digits, \'-\' and \'.\')');
  });

  test('refuses a variable name that is not an environment variable name', () => {
    expect(() => store({ envNames: { host: 'DB-HOST' } })).toThrow('SessionStore \'test/sessions\': \'envNames.host\' ("DB-HOST") must be an '
      + 'environment variable name: letters, digits and \'_\', not starting with a digit');
  });

  test('refuses two variables of the same name', () => {
    expect(() => store({ envNames: { port: 'DB_HOST' } }))
      .toThrow('SessionStore \'test/sessions\': \'envNames.port\' ("DB_HOST") must differ from \'envNames.host\': each variable is set once');
    // An unset variable cannot clash.
    expect(store({ envNames: { host: 'DB_USER' } }).env.DB_USER).toBeDefined();
  });
});

describe('SessionAffinity', () => {
  function service(chart: Chart) {
    return new kplus.Service(chart, 'web', { metadata: { name: 'web' }, ports: [{ port: 8080 }] });
  }

  test('sends each client IP to the same pod for 3 hours by default, as Kubernetes does', () => {
    const chart = Testing.chart();
    SessionAffinity.clientIp(service(chart));
    const svc = only(synthValid(chart), 'Service');
    expect(svc.spec.sessionAffinity).toBe('ClientIP');
    expect(svc.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
  });

  test('uses the given timeout, from 1 second up to one day', () => {
    for (const [timeout, seconds] of [[Duration.minutes(30), 1800], [Duration.seconds(1), 1], [Duration.days(1), 86400]] as const) {
      const chart = Testing.chart();
      SessionAffinity.clientIp(service(chart), timeout);
      expect(only(synthValid(chart), 'Service').spec.sessionAffinityConfig.clientIP.timeoutSeconds).toBe(seconds);
    }
  });

  test('refuses a timeout outside 1 to 86400 seconds', () => {
    expect(() => SessionAffinity.clientIp(service(Testing.chart()), Duration.seconds(86401)))
      .toThrow('Service \'test/web\': \'timeout\' (86401s) must be a whole number of seconds from 1s to 86400s');
    expect(() => SessionAffinity.clientIp(service(Testing.chart()), Duration.seconds(0)))
      .toThrow('Service \'test/web\': \'timeout\' (0s) must be a whole number of seconds from 1s to 86400s');
    expect(() => SessionAffinity.clientIp(service(Testing.chart()), Duration.millis(1500)))
      .toThrow('Service \'test/web\': \'timeout\' (1.5s) must be a whole number of seconds from 1s to 86400s');
  });

  test('refuses a headless Service, which kube-proxy does not balance', () => {
    const chart = Testing.chart();
    const headless = new kplus.Service(chart, 'web', { clusterIP: 'None', ports: [{ port: 8080 }] });
    expect(() => SessionAffinity.clientIp(headless, Duration.minutes(5)))
      .toThrow('Service \'test/web\': \'clusterIP\' ("None") must not be "None" for session affinity: kube-proxy does not balance headless Services');
  });
});

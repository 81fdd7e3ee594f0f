import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkPort, propError, requireProps, Subject, subjectOf } from '../core/validation';

/**
 * The names of the environment variables a `SessionStore` sets; every app reads its own.
 */
export interface SessionStoreEnvNames {
  /**
   * The variable holding the database host.
   * @default 'DB_HOST'
   */
  readonly host?: string;

  /**
   * The variable holding the database port.
   * @default 'DB_PORT'
   */
  readonly port?: string;

  /**
   * The variable holding the user name (set only when `user` is given).
   * @default 'DB_USER'
   */
  readonly user?: string;

  /**
   * The variable holding the password, always read from the Secret.
   * @default 'DB_PASSWORD'
   */
  readonly password?: string;

  /**
   * The variable holding the database name (set only when `database` is given).
   * @default 'DB_NAME'
   */
  readonly database?: string;
}

/**
 * Props of `SessionStore`.
 */
export interface SessionStoreProps {
  /**
   * The database Service every replica connects to.
   */
  readonly service: kplus.Service;

  /**
   * The Secret holding the password. Create it out of band (`kubectl create secret generic ...`, an external
   * secrets operator…) and reference it with `kplus.Secret.fromSecretName`: a Secret with the password in its data
   * is refused, because the password would be written into the manifest.
   */
  readonly passwordSecret: kplus.ISecret;

  /**
   * The key of the password in the Secret.
   * @default 'password'
   */
  readonly passwordKey?: string;

  /**
   * The database port; must be one of the Service's ports.
   * @default - the Service's first port
   */
  readonly port?: number;

  /**
   * The host name the app connects to.
   * @default - the Service's DNS name: `<name>.<namespace>.svc`, or `<name>` when it has no namespace
   */
  readonly host?: string;

  /**
   * The user name (not a secret).
   * @default - no user variable
   */
  readonly user?: string;

  /**
   * The database (or schema) holding the sessions.
   * @default - no database variable
   */
  readonly database?: string;

  /**
   * The names of the environment variables.
   * @default - DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME
   */
  readonly envNames?: SessionStoreEnvNames;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * A shared session store for a scaled web app: the connection to a database Service (host, port, user, database)
 * as environment variables, with the password read from a Secret, never written as a literal. Every replica then
 * finds the sessions any other replica created, so the app keeps working with 2 or more replicas.
 *
 * Creates no Kubernetes object: pass `env` to a workload (`ScalableBackend`'s `env`) or call `bind(container)`.
 *
 * @example
 * const store = new SessionStore(chart, 'sessions', {
 *   service: db.service,
 *   passwordSecret: kplus.Secret.fromSecretName(chart, 'db-secret', 'webapp-db'),
 *   database: 'sessions',
 * });
 * new ScalableBackend(chart, 'web', { image: 'registry/web:1.0.0', containerPort: 8080, env: store.env });
 */
export class SessionStore extends Construct {
  /**
   * Refuses a Secret that would write the password into the manifest. Shared by the constructs that read
   * credentials from Secrets.
   * @internal
   */
  public static _checkOutOfBand(subject: Subject, prop: string, secret: kplus.ISecret, key: string): void {
    if (secret instanceof kplus.Secret && secret.getStringData(key) !== undefined) {
      throw propError(subject, prop, secret.name,
        `must not hold '${key}' in its data: the password would be written into the manifest; create the Secret out of band and reference it with kplus.Secret.fromSecretName`);
    }
  }

  /** @internal */
  public static _checkSecretKey(subject: Subject, prop: string, key: string | undefined): void {
    if (key !== undefined && !SECRET_KEY.test(key)) {
      throw propError(subject, prop, key, 'must be a Secret key: letters, digits, \'-\', \'_\' and \'.\'');
    }
  }

  /** @internal */
  public static _validate(subject: Subject, props: SessionStoreProps): void {
    SessionStore._checkSecretKey(subject, 'passwordKey', props.passwordKey);
    SessionStore._checkOutOfBand(subject, 'passwordSecret', props.passwordSecret, props.passwordKey ?? 'password');
    checkPort(subject, 'port', props.port);
    const ports = props.service.ports.map(p => p.port);
    if (props.port === undefined && ports.length === 0) {
      throw propError(subject, 'port', undefined, `must be given: the Service '${props.service.name}' has no port`);
    }
    if (props.port !== undefined && ports.length > 0 && !ports.includes(props.port)) {
      throw propError(subject, 'port', props.port, `must be a port of the Service '${props.service.name}' (${ports.join(', ')})`);
    }
    if (props.host !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(props.host)) {
      throw propError(subject, 'host', props.host, 'must be a DNS name (lower-case letters, digits, \'-\' and \'.\')');
    }
    // Only the variables that are set can clash.
    const names = Object.entries(SessionStore.envNamesOf(props.envNames))
      .filter(([field]) => !(field === 'user' && props.user === undefined) && !(field === 'database' && props.database === undefined));
    for (const [field, name] of names) {
      if (!ENV_NAME.test(name)) {
        throw propError(subject, `envNames.${field}`, name, 'must be an environment variable name: letters, digits and \'_\', not starting with a digit');
      }
      const first = names.find(([, other]) => other === name)![0];
      if (first !== field) {
        throw propError(subject, `envNames.${field}`, name, `must differ from 'envNames.${first}': each variable is set once`);
      }
    }
  }

  private static envNamesOf(names: SessionStoreEnvNames = {}): Required<SessionStoreEnvNames> {
    return {
      host: names.host ?? 'DB_HOST',
      port: names.port ?? 'DB_PORT',
      user: names.user ?? 'DB_USER',
      password: names.password ?? 'DB_PASSWORD',
      database: names.database ?? 'DB_NAME',
    };
  }

  /** The resolved host. */
  public readonly host: string;
  /** The resolved port. */
  public readonly port: number;
  /** The resolved key of the password in the Secret. */
  public readonly passwordKey: string;
  /** The environment variables: host, port, user and database as values, the password from the Secret. */
  public readonly env: { [name: string]: kplus.EnvValue };

  constructor(scope: Construct, id: string, props: SessionStoreProps) {
    super(scope, id);
    const subject = subjectOf(this);
    requireProps(subject, props, 'service', 'passwordSecret');
    SessionStore._validate(subject, props);
    const { service } = props;
    const namespace = service.metadata.namespace;
    this.host = props.host ?? (namespace ? `${service.name}.${namespace}.svc` : service.name);
    this.port = props.port ?? service.ports[0].port;
    this.passwordKey = props.passwordKey ?? 'password';

    const names = SessionStore.envNamesOf(props.envNames);
    const env: { [name: string]: kplus.EnvValue } = {
      [names.host]: kplus.EnvValue.fromValue(this.host),
      [names.port]: kplus.EnvValue.fromValue(String(this.port)),
      [names.password]: kplus.EnvValue.fromSecretValue({ secret: props.passwordSecret, key: this.passwordKey }),
    };
    if (props.user !== undefined) env[names.user] = kplus.EnvValue.fromValue(props.user);
    if (props.database !== undefined) env[names.database] = kplus.EnvValue.fromValue(props.database);
    this.env = env;
  }

  /**
   * Adds the variables to a container (one added after its workload was built, for instance).
   */
  public bind(container: kplus.Container): void {
    for (const [name, value] of Object.entries(this.env)) container.env.addVariable(name, value);
  }
}


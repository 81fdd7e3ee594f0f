import { createHash } from 'crypto';
import { ApiObject, Chart, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkDnsLabel, checkImage, checkResources, checkWholeNumber, checkWholeSeconds, propError, Subject, subjectOf } from '../core/validation';
import { ResilientDeployment } from '../workload/resilient-deployment';

/**
 * kube-monkey's debug mode (`[debug]` in config.toml), to see an install work without waiting for the schedule.
 * Not for normal operation.
 */
export interface KubeMonkeyDebugOptions {
  /**
   * Time after kube-monkey starts before it builds a schedule.
   * @default Duration.seconds(30) (kube-monkey's default)
   */
  readonly scheduleDelay?: Duration;

  /**
   * Schedule a kill for every enrolled workload (a kill probability of 1 instead of 1 / mtbf).
   * @default false
   */
  readonly forceShouldKill?: boolean;

  /**
   * Schedule kills within the next minute instead of between `startHour` and `endHour`: kube-monkey then attacks
   * about every 60 seconds.
   * @default false
   */
  readonly scheduleImmediateKill?: boolean;
}

/**
 * Props of `KubeMonkey`.
 */
export interface KubeMonkeyProps {
  /**
   * Only log the kills kube-monkey would make. Set to `false` to really kill pods.
   * @default true
   */
  readonly dryRun?: boolean;

  /**
   * Hour of the weekday (0–23, in `timeZone`) when kube-monkey builds the day's schedule; before `startHour`.
   * @default 8
   */
  readonly runHour?: number;

  /**
   * Earliest hour (0–23) a pod may be killed; before `endHour`.
   * @default 10
   */
  readonly startHour?: number;

  /**
   * Hour (0–23) after which no pod is killed.
   * @default 16
   */
  readonly endHour?: number;

  /**
   * The tz database time zone of the hours, e.g. `Europe/Madrid`.
   * @default 'UTC' (kube-monkey's own default, America/Los_Angeles, is written out nowhere and surprises)
   */
  readonly timeZone?: string;

  /**
   * The only namespaces where kube-monkey may kill (`whitelisted_namespaces`; recent kube-monkey versions accept
   * shell patterns such as `team-*`).
   * @default - every namespace
   */
  readonly namespaces?: string[];

  /**
   * Namespaces where kube-monkey never kills (`blacklisted_namespaces`); they win over `namespaces`.
   * @default ['kube-system']
   */
  readonly excludedNamespaces?: string[];

  /**
   * How long a killed pod may take to shut down before it is force-killed.
   * @default Duration.seconds(5) (kube-monkey's default)
   */
  readonly gracePeriod?: Duration;

  /**
   * Debug mode.
   * @default - off
   */
  readonly debug?: KubeMonkeyDebugOptions;

  /**
   * The namespace kube-monkey runs in.
   * @default - the chart's namespace, else 'kube-system'
   */
  readonly namespace?: string;

  /**
   * The kube-monkey image.
   * @default KubeMonkey.DEFAULT_IMAGE
   */
  readonly image?: string;

  /**
   * Accept an image tagged `:latest` or not tagged at all (which means `:latest`), which changes under a running
   * workload.
   * @default false - images must be pinned by a tag other than `latest` or by a digest
   */
  readonly allowLatestImage?: boolean;

  /**
   * glog verbosity of the log (0–10; 5 shows every scheduling decision).
   * @default 5
   */
  readonly logVerbosity?: number;

  /**
   * Requests and limits of the container.
   * @default WorkloadDefaults.RESOURCES
   */
  readonly resources?: kplus.ContainerResources;
}

/**
 * kube-monkey (asobti/kube-monkey): on weekdays it kills pods of the workloads enrolled with `ChaosTarget`. Its
 * Deployment (1 replica, hardened, Pod Security "restricted") reads `config.toml` from a ConfigMap built from the
 * props, and its ServiceAccount is bound to a ClusterRole with only what kube-monkey uses: get/list/watch on
 * deployments, replicasets, statefulsets, daemonsets and namespaces, and get/list/watch/delete on pods.
 *
 * `dryRun` is true by default: kube-monkey only logs what it would kill until you set it to false.
 *
 * @example
 * new KubeMonkey(chart, 'kube-monkey', { dryRun: false, timeZone: 'Europe/Madrid' });
 */
export class KubeMonkey extends Construct {
  /** The default image, as in kube-monkey's example manifest. */
  public static readonly DEFAULT_IMAGE = 'ayushsobti/kube-monkey:v0.4.0';

  /** Where kube-monkey reads its configuration. */
  public static readonly CONFIG_DIR = '/etc/kube-monkey';

  /** @internal */
  public static _validate(subject: Subject, props: KubeMonkeyProps): void {
    const runHour = props.runHour ?? 8;
    const startHour = props.startHour ?? 10;
    const endHour = props.endHour ?? 16;
    checkWholeNumber(subject, 'runHour', props.runHour, 0, 23);
    checkWholeNumber(subject, 'startHour', props.startHour, 0, 23);
    checkWholeNumber(subject, 'endHour', props.endHour, 0, 23);
    if (runHour >= startHour) {
      throw propError(subject, 'runHour', runHour, `must be before 'startHour' (${startHour}): kube-monkey refuses to start otherwise`);
    }
    if (startHour >= endHour) {
      throw propError(subject, 'startHour', startHour, `must be before 'endHour' (${endHour}): kube-monkey refuses to start otherwise`);
    }
    if (props.timeZone !== undefined && !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(props.timeZone)) {
      throw propError(subject, 'timeZone', props.timeZone, 'must be a tz database name such as "Europe/Madrid" or "UTC"');
    }
    for (const [prop, list] of [['namespaces', props.namespaces], ['excludedNamespaces', props.excludedNamespaces]] as const) {
      for (const ns of list ?? []) {
        if (!/^[a-z0-9*?]([-a-z0-9*?]*[a-z0-9*?])?$/.test(ns) || ns.length > 63) {
          throw propError(subject, prop, ns, 'must hold namespace names or shell patterns of them (lower-case letters, digits, \'-\', \'*\', \'?\')');
        }
      }
    }
    // config.toml holds whole seconds.
    checkWholeSeconds(subject, 'gracePeriod', props.gracePeriod, 0);
    checkWholeSeconds(subject, 'debug.scheduleDelay', props.debug?.scheduleDelay, 0);
    checkDnsLabel(subject, 'namespace', props.namespace);
    checkImage(subject, 'image', props.image, props.allowLatestImage);
    checkWholeNumber(subject, 'logVerbosity', props.logVerbosity, 0, 10);
    checkResources(subject, 'resources', props.resources);
  }

  private static toml(props: KubeMonkeyProps, dryRun: boolean): string {
    const lines = [
      '[kubemonkey]',
      `dry_run = ${dryRun}`,
      `run_hour = ${props.runHour ?? 8}`,
      `start_hour = ${props.startHour ?? 10}`,
      `end_hour = ${props.endHour ?? 16}`,
      `time_zone = ${tomlString(props.timeZone ?? 'UTC')}`,
      // [""] is kube-monkey's "every namespace".
      `whitelisted_namespaces = ${tomlArray(props.namespaces?.length ? props.namespaces : [''])}`,
      `blacklisted_namespaces = ${tomlArray(props.excludedNamespaces ?? ['kube-system'])}`,
      `graceperiod_sec = ${(props.gracePeriod ?? Duration.seconds(5)).toSeconds()}`,
    ];
    if (props.debug) {
      lines.push('', '[debug]', 'enabled = true',
        `schedule_delay = ${(props.debug.scheduleDelay ?? Duration.seconds(30)).toSeconds()}`,
        `force_should_kill = ${props.debug.forceShouldKill ?? false}`,
        `schedule_immediate_kill = ${props.debug.scheduleImmediateKill ?? false}`);
    }
    return lines.join('\n') + '\n';
  }

  /** The Deployment. */
  public readonly deployment: ResilientDeployment;
  /** The ConfigMap holding `config.toml`. */
  public readonly configMap: kplus.ConfigMap;
  /** The ServiceAccount. */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** The ClusterRole. */
  public readonly clusterRole: kplus.ClusterRole;
  /** The binding of the ClusterRole to the ServiceAccount. */
  public readonly clusterRoleBinding: kplus.ClusterRoleBinding;
  /** The resolved namespace. */
  public readonly namespace: string;
  /** The resolved dry-run setting. */
  public readonly dryRun: boolean;
  /** The generated `config.toml`. */
  public readonly configToml: string;

  constructor(scope: Construct, id: string, props: KubeMonkeyProps = {}) {
    super(scope, id);
    KubeMonkey._validate(subjectOf(this), props);
    this.namespace = props.namespace ?? Chart.of(this).namespace ?? 'kube-system';
    this.dryRun = props.dryRun ?? true;
    this.configToml = KubeMonkey.toml(props, this.dryRun);
    const metadata = { namespace: this.namespace };

    this.configMap = new kplus.ConfigMap(this, 'Config', { metadata, data: { 'config.toml': this.configToml } });
    // The ClusterRoleBinding must name the ServiceAccount's namespace, hence an explicit one.
    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata, automountToken: true });
    this.clusterRole = new kplus.ClusterRole(this, 'ClusterRole');
    this.clusterRole.allow(['get', 'list', 'watch'],
      kplus.ApiResource.DEPLOYMENTS, kplus.ApiResource.REPLICA_SETS, kplus.ApiResource.STATEFUL_SETS,
      kplus.ApiResource.DAEMON_SETS, kplus.ApiResource.NAMESPACES);
    this.clusterRole.allow(['get', 'list', 'watch', 'delete'], kplus.ApiResource.PODS);
    this.clusterRoleBinding = this.clusterRole.bind(this.serviceAccount);
    if (Chart.of(this).namespace) {
      // cdk8s gives every object the chart's namespace; cluster-scoped objects have none.
      for (const o of [this.clusterRole, this.clusterRoleBinding]) ApiObject.of(o).addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    }

    const config = kplus.Volume.fromConfigMap(this, 'ConfigVolume', this.configMap, { name: 'config' });
    this.deployment = new ResilientDeployment(this, 'Deployment', {
      metadata,
      allowLatestImage: props.allowLatestImage,
      podMetadata: {
        labels: { 'app.kubernetes.io/name': 'kube-monkey' },
        // A changed config.toml rolls the pod: old kube-monkey versions read it only at start.
        annotations: { 'cdk8s-resilience/config-hash': createHash('sha256').update(this.configToml).digest('hex').slice(0, 16) },
      },
      replicas: 1,
      strategy: kplus.DeploymentStrategy.recreate(),
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: true,
      containers: [{
        name: 'kube-monkey',
        image: props.image ?? KubeMonkey.DEFAULT_IMAGE,
        command: ['/kube-monkey'],
        // glog writes log files unless told otherwise; the root filesystem is read-only, and kubectl logs is enough.
        args: [`-v=${props.logVerbosity ?? 5}`, '-logtostderr=true'],
        resources: props.resources,
        volumeMounts: [{ path: KubeMonkey.CONFIG_DIR, volume: config, readOnly: true }],
      }],
    });
  }
}


/** A TOML basic string: quotes, backslashes and control characters escaped. */
function tomlString(value: string): string {
  const escaped = value.replace(/[\\"\u0000-\u001f\u007f]/g, c => {
    switch (c) {
      case '\\': return '\\\\';
      case '"': return '\\"';
      case '\n': return '\\n';
      case '\t': return '\\t';
      case '\r': return '\\r';
      default: return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
  return `"${escaped}"`;
}

function tomlArray(values: string[]): string {
  return `[${values.map(tomlString).join(', ')}]`;
}

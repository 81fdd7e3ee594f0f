import { Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  checkDnsLabel, checkImage, checkLabelKey, checkLabelValue, checkResources, checkWholeSeconds, propError, requireProps, Subject, subjectOf,
} from '../core/validation';
import { PodSecurity, PodSecurityOptions } from '../workload/pod-security';
import { ResilientDeployment } from '../workload/resilient-deployment';

/**
 * Props of `PodChaosMonkey`.
 */
export interface PodChaosMonkeyProps {
  /**
   * The labels of the pods to kill (all must match), e.g. `{ app: 'webapp' }`. Must not be empty (that would kill
   * every pod of the namespace) and must not match the monkey's own pods.
   */
  readonly selector: { [key: string]: string };

  /**
   * Time between two kills: one random running pod matching `selector` is deleted after each interval. Whole
   * seconds, at least 1 s.
   * @default Duration.seconds(30) (the pod chaos monkey's `DELAY`)
   */
  readonly interval?: Duration;

  /**
   * The namespace of the pods to kill. The monkey, its ServiceAccount and its Role live there too, so that it
   * needs no ClusterRole.
   * @default - the chart's namespace (the namespace the manifests are applied to when the chart has none)
   */
  readonly namespace?: string;

  /**
   * The container image. The default command needs `/bin/sh`, `kubectl`, `shuf` and `sleep` in it, and `kubectl`
   * must work as any non-root UID with `HOME=/tmp`; a replacement image with its own `command` must kill pods as
   * told by the environment variables `NAMESPACE`, `SELECTOR` (a label selector such as `app=webapp`) and
   * `INTERVAL_SECONDS`, using the pod's ServiceAccount token.
   * @default PodChaosMonkey.DEFAULT_IMAGE
   */
  readonly image?: string;

  /**
   * Accept an image tagged `:latest` or not tagged at all (which means `:latest`), which changes under a running
   * workload.
   * @default false - images must be pinned by a tag other than `latest` or by a digest
   */
  readonly allowLatestImage?: boolean;

  /**
   * The container's command.
   * @default - a `/bin/sh -c` loop: sleep `INTERVAL_SECONDS`, then `kubectl delete` one random Running pod matching
   * `SELECTOR` in `NAMESPACE`, for ever
   */
  readonly command?: string[];

  /**
   * Requests and limits of the container.
   * @default WorkloadDefaults.RESOURCES
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * Security settings of the container.
   * @default - Pod Security "restricted" (see `PodSecurityOptions`)
   */
  readonly security?: PodSecurityOptions;
}

/**
 * The workshops' pod chaos monkey (jnewland/kubernetes-pod-chaos-monkey) as a construct: a one-replica Deployment
 * that every `interval` deletes one random running pod matching a label selector in one namespace. It may only
 * get, list and delete pods of that namespace (a Role, no ClusterRole) and never matches its own pods.
 *
 * @example
 * new PodChaosMonkey(chart, 'killer', { selector: { app: 'webapp' }, interval: Duration.seconds(15) });
 */
export class PodChaosMonkey extends Construct {
  /**
   * The default image: Alpine with `kubectl` 1.30, a shell and `shuf`.
   */
  public static readonly DEFAULT_IMAGE = 'alpine/k8s:1.30.4';

  /** The label every monkey pod carries; a selector matching it is refused. */
  public static readonly NAME_LABEL = 'app.kubernetes.io/name';

  /** @internal */
  public static _validate(subject: Subject, props: PodChaosMonkeyProps): void {
    const entries = Object.entries(props.selector);
    if (entries.length === 0) {
      throw propError(subject, 'selector', '{}', 'must name at least one label: an empty selector would kill every pod of the namespace');
    }
    for (const [key, value] of entries) {
      checkLabelKey(subject, 'selector', key);
      checkLabelValue(subject, `selector.${key}`, value);
    }
    if (entries.every(([k, v]) => k === PodChaosMonkey.NAME_LABEL && v === 'pod-chaos-monkey')) {
      throw propError(subject, 'selector', `${PodChaosMonkey.NAME_LABEL}=pod-chaos-monkey`, 'must not match the monkey\'s own pods');
    }
    checkWholeSeconds(subject, 'interval', props.interval, 1);
    checkDnsLabel(subject, 'namespace', props.namespace);
    checkImage(subject, 'image', props.image, props.allowLatestImage);
    if (props.command !== undefined && props.command.length === 0) {
      throw propError(subject, 'command', '[]', 'must not be empty');
    }
    checkResources(subject, 'resources', props.resources);
    PodSecurity._validate(subject, props.security);
  }

  // Sleeps first, so that a restarted monkey does not kill at once; a failed kubectl call is retried next round.
  private static readonly SCRIPT = [
    'while true; do',
    '  sleep "$INTERVAL_SECONDS"',
    '  pod=$(kubectl get pods -n "$NAMESPACE" -l "$SELECTOR" --field-selector=status.phase=Running -o name | shuf -n 1)',
    '  if [ -n "$pod" ]; then kubectl delete -n "$NAMESPACE" "$pod" --wait=false; fi',
    'done',
  ].join('\n');

  /** The monkey's Deployment. */
  public readonly deployment: ResilientDeployment;
  /** Its ServiceAccount. */
  public readonly serviceAccount: kplus.ServiceAccount;
  /** The Role allowing get, list and delete on pods. */
  public readonly role: kplus.Role;
  /** The binding of the Role to the ServiceAccount. */
  public readonly roleBinding: kplus.RoleBinding;
  /** The resolved interval. */
  public readonly interval: Duration;
  /** The label selector, as `kubectl -l` reads it. */
  public readonly selector: string;

  constructor(scope: Construct, id: string, props: PodChaosMonkeyProps) {
    super(scope, id);
    requireProps(subjectOf(this), props, 'selector');
    PodChaosMonkey._validate(subjectOf(this), props);
    this.interval = props.interval ?? Duration.seconds(30);
    this.selector = Object.entries(props.selector).map(([k, v]) => `${k}=${v}`).join(',');
    const namespace = props.namespace ?? Chart.of(this).namespace;
    const metadata = namespace ? { namespace } : {};

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', { metadata, automountToken: true });
    this.role = new kplus.Role(this, 'Role', { metadata });
    this.role.allow(['get', 'list', 'delete'], kplus.ApiResource.PODS);
    this.roleBinding = new kplus.RoleBinding(this, 'RoleBinding', { metadata, role: this.role });
    this.roleBinding.addSubjects(this.serviceAccount);

    this.deployment = new ResilientDeployment(this, 'Deployment', {
      metadata,
      allowLatestImage: props.allowLatestImage,
      podMetadata: { labels: { [PodChaosMonkey.NAME_LABEL]: 'pod-chaos-monkey' } },
      replicas: 1,
      // Never two monkeys at once during a rollout.
      strategy: kplus.DeploymentStrategy.recreate(),
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: true,
      security: props.security,
      containers: [{
        name: 'monkey',
        image: props.image ?? PodChaosMonkey.DEFAULT_IMAGE,
        command: props.command ?? ['/bin/sh', '-c', PodChaosMonkey.SCRIPT],
        resources: props.resources,
        envVariables: {
          NAMESPACE: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE),
          SELECTOR: kplus.EnvValue.fromValue(this.selector),
          INTERVAL_SECONDS: kplus.EnvValue.fromValue(String(this.interval.toSeconds())),
          // kubectl caches API discovery under $HOME; the root filesystem is read-only.
          HOME: kplus.EnvValue.fromValue('/tmp'),
        },
      }],
    });
    this.deployment.containers[0].mount('/tmp', kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp'));
  }
}

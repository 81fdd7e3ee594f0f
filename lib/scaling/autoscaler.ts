import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { VerticalAutoscaler, VerticalAutoscalingOptions, VerticalResource } from './vertical-autoscaler';
import { DEFAULTS } from '../core/defaults';
import { metricSpec, replicasPolicy } from '../core/plus-internals';
import { compact } from '../core/util';
import { needsValidation, prevalidated } from '../core/validated';
import { checkWholeNumber, checkWholeSeconds, propError, requireProps, Subject, subjectOf, verbatim } from '../core/validation';
import * as keda from '../imports/keda.sh';

/**
 * Event-driven scaling with KEDA: a `keda.sh/v1alpha1` ScaledObject instead of a HorizontalPodAutoscaler. KEDA
 * creates and owns the HPA itself, so a workload has one or the other, never both.
 *
 * @see https://keda.sh/docs/latest/reference/scaledobject-spec/
 */
export interface KedaScalingOptions {
  /**
   * What KEDA scales on (at least one): `cron`, `prometheus`, `rabbitmq`, `cpu`, `memory`… A `cpu` or `memory`
   * trigger with `metricType` Utilization (KEDA's default) needs the matching request on every container.
   * @see https://keda.sh/docs/latest/scalers/
   */
  readonly triggers: keda.ScaledObjectSpecTriggers[];

  /**
   * How often KEDA checks each trigger.
   * @default Duration.seconds(30)
   */
  readonly pollingInterval?: Duration;

  /**
   * How long after the last active trigger KEDA waits before scaling to zero (only with `minReplicas` 0).
   * @default Duration.minutes(5)
   */
  readonly cooldownPeriod?: Duration;

  /**
   * The replica count to hold when a trigger's source keeps failing.
   * @default - none: while a source fails, KEDA keeps the current replica count
   */
  readonly fallback?: keda.ScaledObjectSpecFallback;
}

/**
 * How a workload scales horizontally. Shared by `AutoscaledDeployment`, `Autoscaler` and `ScalableBackend`.
 */
export interface AutoscalingOptions {
  /**
   * The fewest replicas. The disruption budget is sized for it (a PodDisruptionBudget is created whenever
   * `maxReplicas` is 2 or more, even from `minReplicas` 1).
   * 0 (scale to zero) only with `keda` and an event trigger other than cpu or memory.
   * @default 2
   */
  readonly minReplicas?: number;

  /**
   * The most replicas.
   */
  readonly maxReplicas: number;

  /**
   * Target average CPU use, in percent of the containers' CPU requests (may exceed 100). Every container must
   * request CPU.
   * @default - 80 when neither `memoryUtilizationPercent`, `metrics` nor `keda` is set (the Kubernetes default,
   * written out); otherwise none
   */
  readonly cpuUtilizationPercent?: number;

  /**
   * Target average memory use, in percent of the containers' memory requests. Every container must request memory.
   * @default - none
   */
  readonly memoryUtilizationPercent?: number;

  /**
   * Further metrics, e.g. `kplus.Metric.pods(...)` or `kplus.Metric.external(...)`. The autoscaler follows whichever
   * metric asks for the most replicas.
   * @default - none
   */
  readonly metrics?: kplus.Metric[];

  /**
   * How fast it scales up. Unset fields take the default.
   * @default - the Kubernetes defaults, written out: no stabilization window; every 15 seconds the larger of
   * +100% and +4 pods (selectPolicy Max)
   */
  readonly scaleUp?: kplus.ScalingRules;

  /**
   * How fast it scales down. Unset fields take the default.
   * @default - the Kubernetes defaults, written out: a 5-minute stabilization window; then up to 100% of the surplus
   * pods every 15 seconds (selectPolicy Max)
   */
  readonly scaleDown?: kplus.ScalingRules;

  /**
   * Scale on KEDA triggers with a ScaledObject instead of an HPA. Cannot be combined with
   * `cpuUtilizationPercent`, `memoryUtilizationPercent` or `metrics`: use KEDA's own triggers.
   * @default - none: a HorizontalPodAutoscaler scales the workload
   */
  readonly keda?: KedaScalingOptions;

  /**
   * Also create a VerticalPodAutoscaler in recommendation mode, for the resources the horizontal autoscaler does not
   * scale on.
   * @default - none
   */
  readonly verticalAutoscaling?: VerticalAutoscalingOptions;
}

/**
 * Props of `Autoscaler`.
 */
export interface AutoscalerProps extends AutoscalingOptions {
  /**
   * The Deployment or StatefulSet to scale. It must not set `replicas`: the autoscaler owns the replica count.
   */
  readonly target: kplus.Workload;
}

/** A container whose requests a utilization target depends on, and the prop its resources came from. */
interface ContainerRequests {
  readonly resourcesProp: string;
  readonly name: string;
  readonly resources?: kplus.ContainerResources;
}

/** A utilization target: the prop that set it, its value, the resource and (for ContainerResource) the container. */
interface UtilizationTarget {
  readonly prop: string;
  readonly value: unknown;
  readonly resource: string;
  readonly container?: string;
  readonly defaulted: boolean;
}

interface Analysis {
  readonly targets: UtilizationTarget[];
  readonly scaledOn: Set<string>;
}

const DEFAULT_CPU_PERCENT = 80;
const DEFAULT_POLICY_PERIOD = Duration.seconds(15);
// Kubernetes' default behavior, written out (every value in it is immutable, so one copy serves every autoscaler).
const DEFAULT_SCALE_UP: Required<kplus.ScalingRules> = {
  strategy: kplus.ScalingStrategy.MAX_CHANGE,
  stabilizationWindow: Duration.seconds(0),
  policies: [
    { replicas: kplus.Replicas.percent(100), duration: DEFAULT_POLICY_PERIOD },
    { replicas: kplus.Replicas.absolute(4), duration: DEFAULT_POLICY_PERIOD },
  ],
};
const DEFAULT_SCALE_DOWN: Required<kplus.ScalingRules> = {
  strategy: kplus.ScalingStrategy.MAX_CHANGE,
  stabilizationWindow: Duration.minutes(5),
  policies: [{ replicas: kplus.Replicas.percent(100), duration: DEFAULT_POLICY_PERIOD }],
};

// The target types the API server accepts for each metric type, and the cdk8s-plus factory of each.
const ALLOWED_TARGETS: Record<string, string[]> = {
  Pods: ['AverageValue'],
  Resource: ['Utilization', 'AverageValue'],
  ContainerResource: ['Utilization', 'AverageValue'],
  Object: ['Value', 'AverageValue'],
  External: ['Value', 'AverageValue'],
};
const TARGET_FACTORIES: Record<string, string> = {
  Utilization: 'MetricTarget.averageUtilization',
  AverageValue: 'MetricTarget.averageValue',
  Value: 'MetricTarget.value',
};

/**
 * The horizontal autoscaler of a Deployment or StatefulSet: an `autoscaling/v2` HorizontalPodAutoscaler built on
 * cdk8s-plus (or a KEDA ScaledObject), refusing the mistakes the workshops made: utilization of a resource some
 * container does not request, `minReplicas` above `maxReplicas`, a target of 0%, a fixed `replicas` on the workload,
 * two autoscalers on one workload, a VPA acting on a resource the HPA scales on.
 *
 * Prefer `AutoscaledDeployment` (or `ScalableBackend`'s `autoscaling`): they also size the disruption budget for
 * `minReplicas`. Use this construct for an existing workload.
 *
 * @example
 * new Autoscaler(chart, 'hpa', { target: deployment, minReplicas: 2, maxReplicas: 10, cpuUtilizationPercent: 60 });
 */
export class Autoscaler extends Construct {
  /**
   * Validates the options before anything is built and returns the resources the workload is scaled on (for the
   * VPA rule). `prefix` names the prop the options came from (e.g. `autoscaling.`); `containers` are the workload's
   * containers with their effective resources.
   * @internal
   */
  public static _validate(subject: Subject, prefix: string, options: AutoscalingOptions,
    containers: Array<{ readonly resourcesProp: string; readonly name: string; readonly resources?: kplus.ContainerResources }>): VerticalResource[] {
    const p = (name: string) => `${prefix}${name}`;
    const kedaOptions = options.keda;
    if (options.minReplicas === 0 && !kedaOptions) {
      throw propError(subject, p('minReplicas'), 0, 'must be >= 1: only \'keda\' with an event trigger can scale to zero');
    }
    checkWholeNumber(subject, p('minReplicas'), options.minReplicas, kedaOptions ? 0 : 1);
    checkWholeNumber(subject, p('maxReplicas'), options.maxReplicas, 1);
    const minReplicas = options.minReplicas ?? DEFAULTS.minReplicas;
    if (minReplicas > options.maxReplicas) {
      const value = options.minReplicas === undefined ? verbatim(`${minReplicas}, the default`) : minReplicas;
      throw propError(subject, p('minReplicas'), value, `must be <= '${p('maxReplicas')}' (${options.maxReplicas})`);
    }
    checkWholeNumber(subject, p('cpuUtilizationPercent'), options.cpuUtilizationPercent, 1);
    checkWholeNumber(subject, p('memoryUtilizationPercent'), options.memoryUtilizationPercent, 1);

    if (kedaOptions) {
      const hpaProps: Array<[string, unknown]> = [
        ['cpuUtilizationPercent', options.cpuUtilizationPercent],
        ['memoryUtilizationPercent', options.memoryUtilizationPercent],
        ['metrics', options.metrics?.length ? verbatim(options.metrics.map(m => m.type).join(', ')) : undefined],
      ];
      for (const [name, value] of hpaProps) {
        if (value === undefined) continue;
        throw propError(subject, p(name), value,
          `cannot be set together with '${p('keda')}': KEDA creates its own HorizontalPodAutoscaler from its triggers, and two autoscalers would fight over the replica count (use a KEDA cpu or memory trigger instead)`);
      }
      Autoscaler.validateKeda(subject, prefix, kedaOptions, minReplicas);
    }
    (options.metrics ?? []).forEach((metric, i) => Autoscaler.checkMetric(subject, `${prefix}metrics[${i}]`, metric, containers));
    const { targets, scaledOn } = Autoscaler.analyze(prefix, options);
    for (const target of targets) Autoscaler.checkRequests(subject, target, containers);

    Autoscaler.validateRules(subject, p('scaleUp'), options.scaleUp);
    Autoscaler.validateRules(subject, p('scaleDown'), options.scaleDown);

    const horizontal = [VerticalResource.CPU, VerticalResource.MEMORY].filter(r => scaledOn.has(r));
    if (options.verticalAutoscaling) {
      VerticalAutoscaler._validate(subject, p('verticalAutoscaling.'), options.verticalAutoscaling, horizontal);
    }
    return horizontal;
  }

  /**
   * The utilization targets and every resource the workload is scaled on, from options `_validate` checked (it
   * checks the targets' requests too).
   */
  private static analyze(prefix: string, options: AutoscalingOptions): Analysis {
    const targets: UtilizationTarget[] = [];
    const scaledOn = new Set<string>();
    if (options.keda) {
      for (const [i, trigger] of options.keda.triggers.entries()) {
        if (trigger.type !== 'cpu' && trigger.type !== 'memory') continue;
        scaledOn.add(trigger.type);
        if ((trigger.metricType ?? 'Utilization') !== 'Utilization') continue;
        targets.push({ prop: `${prefix}keda.triggers[${i}].metadata.value`, value: trigger.metadata.value, resource: trigger.type, container: trigger.metadata.containerName, defaulted: false });
      }
      return { targets, scaledOn };
    }
    const cpu = Autoscaler.cpuPercent(options);
    if (cpu !== undefined) {
      targets.push({ prop: `${prefix}cpuUtilizationPercent`, value: cpu, resource: 'cpu', defaulted: options.cpuUtilizationPercent === undefined });
    }
    if (options.memoryUtilizationPercent !== undefined) {
      targets.push({ prop: `${prefix}memoryUtilizationPercent`, value: options.memoryUtilizationPercent, resource: 'memory', defaulted: false });
    }
    for (const [i, metric] of (options.metrics ?? []).entries()) {
      const target = Autoscaler.utilizationTarget(`${prefix}metrics[${i}]`, metric);
      if (target) targets.push(target);
      const spec = metricSpec(metric);
      const resource = spec.resource?.name ?? spec.containerResource?.name;
      if (resource) scaledOn.add(resource);
    }
    targets.forEach(t => scaledOn.add(t.resource));
    return { targets, scaledOn };
  }

  /** The CPU target: the given one, or the Kubernetes default when nothing else is scaled on. */
  private static cpuPercent(options: AutoscalingOptions): number | undefined {
    if (options.cpuUtilizationPercent !== undefined) return options.cpuUtilizationPercent;
    const other = options.keda || options.memoryUtilizationPercent !== undefined || options.metrics?.length;
    return other ? undefined : DEFAULT_CPU_PERCENT;
  }

  /** Refuses a metric whose target the API server would reject, or whose container the workload does not have. */
  private static checkMetric(subject: Subject, prop: string, metric: kplus.Metric, containers: ContainerRequests[]): void {
    const spec = metricSpec(metric);
    // The API server accepts a Utilization target only on Resource and ContainerResource metrics: a pod, object or
    // external metric has no request to be a percentage of.
    const other = spec.pods ?? spec.object ?? spec.external;
    if (other?.target.type === 'Utilization') {
      throw propError(subject, `${prop}.target`, verbatim(`${spec.type} metric with a Utilization target`),
        'must be a value or an average value (MetricTarget.value or MetricTarget.averageValue): utilization targets are for resource metrics only');
    }
    // The server's other rules on targets: a pods metric is an average per pod; a resource metric is a utilization or
    // an average (a raw total of a resource across pods is meaningless); and every value is positive.
    const allowed = ALLOWED_TARGETS[spec.type];
    const metricTarget = (other ?? spec.resource ?? spec.containerResource)?.target;
    if (allowed && metricTarget && !allowed.includes(metricTarget.type)) {
      throw propError(subject, `${prop}.target`, verbatim(`${spec.type} metric with a ${metricTarget.type} target`),
        `must be ${allowed.map(t => TARGET_FACTORIES[t]).join(' or ')}: the API server accepts no other target for a ${spec.type} metric`);
    }
    for (const field of ['value', 'averageValue'] as const) {
      const quantity = metricTarget?.[field]?.value;
      if (quantity !== undefined && !(Number(quantity) > 0)) {
        throw propError(subject, `${prop}.target.${field}`, quantity, 'must be positive');
      }
    }
    const target = Autoscaler.utilizationTarget(prop, metric);
    if (!target) return;
    checkWholeNumber(subject, target.prop, (target.value as number | undefined) ?? 0, 1);
    if (target.container !== undefined && !containers.some(c => c.name === target.container)) {
      throw propError(subject, prop, target.container,
        `must name a container of the workload (${containers.map(c => JSON.stringify(c.name)).join(', ')})`);
    }
  }

  /** The utilization target of a Resource or ContainerResource metric (none for other targets and metrics). */
  private static utilizationTarget(prop: string, metric: kplus.Metric): UtilizationTarget | undefined {
    const spec = metricSpec(metric);
    const source = spec.resource ?? spec.containerResource;
    if (!source || source.target.type !== 'Utilization') return undefined;
    const container = spec.containerResource?.container;
    return { prop: `${prop}.averageUtilization`, value: source.target.averageUtilization, resource: source.name, container, defaulted: false };
  }

  /** Refuses a utilization target when a container does not request the resource: the HPA would never scale. */
  private static checkRequests(subject: Subject, target: UtilizationTarget, containers: ContainerRequests[]): void {
    for (const c of containers) {
      if (target.container !== undefined && c.name !== target.container) continue;
      if (requests(c.resources, target.resource)) continue;
      const why = target.defaulted ? ' (the default target when no metric is set)' : '';
      throw propError(subject, target.prop, target.value,
        `needs a ${target.resource} request on every container${why}: '${c.resourcesProp}' has none, and utilization is a percentage of the request (without it the autoscaler never scales)`);
    }
  }

  /** Checks the KEDA options (the requests of its utilization triggers are checked with the HPA's). */
  private static validateKeda(subject: Subject, prefix: string, options: KedaScalingOptions, minReplicas: number): void {
    const p = (name: string) => `${prefix}keda.${name}`;
    if (!options.triggers?.length) {
      throw propError(subject, p('triggers'), verbatim('[]'), 'must hold at least one trigger');
    }
    for (const [i, trigger] of options.triggers.entries()) {
      const prop = p(`triggers[${i}]`);
      if (!trigger.type) throw propError(subject, `${prop}.type`, trigger.type ?? '', 'must name a KEDA scaler (e.g. "cron", "prometheus", "cpu")');
      if (trigger.type !== 'cpu' && trigger.type !== 'memory') continue;
      const metricType = trigger.metricType ?? 'Utilization';
      if (metricType !== 'Utilization' && metricType !== 'AverageValue') {
        throw propError(subject, `${prop}.metricType`, metricType, `must be "Utilization" or "AverageValue" for a ${trigger.type} trigger`);
      }
      const value = trigger.metadata?.value;
      if (metricType === 'Utilization' && (!/^[0-9]+$/.test(value ?? '') || Number(value) < 1)) {
        throw propError(subject, `${prop}.metadata.value`, value ?? '', 'must be a whole percentage >= 1, e.g. "60"');
      }
    }
    if (minReplicas === 0 && options.triggers.every(t => t.type === 'cpu' || t.type === 'memory')) {
      throw propError(subject, `${prefix}minReplicas`, 0, 'needs a KEDA trigger other than cpu or memory: resource metrics cannot wake a workload scaled to zero');
    }
    checkWholeSeconds(subject, p('pollingInterval'), options.pollingInterval, 1);
    checkWholeSeconds(subject, p('cooldownPeriod'), options.cooldownPeriod, 0);
  }

  /** The stabilization window and policies Kubernetes accepts (cdk8s-plus checks them too, in its own words). */
  private static validateRules(subject: Subject, prop: string, rules: kplus.ScalingRules | undefined): void {
    if (!rules) return;
    checkWholeSeconds(subject, `${prop}.stabilizationWindow`, rules.stabilizationWindow, 0, 3600);
    if (rules.policies && rules.policies.length === 0) {
      throw propError(subject, `${prop}.policies`, verbatim('[]'), 'must hold at least one policy (omit it for the default)');
    }
    for (const [i, policy] of (rules.policies ?? []).entries()) {
      checkWholeNumber(subject, `${prop}.policies[${i}].replicas`, replicasPolicy(policy.replicas).value, 1);
      checkWholeSeconds(subject, `${prop}.policies[${i}].duration`, policy.duration, 1, 1800);
    }
  }

  /** One direction's rules with the Kubernetes defaults (`defaults`) filled in. */
  private static rules(given: kplus.ScalingRules | undefined, defaults: Required<kplus.ScalingRules>): kplus.ScalingRules {
    return {
      strategy: given?.strategy ?? defaults.strategy,
      stabilizationWindow: given?.stabilizationWindow ?? defaults.stabilizationWindow,
      policies: (given?.policies ?? defaults.policies).map(p => ({ replicas: p.replicas, duration: p.duration ?? DEFAULT_POLICY_PERIOD })),
    };
  }

  /** The HorizontalPodAutoscaler, unless KEDA scales the workload. */
  public readonly horizontalPodAutoscaler?: kplus.HorizontalPodAutoscaler;
  /** The KEDA ScaledObject, when `keda` is set. */
  public readonly scaledObject?: keda.ScaledObject;
  /** The VerticalPodAutoscaler, when `verticalAutoscaling` is set. */
  public readonly verticalAutoscaler?: VerticalAutoscaler;
  /** The resolved fewest replicas. */
  public readonly minReplicas: number;
  /** The most replicas. */
  public readonly maxReplicas: number;
  /** The resolved CPU target, in percent of the requests, if it scales on CPU utilization. */
  public readonly cpuUtilizationPercent?: number;
  /** The resolved scale-up rules. */
  public readonly scaleUp: kplus.ScalingRules;
  /** The resolved scale-down rules. */
  public readonly scaleDown: kplus.ScalingRules;
  /** The resources the workload is scaled on horizontally. */
  public readonly scaledOn: VerticalResource[];
  private readonly utilization: UtilizationTarget[];

  constructor(scope: Construct, id: string, props: AutoscalerProps) {
    super(scope, id);
    const subject = subjectOf(this);
    requireProps(subject, props, 'target', 'maxReplicas');
    const target = props.target;
    if (!isScalable(target)) {
      throw propError(subject, 'target', target.name, `must be a Deployment or StatefulSet (a ${target.kind} has no replica count to scale)`);
    }
    if (target.hasAutoscaler) {
      throw propError(subject, 'target', target.name,
        'already has an autoscaler: a workload takes one HorizontalPodAutoscaler or one KEDA ScaledObject, never two (they would fight over the replica count)');
    }
    const scaling = target.toScalingTarget();
    if (scaling.replicas !== undefined) {
      throw propError(subject, 'target', target.name,
        `must not set 'replicas' (${scaling.replicas}): the autoscaler owns the replica count, and a fixed one would reset it on every apply`);
    }
    const containers = scaling.containers.map((c, i) => ({ resourcesProp: `target.containers[${i}].resources`, name: c.name, resources: c.resources }));
    if (needsValidation(props)) Autoscaler._validate(subject, '', props, containers);
    const analysis = Autoscaler.analyze('', props);
    this.utilization = analysis.targets;
    this.scaledOn = [VerticalResource.CPU, VerticalResource.MEMORY].filter(r => analysis.scaledOn.has(r));
    const vertical = VerticalAutoscaler._verticalResourcesOf(target) ?? [];
    const clash = this.scaledOn.filter(r => vertical.includes(r));
    if (clash.length) {
      throw propError(subject, 'target', target.name,
        `has a VerticalAutoscaler recommending ${clash.join(' and ')}: a horizontal autoscaler must never scale on a resource a VPA acts on`);
    }

    this.minReplicas = props.minReplicas ?? DEFAULTS.minReplicas;
    this.maxReplicas = props.maxReplicas;
    this.scaleUp = Autoscaler.rules(props.scaleUp, DEFAULT_SCALE_UP);
    this.scaleDown = Autoscaler.rules(props.scaleDown, DEFAULT_SCALE_DOWN);
    const metadata = compact({ name: scaling.name, namespace: target.metadata.namespace });

    if (props.keda) {
      this.scaledObject = this.createScaledObject(metadata, scaling, props.keda);
      target.markHasAutoscaler();
    } else {
      this.cpuUtilizationPercent = Autoscaler.cpuPercent(props);
      const metrics: kplus.Metric[] = [];
      if (this.cpuUtilizationPercent !== undefined) {
        metrics.push(kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(this.cpuUtilizationPercent)));
      }
      if (props.memoryUtilizationPercent !== undefined) {
        metrics.push(kplus.Metric.resourceMemory(kplus.MetricTarget.averageUtilization(props.memoryUtilizationPercent)));
      }
      metrics.push(...props.metrics ?? []);
      this.horizontalPodAutoscaler = new kplus.HorizontalPodAutoscaler(this, 'Resource', {
        metadata,
        target,
        minReplicas: this.minReplicas,
        maxReplicas: this.maxReplicas,
        metrics,
        scaleUp: this.scaleUp,
        scaleDown: this.scaleDown,
      });
    }
    VerticalAutoscaler._registerHorizontal(target, this.scaledOn);

    if (props.verticalAutoscaling) {
      // Validated with the other options (by `_validate`, against what the HPA scales on).
      this.verticalAutoscaler = new VerticalAutoscaler(this, 'Vertical', prevalidated({ ...props.verticalAutoscaling, target }));
    }
    // Containers added to the target after this autoscaler, whatever the order of calls, need the same requests.
    this.node.addValidation({
      validate: () => {
        const problems: string[] = [];
        for (const [i, container] of target.containers.entries()) {
          try {
            this._checkContainer(subject, `target.containers[${i}].resources`, container);
          } catch (e) {
            problems.push((e as Error).message);
          }
        }
        return problems;
      },
    });
  }

  /**
   * Refuses a container added to the workload later that lacks a request a utilization target needs.
   * @internal
   */
  public _checkContainer(subject: Subject, resourcesProp: string, container: kplus.Container): void {
    for (const target of this.utilization) {
      Autoscaler.checkRequests(subject, target, [{ resourcesProp, name: container.name, resources: container.resources }]);
    }
  }

  private createScaledObject(metadata: { name?: string; namespace?: string }, scaling: kplus.ScalingTarget,
    options: KedaScalingOptions): keda.ScaledObject {
    const policies = (rules: kplus.ScalingRules) => rules.policies!.map(policy => ({
      ...replicasPolicy(policy.replicas),
      periodSeconds: (policy.duration ?? DEFAULT_POLICY_PERIOD).toSeconds(),
    })) as Array<{ type: string; value: number; periodSeconds: number }>;
    return new keda.ScaledObject(this, 'Resource', {
      metadata,
      spec: {
        scaleTargetRef: { apiVersion: scaling.apiVersion, kind: scaling.kind, name: scaling.name },
        minReplicaCount: this.minReplicas,
        maxReplicaCount: this.maxReplicas,
        pollingInterval: (options.pollingInterval ?? Duration.seconds(30)).toSeconds(),
        cooldownPeriod: (options.cooldownPeriod ?? Duration.minutes(5)).toSeconds(),
        fallback: options.fallback,
        triggers: options.triggers,
        // The same behavior as an HPA of this library: KEDA passes it to the HPA it creates.
        advanced: {
          horizontalPodAutoscalerConfig: {
            behavior: {
              scaleUp: {
                policies: policies(this.scaleUp),
                selectPolicy: this.scaleUp.strategy,
                stabilizationWindowSeconds: this.scaleUp.stabilizationWindow!.toSeconds(),
              },
              scaleDown: {
                policies: policies(this.scaleDown),
                selectPolicy: this.scaleDown.strategy,
                stabilizationWindowSeconds: this.scaleDown.stabilizationWindow!.toSeconds(),
              },
            },
          },
        },
      },
    });
  }
}

function isScalable(target: kplus.Workload): target is kplus.Workload & kplus.IScalable {
  return typeof (target as Partial<kplus.IScalable>).markHasAutoscaler === 'function';
}

/** Whether the resources request `resource` (a Kubernetes resource name). */
function requests(resources: kplus.ContainerResources | undefined, resource: string): boolean {
  switch (resource) {
    case 'cpu': return !!resources?.cpu?.request;
    case 'memory': return !!resources?.memory?.request;
    case 'ephemeral-storage': return !!resources?.ephemeralStorage?.request;
    default: return true;
  }
}

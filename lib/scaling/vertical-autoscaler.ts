import { ApiObject, ApiObjectMetadata, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { metricSpec } from '../core/plus-internals';
import { compact } from '../core/util';
import { needsValidation } from '../core/validated';
import { checkQuantity, cpuMillis, kib, propError, requireProps, Subject, subjectOf, verbatim } from '../core/validation';

/** The resources each workload is scaled on horizontally (recorded by `Autoscaler`) and vertically. */
const HORIZONTAL = new WeakMap<IConstruct, VerticalResource[]>();
const VERTICAL = new WeakMap<IConstruct, VerticalResource[]>();

/**
 * A resource the VerticalPodAutoscaler recommends requests for.
 */
export enum VerticalResource {
  /** CPU requests. */
  CPU = 'cpu',
  /** Memory requests. */
  MEMORY = 'memory',
}

/**
 * What a VerticalPodAutoscaler recommends. It runs in recommendation mode only (`updateMode: Off`): it never evicts
 * or resizes a pod; read its advice with `kubectl describe vpa` and change `resources` deliberately.
 *
 * @see https://github.com/kubernetes/autoscaler/tree/master/vertical-pod-autoscaler
 */
export interface VerticalAutoscalingOptions {
  /**
   * The resources it recommends requests for. It must never include a resource a horizontal autoscaler of the same
   * workload scales on: the VPA would resize the very request the HPA's utilization is a percentage of.
   * @default - CPU and MEMORY, less the resources a horizontal autoscaler of the workload scales on
   */
  readonly controlledResources?: VerticalResource[];

  /**
   * The lowest CPU request it recommends.
   * @default - no lower bound
   */
  readonly minCpu?: kplus.Cpu;

  /**
   * The highest CPU request it recommends.
   * @default - no upper bound
   */
  readonly maxCpu?: kplus.Cpu;

  /**
   * The lowest memory request it recommends.
   * @default - no lower bound
   */
  readonly minMemory?: Size;

  /**
   * The highest memory request it recommends.
   * @default - no upper bound
   */
  readonly maxMemory?: Size;
}

/**
 * Props of `VerticalAutoscaler`.
 */
export interface VerticalAutoscalerProps extends VerticalAutoscalingOptions {
  /**
   * The Deployment, StatefulSet or DaemonSet whose pods get recommendations; the VPA lives in its namespace and takes
   * its name.
   */
  readonly target: kplus.Workload;
}

/** The fields of `autoscaling.k8s.io/v1` VerticalPodAutoscaler this library writes. */
interface VpaContainerPolicy {
  readonly containerName: string;
  readonly controlledResources: string[];
  readonly minAllowed?: { [resource: string]: string };
  readonly maxAllowed?: { [resource: string]: string };
}

interface VpaSpec {
  readonly targetRef: { readonly apiVersion: string; readonly kind: string; readonly name: string };
  readonly updatePolicy: { readonly updateMode: 'Off' };
  readonly resourcePolicy: { readonly containerPolicies: VpaContainerPolicy[] };
}

/**
 * A typed L1 for the VerticalPodAutoscaler: its CRD is not among the shared ones that `cdk8s import` generates from.
 */
class KubeVerticalPodAutoscaler extends ApiObject {
  constructor(scope: Construct, id: string, props: { metadata?: ApiObjectMetadata; spec: VpaSpec }) {
    super(scope, id, { apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', ...props });
  }
}

const ALL: VerticalResource[] = [VerticalResource.CPU, VerticalResource.MEMORY];

/**
 * An `autoscaling.k8s.io/v1` VerticalPodAutoscaler in recommendation mode (`updateMode: Off`) for a workload. It
 * refuses to recommend a resource that a horizontal autoscaler of the same workload scales on (and an
 * `Autoscaler` refuses to scale on a resource it recommends), as the VPA documentation requires.
 *
 * Requires the VPA recommender in the cluster (not part of Kubernetes itself).
 *
 * @example
 * new VerticalAutoscaler(chart, 'vpa', { target: deployment, controlledResources: [VerticalResource.MEMORY] });
 */
export class VerticalAutoscaler extends Construct {
  /**
   * The resources a horizontal autoscaler scales the target on, as recorded by `Autoscaler`; a target with an
   * autoscaler this library did not create is taken to scale on both.
   * @internal
   */
  public static _horizontalResourcesOf(target: IConstruct): VerticalResource[] {
    const known = HORIZONTAL.get(target);
    if (known) return known;
    return (target as Partial<kplus.IScalable>).hasAutoscaler ? ALL : [];
  }

  /** Records the resources a horizontal autoscaler scales `target` on. @internal */
  public static _registerHorizontal(target: IConstruct, resources: VerticalResource[]): void {
    HORIZONTAL.set(target, resources);
  }

  /** The resources a VerticalAutoscaler recommends for `target`, if it has one. @internal */
  public static _verticalResourcesOf(target: IConstruct): VerticalResource[] | undefined {
    return VERTICAL.get(target);
  }

  /**
   * Validates the options against the resources a horizontal autoscaler scales on and returns the resolved
   * `controlledResources`. `prefix` names the prop the options came from (e.g. `verticalAutoscaling.`).
   * @internal
   */
  public static _validate(subject: Subject, prefix: string, options: VerticalAutoscalingOptions,
    horizontal: VerticalResource[]): VerticalResource[] {
    const prop = `${prefix}controlledResources`;
    const given = options.controlledResources;
    if (given && given.length === 0) {
      throw propError(subject, prop, list(given), 'must name at least one resource (omit it for every resource the horizontal autoscaler leaves alone)');
    }
    const overlap = (given ?? []).filter(r => horizontal.includes(r));
    if (overlap.length) {
      throw propError(subject, prop, list(given!),
        `must not include a resource the horizontal autoscaler scales on (${overlap.join(', ')}): the VPA would resize the very request its utilization is a percentage of, and the two would fight`);
    }
    const controlled = given ?? ALL.filter(r => !horizontal.includes(r));
    if (controlled.length === 0) {
      throw propError(subject, prop, list(ALL),
        'leaves nothing to recommend: the horizontal autoscaler scales on both cpu and memory, and a VPA must never act on a resource an HPA scales on');
    }

    const cpu = [['minCpu', options.minCpu], ['maxCpu', options.maxCpu]] as const;
    const memory = [['minMemory', options.minMemory], ['maxMemory', options.maxMemory]] as const;
    for (const [name, value] of cpu) {
      if (value && !(cpuMillis(value) > 0)) throw propError(subject, `${prefix}${name}`, value, 'must be a positive quantity');
      checkQuantity(subject, `${prefix}${name}`, value);
    }
    for (const [name, value] of memory) {
      if (value && !(kib(value) > 0)) throw propError(subject, `${prefix}${name}`, value, 'must be a positive quantity');
      checkQuantity(subject, `${prefix}${name}`, value);
    }
    if (options.minCpu && options.maxCpu && cpuMillis(options.maxCpu) < cpuMillis(options.minCpu)) {
      throw propError(subject, `${prefix}maxCpu`, options.maxCpu, `must be >= '${prefix}minCpu' (${JSON.stringify(options.minCpu.amount)})`);
    }
    if (options.minMemory && options.maxMemory && kib(options.maxMemory) < kib(options.minMemory)) {
      throw propError(subject, `${prefix}maxMemory`, options.maxMemory, `must be >= '${prefix}minMemory' (${options.minMemory.asString()})`);
    }
    for (const [resource, bounds] of [[VerticalResource.CPU, cpu], [VerticalResource.MEMORY, memory]] as const) {
      for (const [name, value] of bounds) {
        if (value && !controlled.includes(resource)) {
          throw propError(subject, `${prefix}${name}`, value, `has no effect: '${prop}' (${list(controlled)}) does not include ${resource}`);
        }
      }
    }
    return controlled;
  }


  /** The generated VerticalPodAutoscaler. */
  public readonly resource: ApiObject;
  /** The resolved resources it recommends. */
  public readonly controlledResources: VerticalResource[];

  constructor(scope: Construct, id: string, props: VerticalAutoscalerProps) {
    super(scope, id);
    const subject = subjectOf(this);
    requireProps(subject, props, 'target');
    const target = props.target;
    if (VERTICAL.has(target)) {
      throw propError(subject, 'target', target.name, 'already has a VerticalAutoscaler: one VPA per workload');
    }
    const horizontal = VerticalAutoscaler._horizontalResourcesOf(target);
    if (needsValidation(props)) VerticalAutoscaler._validate(subject, '', props, horizontal);
    this.controlledResources = props.controlledResources ?? ALL.filter(r => !horizontal.includes(r));
    VERTICAL.set(target, this.controlledResources);
    // A horizontal autoscaler added to the target after this one (e.g. a cdk8s-plus HorizontalPodAutoscaler) must not
    // scale on what this one recommends either: checked at synth, whatever the order of calls.
    this.node.addValidation({
      validate: () => {
        const clash = this.controlledResources.filter(r => horizontalResourcesAtSynth(this, target).includes(r));
        return clash.length === 0 ? [] : [propError(subject, 'target', target.name,
          `is also scaled horizontally on ${clash.join(' and ')}, which this VerticalAutoscaler recommends: a horizontal autoscaler must never scale on a resource a VPA acts on`).message];
      },
    });

    const bounds = (cpu?: kplus.Cpu, memory?: Size) => {
      const out: { [resource: string]: string } = {};
      if (cpu) out.cpu = String(cpu.amount);
      if (memory) out.memory = memory.asString();
      return Object.keys(out).length ? out : undefined;
    };
    this.resource = new KubeVerticalPodAutoscaler(this, 'Resource', {
      metadata: { name: target.name, namespace: target.metadata.namespace },
      spec: {
        targetRef: { apiVersion: target.apiVersion, kind: target.kind, name: target.name },
        // Recommendation only: applying a recommendation evicts pods, which is a decision for a person.
        updatePolicy: { updateMode: 'Off' },
        resourcePolicy: {
          containerPolicies: [compact({
            containerName: '*',
            controlledResources: [...this.controlledResources],
            minAllowed: bounds(props.minCpu, props.minMemory),
            maxAllowed: bounds(props.maxCpu, props.maxMemory),
          }) as VpaContainerPolicy],
        },
      },
    });
  }
}

/**
 * The resources `target` is scaled on horizontally, once the whole app is built: what `Autoscaler` recorded, and the
 * metrics of any cdk8s-plus HorizontalPodAutoscaler on it (CPU when it has none: the Kubernetes default).
 */
function horizontalResourcesAtSynth(scope: IConstruct, target: kplus.Workload): VerticalResource[] {
  const found = new Set<string>(HORIZONTAL.get(target) ?? []);
  for (const c of scope.node.root.node.findAll()) {
    if (!(c instanceof kplus.HorizontalPodAutoscaler) || (c.target as unknown) !== target) continue;
    const metrics = c.metrics ?? [];
    if (metrics.length === 0) found.add(VerticalResource.CPU);
    for (const metric of metrics) {
      const spec = metricSpec(metric);
      const resource = spec.resource?.name ?? spec.containerResource?.name;
      if (resource) found.add(resource);
    }
  }
  return ALL.filter(r => found.has(r));
}

/** Shows a list in an error as `[cpu, memory]`. */
function list(items: readonly string[]) {
  return verbatim(`[${items.join(', ')}]`);
}

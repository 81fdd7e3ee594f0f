import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { checkWholeNumber, Subject } from '../core/validation';

/**
 * What the scheduler does when a pod cannot be placed within `maxSkew`.
 */
export enum WhenUnsatisfiable {
  /** Place the pod anyway, preferring less skewed domains: never leaves replicas Pending on a small cluster. */
  SCHEDULE_ANYWAY = 'ScheduleAnyway',
  /** Leave the pod Pending until it can be placed within `maxSkew`. */
  DO_NOT_SCHEDULE = 'DoNotSchedule',
}

/**
 * How a workload's replicas are spread over nodes and zones.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
 */
export interface TopologySpreadOptions {
  /**
   * Add the topology spread constraints.
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * Also spread across zones (`topology.kubernetes.io/zone`), not only across nodes (`kubernetes.io/hostname`).
   * @default true
   */
  readonly acrossZones?: boolean;

  /**
   * The largest allowed difference in replica count between two nodes (or zones).
   * @default 1
   */
  readonly maxSkew?: number;

  /**
   * What happens when the spread cannot be kept.
   * @default WhenUnsatisfiable.SCHEDULE_ANYWAY
   */
  readonly whenUnsatisfiable?: WhenUnsatisfiable;
}

/**
 * Topology spread constraints for cdk8s-plus workloads (cdk8s-plus-27 only offers pod anti-affinity).
 */
export class TopologySpread {
  /** The node topology key. */
  public static readonly NODE_KEY = 'kubernetes.io/hostname';
  /** The zone topology key. */
  public static readonly ZONE_KEY = 'topology.kubernetes.io/zone';

  /**
   * Adds spread constraints over the workload's own pods to its pod template. The constraints count only pods of
   * the same revision (`matchLabelKeys: [pod-template-hash]`) for Deployments, so a rolling update is spread too.
   *
   * @param workload a Deployment or StatefulSet
   * @param options how to spread
   */
  public static apply(workload: kplus.Workload, options: TopologySpreadOptions = {}): void {
    if (options.enabled === false) return;
    const keys = [TopologySpread.NODE_KEY];
    if (options.acrossZones ?? true) keys.push(TopologySpread.ZONE_KEY);
    const revisionOnly = workload instanceof kplus.Deployment;
    const constraints = keys.map(topologyKey => {
      const constraint: Record<string, unknown> = {
        topologyKey,
        maxSkew: options.maxSkew ?? 1,
        whenUnsatisfiable: options.whenUnsatisfiable ?? WhenUnsatisfiable.SCHEDULE_ANYWAY,
        labelSelector: { matchLabels: workload.matchLabels },
      };
      if (revisionOnly) constraint.matchLabelKeys = ['pod-template-hash'];
      return constraint;
    });
    ApiObject.of(workload).addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', constraints));
  }

  /** @internal */
  public static _validate(subject: Subject, options: TopologySpreadOptions = {}): void {
    checkWholeNumber(subject, 'topologySpread.maxSkew', options.maxSkew, 1);
  }
}

import * as kplus from 'cdk8s-plus-27';

/**
 * The one place this library touches cdk8s-plus-27 members marked `@internal` (present in its JavaScript, absent from
 * its public API, free to change in any release). Each function states the assumption it relies on, and
 * `test/core/plus-internals.test.ts` checks every assumption against the installed cdk8s-plus, so that an upgrade that
 * breaks one fails a named test instead of writing a wrong manifest.
 *
 * Nothing here is exported from the library.
 */

/** The Kubernetes MetricSpec of an HPA metric (cdk8s-plus exposes only factories). */
export function metricSpec(metric: kplus.Metric): kplus.k8s.MetricSpecV2 {
  return metric._toKube();
}

/** The `{ type, value }` of a scaling policy's replicas (`Replicas.absolute(4)` → `{ type: 'Pods', value: 4 }`). */
export function replicasPolicy(replicas: kplus.Replicas): { type: string; value: number } {
  return replicas._toKube();
}

/**
 * The Kubernetes Probe a cdk8s-plus Probe writes for a container (a probe without a port of its own targets the
 * container's `portNumber`, the only field cdk8s-plus reads from it).
 */
export function probeSpec(probe: kplus.Probe, container: { readonly portNumber?: number }): kplus.k8s.Probe {
  return probe._toKube(container as kplus.Container);
}

/**
 * Registers a rewrite of a StatefulSet's spec, applied to what cdk8s-plus builds, each time it builds it. cdk8s-plus
 * builds the spec in its `_toKube()`, called by the StatefulSet's ApiObject at synthesis.
 */
export function rewriteStatefulSetSpec(statefulSet: kplus.StatefulSet,
  rewrite: (spec: kplus.k8s.StatefulSetSpec) => kplus.k8s.StatefulSetSpec): void {
  const built = statefulSet._toKube.bind(statefulSet);
  Object.defineProperty(statefulSet, '_toKube', { value: () => rewrite(built()), configurable: true });
}

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
export function probeSpec(probe: kplus.Probe, container: { readonly portNumber?: number }): kplus.k8s.Probe | undefined {
  // A `customProbe` may build none (`undefined`), which a Container writes as no probe.
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

/**
 * A cdk8s-plus Probe that writes the Kubernetes probe `build` returns. cdk8s-plus-27's Probe has a private
 * constructor and no gRPC or header support; a Container writes whatever its probe's `_toKube(container)` returns
 * (as `readinessProbe`, `livenessProbe`, `startupProbe`). `build` returning undefined writes no probe at all.
 */
export function customProbe(build: (container: { readonly portNumber?: number }) => kplus.k8s.Probe | undefined): kplus.Probe {
  const probe = Object.create(kplus.Probe.prototype) as kplus.Probe;
  Object.defineProperty(probe, '_toKube', { value: build, enumerable: false });
  return probe;
}

/**
 * A probe that writes nothing: what a container gets as its startup probe when it asks for none, instead of the TCP
 * check of its port cdk8s-plus adds by default (`props.startup ?? (portNumber ? tcp : undefined)`).
 */
export const NO_PROBE: kplus.Probe = customProbe(() => undefined);

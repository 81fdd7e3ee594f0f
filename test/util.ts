import { App, Chart, Testing } from 'cdk8s';
import { problems, ValidateOptions } from './validate';

export { problems, PodSecurityLevel, ValidateOptions } from './validate';

/** Synthesizes the chart and fails the test unless every object passes the project's validator (test/validate/). */
export function synthValid(chart: Chart, options: ValidateOptions = {}): any[] {
  const manifests = Testing.synth(chart);
  expect(problems(manifests, options)).toEqual([]);
  return manifests;
}

/** Synthesizes every chart of an app (as YAML would be written) and validates them together. */
export function synthAppValid(app: App, options: ValidateOptions = {}): any[] {
  const manifests = app.charts.flatMap(c => c.toJson());
  expect(problems(manifests, options)).toEqual([]);
  return manifests;
}

/** The one object of this kind (fails when there are none or several). */
export function only(manifests: any[], kind: string): any {
  const found = manifests.filter(m => m.kind === kind);
  expect(found.map(m => `${m.kind}/${m.metadata?.name}`)).toHaveLength(1);
  return found[0];
}

/** All objects of this kind. */
export function ofKind(manifests: any[], kind: string): any[] {
  return manifests.filter(m => m.kind === kind);
}

/** The pod spec of a workload manifest. */
export function podSpec(workload: any): any {
  return workload.spec.template.spec;
}

/** The documented default requests and limits, as they appear in a manifest (WorkloadDefaults.RESOURCES). */
export const DEFAULT_RESOURCES_JSON = {
  requests: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '1Gi' },
  limits: { 'cpu': '500m', 'memory': '256Mi', 'ephemeral-storage': '2Gi' },
};

/** A container's security context under the documented defaults (Pod Security "restricted", UID/GID 10001). */
export const HARDENED_CONTAINER_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: 10001,
  runAsGroup: 10001,
  privileged: false,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';

/**
 * The shared validator (`../shared/tools/validate-manifests.cjs`): strict Kubernetes 1.27 and CRD schemas,
 * cross-object references and Pod Security Standards. Tests use its library functions so that every object a test
 * synthesizes is checked exactly as CI checks the apps.
 */
const SHARED = process.env.CDK8S_RESILIENCE_SHARED ?? path.resolve(__dirname, '..', '..', 'shared');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const validator = require(path.join(SHARED, 'tools', 'validate-manifests.cjs'));
const validateSchema: (m: any) => string[] = validator.createSchemaValidator(path.join(SHARED, 'schemas'));

/**
 * The shared schemas have no VerticalPodAutoscaler (no VPA CRD is shared): VPAs are checked against the official
 * autoscaler CRD's schema as compiled by @kubernetes-models/autoscaler (types, enums, required fields; it does not
 * reject unknown fields), and their target must be a workload of the same set.
 */
function vpaProblems(m: any, all: any[]): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { VerticalPodAutoscaler } = require('@kubernetes-models/autoscaler/autoscaling.k8s.io/v1/VerticalPodAutoscaler');
  const out: string[] = [];
  try {
    new VerticalPodAutoscaler(m).validate();
  } catch (e) {
    out.push(`schema ${(e as Error).message}`);
  }
  const ref = m.spec?.targetRef ?? {};
  const targets = all.filter(w => w.kind === ref.kind && w.apiVersion === ref.apiVersion && w.metadata?.name === ref.name
    && w.metadata?.namespace === m.metadata?.namespace);
  if (targets.length !== 1) out.push(`refs targetRef ${ref.kind}/${ref.name} is not in this set`);
  return out;
}

const isVpa = (m: any) => m.apiVersion === 'autoscaling.k8s.io/v1' && m.kind === 'VerticalPodAutoscaler';

export type PodSecurityLevel = 'restricted' | 'baseline' | 'none';

export interface ValidateOptions {
  /** Pod Security Standard every pod template must meet. Default: restricted. */
  readonly pss?: PodSecurityLevel;
  /** Check cross-object references (selectors, scale targets, duplicates). Default: true. */
  readonly refs?: boolean;
}

/** Every problem the shared validator finds in these manifests, one line each (empty when all pass). */
export function problems(manifests: any[], options: ValidateOptions = {}): string[] {
  const out: string[] = [];
  const refProblems: Map<any, string[]> = options.refs === false ? new Map() : validator.checkRefs(manifests.filter(m => !isVpa(m)));
  const pss = options.pss ?? 'restricted';
  for (const m of manifests) {
    const label = `${m.apiVersion} ${m.kind} ${m.metadata?.name}`;
    if (isVpa(m)) {
      for (const e of vpaProblems(m, manifests)) out.push(`${label}: ${e}`);
      continue;
    }
    for (const e of validateSchema(m)) out.push(`${label}: schema ${e}`);
    for (const e of refProblems.get(m) ?? []) out.push(`${label}: refs ${e}`);
    const template = validator.podTemplateOf(m);
    if (pss !== 'none' && template?.spec) {
      for (const e of validator.checkPss(template.spec, pss)) out.push(`${label}: pss-${pss} ${e}`);
    }
  }
  return out;
}

/** Synthesizes the chart and fails the test unless every object passes the shared validator. */
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
export const DEFAULT_RESOURCES_JSON = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };

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

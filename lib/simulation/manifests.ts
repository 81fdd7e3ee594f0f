/*
 * Reads what matters for a pod killer's damage out of plain Kubernetes manifests (parsed YAML or `chart.toJson()`):
 * each Service's workload, its replicas (or its autoscaler's minimum), the serving container's probes, the pre-stop
 * delay and grace period, the Istio route (retries, timeout) and outlier detection for the Service's host, and a pod
 * killer declared in the same manifests. Nothing here is exported from the package.
 */
import { EngineOutlier, EngineProbe, EngineRetry, EngineRouting, EngineWorkload } from './engine';

/** Istio's retry policy when a route sets none (pilot's default): 2 retries on these conditions. */
export const ISTIO_DEFAULT_RETRIES = 2;
export const ISTIO_DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

/** A Service, its workload and the settings the model uses, with where they came from. */
export interface ServiceTarget {
  readonly namespace: string;
  readonly service: string;
  /** `Kind/name` of the workload, or undefined when no workload in the manifests matches the selector. */
  readonly workload?: string;
  readonly podLabels: Record<string, string>;
  readonly settings: EngineWorkload;
  readonly routing: EngineRouting;
  /** Plain-words facts about the settings, for the report. */
  readonly facts: TargetFacts;
}

export interface TargetFacts {
  readonly replicasFrom: string;
  readonly readinessProbe: boolean;
  readonly startupProbe: boolean;
  readonly preStopSeconds: number;
  readonly graceSeconds: number;
  /** `Kind/name` of the VirtualService whose route applies, if any. */
  readonly route?: string;
  readonly retryOn?: string;
  readonly retries: number;
  readonly perTryTimeoutSeconds: number;
  readonly outlierDetection: boolean;
  readonly disruptionBudget?: string;
}

/** A pod killer found in the manifests (the library's PodChaosMonkey). */
export interface KillerSpec {
  readonly namespace: string;
  readonly selector: Record<string, string>;
  readonly intervalSeconds: number;
}

/** A load found in the manifests (the library's LoadTest artillery script). */
export interface LoadSpec {
  readonly namespace: string;
  readonly target: string;
  readonly phases: { duration: number; rate: number; rampTo?: number }[];
  readonly maxErrorRate?: number;
  readonly name: string;
}

/** Seconds of a Kubernetes/Istio duration string (`2s`, `100ms`, `1m30s`, `1.5s`) or a number of seconds. */
export function seconds(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;
  let rest = value.trim();
  let match: RegExpExecArray | null;
  while ((match = re.exec(value.trim())) !== null) {
    total += parseFloat(match[1]) * units[match[2]];
    rest = rest.replace(match[0], '');
  }
  return rest === '' ? total : undefined;
}

/** Parses `a=b,c=d`. */
export function parseSelector(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map(s => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`selector '${text}': '${part}' is not key=value`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).replace(/^=/, '').trim();
  }
  return out;
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => (labels ?? {})[k] === v);
}

const nsOf = (o: any): string => o?.metadata?.namespace ?? 'default';

function probe(p: any): EngineProbe | undefined {
  if (!p || typeof p !== 'object') return undefined;
  return {
    initialDelay: p.initialDelaySeconds ?? 0,
    period: p.periodSeconds ?? 10,
    successThreshold: p.successThreshold ?? 1,
  };
}

/** Seconds a pre-stop hook keeps the container serving: the `sleep` action, or `sleep N` in an exec command. */
export function preStopSeconds(container: any): number {
  const hook = container?.lifecycle?.preStop;
  if (!hook) return 0;
  if (hook.sleep?.seconds !== undefined) return Number(hook.sleep.seconds) || 0;
  const command: string = (hook.exec?.command ?? []).join(' ');
  const m = /\bsleep\s+(\d+(?:\.\d+)?)/.exec(command);
  return m ? parseFloat(m[1]) : 0;
}

/** The container serving the Service's target port (by number or name), else the first one. */
function servingContainer(podSpec: any, service: any): any {
  const containers: any[] = podSpec?.containers ?? [];
  const ports: any[] = service?.spec?.ports ?? [];
  for (const sp of ports) {
    const target = sp.targetPort ?? sp.port;
    const found = containers.find(c => (c.ports ?? []).some((p: any) => p.containerPort === target || (p.name && p.name === target)));
    if (found) return found;
  }
  return containers[0];
}

/** Whether the VirtualService destination host names the Service. */
function hostNames(host: string, vsNamespace: string, service: string, namespace: string): boolean {
  const h = host.toLowerCase();
  if (h === service) return vsNamespace === namespace;
  return [`${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`].includes(h);
}

/**
 * The route that applies to requests for the Service: a VirtualService route bound to a Gateway (the load's entry,
 * as in the talk) first, else a mesh route, else none (kube-proxy).
 */
function routeFor(objects: any[], service: string, namespace: string): { vs: any; http: any } | undefined {
  const found: { vs: any; http: any; gateway: boolean }[] = [];
  for (const vs of objects.filter(o => o.kind === 'VirtualService')) {
    for (const http of vs.spec?.http ?? []) {
      const dests = (http.route ?? []).map((r: any) => r.destination?.host).filter(Boolean);
      if (dests.some((h: string) => hostNames(h, nsOf(vs), service, namespace))) {
        const gateways: string[] = vs.spec?.gateways ?? [];
        found.push({ vs, http, gateway: gateways.some(g => g !== 'mesh') });
        break;
      }
    }
  }
  return found.find(f => f.gateway) ?? found[0];
}

function retryOf(http: any): { retry: EngineRetry; retryOn: string; retries: number; perTry: number } {
  const r = http.retries;
  const retries = r ? (r.attempts ?? (r.perTryTimeout || r.retryOn ? ISTIO_DEFAULT_RETRIES : 0)) : ISTIO_DEFAULT_RETRIES;
  const retryOn: string = r?.retryOn ?? ISTIO_DEFAULT_RETRY_ON;
  const on = new Set(retryOn.split(',').map(s => s.trim()));
  const perTry = seconds(r?.perTryTimeout) ?? 0;
  // Behind a sidecar, a refused connection to the app comes back as a 503 from the pod's proxy; without one, as a
  // connect failure: either way these conditions retry it.
  const onRefused = ['connect-failure', '5xx', 'gateway-error', 'retriable-status-codes'].some(x => on.has(x));
  const onReset = on.has('reset') || on.has('5xx');
  return { retry: { retries, timeout: seconds(http.timeout) ?? 0, onRefused, onReset }, retryOn, retries, perTry };
}

function outlierFor(objects: any[], service: string, namespace: string): EngineOutlier | undefined {
  for (const dr of objects.filter(o => o.kind === 'DestinationRule')) {
    if (!dr.spec?.host || !hostNames(dr.spec.host, nsOf(dr), service, namespace)) continue;
    const od = dr.spec?.trafficPolicy?.outlierDetection;
    if (!od) continue;
    const errors = od.consecutiveGatewayErrors ?? od.consecutive5xxErrors ?? od.consecutiveErrors ?? 5;
    if (errors <= 0) continue;
    return { consecutiveErrors: errors, maxEjectionPercent: od.maxEjectionPercent ?? 10 };
  }
  return undefined;
}

function replicasOf(objects: any[], workload: any): { replicas: number; from: string } {
  const kind = workload.kind;
  const name = workload.metadata?.name;
  const ns = nsOf(workload);
  const hpa = objects.find(o => o.kind === 'HorizontalPodAutoscaler' && nsOf(o) === ns
    && o.spec?.scaleTargetRef?.kind === kind && o.spec?.scaleTargetRef?.name === name);
  if (hpa) return { replicas: Math.max(1, hpa.spec?.minReplicas ?? 1), from: `HorizontalPodAutoscaler/${hpa.metadata?.name} minReplicas` };
  const so = objects.find(o => o.kind === 'ScaledObject' && nsOf(o) === ns
    && (o.spec?.scaleTargetRef?.kind ?? 'Deployment') === kind && o.spec?.scaleTargetRef?.name === name);
  if (so) return { replicas: Math.max(1, so.spec?.minReplicaCount ?? 0), from: `ScaledObject/${so.metadata?.name} minReplicaCount (at least 1 under load)` };
  return { replicas: workload.spec?.replicas ?? 1, from: `${kind}/${name} replicas` };
}

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'ReplicaSet'];

/** Every Service with a selector, with its workload's settings. */
export function targets(objects: any[]): ServiceTarget[] {
  const out: ServiceTarget[] = [];
  for (const svc of objects.filter(o => o.kind === 'Service' && o.spec?.selector)) {
    const ns = nsOf(svc);
    const name: string = svc.metadata?.name;
    const workload = objects.find(o => WORKLOAD_KINDS.includes(o.kind) && nsOf(o) === ns
      && matches(svc.spec.selector, o.spec?.template?.metadata?.labels));
    const route = routeFor(objects, name, ns);
    const retry = route ? retryOf(route.http) : undefined;
    const outlier = route ? outlierFor(objects, name, ns) : undefined;
    const routing: EngineRouting = { mesh: !!route, retry: retry?.retry, outlier };
    if (!workload) {
      out.push({
        namespace: ns,
        service: name,
        podLabels: {},
        settings: { replicas: 0, preStop: 0, grace: 30 },
        routing,
        facts: { replicasFrom: 'no workload', readinessProbe: false, startupProbe: false, preStopSeconds: 0, graceSeconds: 30, retries: 0, perTryTimeoutSeconds: 0, outlierDetection: false },
      });
      continue;
    }
    const podSpec = workload.spec?.template?.spec ?? {};
    const container = servingContainer(podSpec, svc);
    const { replicas, from } = replicasOf(objects, workload);
    const grace = podSpec.terminationGracePeriodSeconds ?? 30;
    const settings: EngineWorkload = {
      replicas,
      readiness: probe(container?.readinessProbe),
      startup: probe(container?.startupProbe),
      preStop: preStopSeconds(container),
      grace,
      replaceAfterExit: workload.kind === 'StatefulSet',
    };
    const podLabels = workload.spec?.template?.metadata?.labels ?? {};
    const pdb = objects.find(o => o.kind === 'PodDisruptionBudget' && nsOf(o) === ns && matches(o.spec?.selector?.matchLabels, podLabels));
    out.push({
      namespace: ns,
      service: name,
      workload: `${workload.kind}/${workload.metadata?.name}`,
      podLabels,
      settings,
      routing,
      facts: {
        replicasFrom: from,
        readinessProbe: !!settings.readiness,
        startupProbe: !!settings.startup,
        preStopSeconds: settings.preStop,
        graceSeconds: grace,
        route: route ? `VirtualService/${route.vs.metadata?.name}` : undefined,
        retryOn: retry?.retryOn,
        retries: retry?.retries ?? 0,
        perTryTimeoutSeconds: retry?.perTry ?? 0,
        outlierDetection: !!outlier,
        disruptionBudget: pdb ? `PodDisruptionBudget/${pdb.metadata?.name}` : undefined,
      },
    });
  }
  return out;
}

/** Pod killers declared in the manifests: the library's PodChaosMonkey Deployment (its `SELECTOR` and `INTERVAL_SECONDS`). */
export function killers(objects: any[]): KillerSpec[] {
  const out: KillerSpec[] = [];
  for (const d of objects.filter(o => o.kind === 'Deployment')) {
    for (const c of d.spec?.template?.spec?.containers ?? []) {
      const env: Record<string, string> = {};
      for (const e of c.env ?? []) if (typeof e.value === 'string') env[e.name] = e.value;
      if (env.SELECTOR && env.INTERVAL_SECONDS && env.NAMESPACE !== undefined) {
        out.push({ namespace: env.NAMESPACE || nsOf(d), selector: parseSelector(env.SELECTOR), intervalSeconds: Number(env.INTERVAL_SECONDS) });
      }
    }
  }
  return out;
}

/** Whether a killer's selector picks the target's pods. */
export function killerHits(killer: { namespace?: string; selector: Record<string, string> }, target: ServiceTarget): boolean {
  return (killer.namespace === undefined || killer.namespace === target.namespace) && matches(killer.selector, target.podLabels);
}

/** The target a URL (`http://name.namespace.svc.cluster.local:port/...`) points at, by Service name and namespace. */
export function targetOfUrl(all: ServiceTarget[], url: string, namespace: string): ServiceTarget | undefined {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  const [name, ns] = host.split('.');
  return all.find(t => t.service === name && t.namespace === (ns ?? namespace));
}

/** The Service a Gateway-bound route sends to, for a load aimed at an ingress gateway outside the manifests. */
export function gatewayTarget(all: ServiceTarget[], objects: any[], namespace: string): ServiceTarget | undefined {
  for (const vs of objects.filter(o => o.kind === 'VirtualService' && nsOf(o) === namespace && (o.spec?.gateways ?? []).some((g: string) => g !== 'mesh'))) {
    for (const http of vs.spec?.http ?? []) {
      for (const r of http.route ?? []) {
        const t = all.find(x => r.destination?.host && hostNames(r.destination.host, nsOf(vs), x.service, x.namespace));
        if (t) return t;
      }
    }
  }
  return undefined;
}

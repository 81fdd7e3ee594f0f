// The resilience scenarios on a simulated cluster (tools/kube/cluster.ts: the real API server, controller-manager and
// scheduler; kwok plays the kubelets). See tools/resilience/README.md.
import { parse } from 'yaml';
import { App, byCodePoint } from '../judges/judges';
import { ApiServer, applyObjects, describe as describeObject, installCrds, ManifestObject, vendorCrdFiles } from '../kube/apiserver';
import { Cluster } from '../kube/cluster';

export const SCENARIOS = ['drain', 'pod-killer', 'rollout', 'zone-loss', 'capacity'] as const;
export type Scenario = typeof SCENARIOS[number];
/** Scenarios in which a workload of 2 or more replicas must never reach zero Ready endpoints. */
export const GATED: Scenario[] = ['drain', 'rollout', 'zone-loss'];

export interface Options {
  /** Multiplies every scenario's wall-clock time (pod killer interval and length, readiness delays, timeouts). */
  readonly timeScale: number;
  /** Per node, before the scale. */
  readonly drainTimeoutSeconds: number;
  /** Documented reasons for pods left Pending in the capacity scenario: "app/Kind/namespace/name" -> reason. */
  readonly expectedPending: Record<string, string>;
  readonly log: (m: string) => void;
  readonly seed: number;
  readonly scenarios: readonly Scenario[];
}

export interface Cell {
  minReady: number;
  secondsAtZero: number;
  evictionsRefused: number;
  maxPending: number;
  /** Pods still Pending at the end of the scenario (capacity) and the scheduler's message. */
  pendingAtEnd: number;
  pendingReason?: string;
  notes: string[];
}

export interface WorkloadReport {
  app: string;
  /** Kind/namespace/name as written in the manifests. */
  workload: string;
  service: string;
  replicas: number;
  readyAtStart: number;
  cells: Partial<Record<Scenario, Cell>>;
  failures: string[];
}

export interface RunReport {
  version: string;
  workloads: WorkloadReport[];
  rejected: string[];
  failures: string[];
  seconds: number;
}

// ---------------------------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const enc = encodeURIComponent;

interface Workload {
  app: string;
  kind: 'Deployment' | 'StatefulSet' | 'ReplicaSet';
  name: string;
  ns: string; // namespace in the cluster
  origNs: string;
  selector: Record<string, string>;
  matchExpressions: any[];
  services: string[]; // names in ns
  replicas: number;
  hpas: { name: string; min: number; max: number }[];
  scaledObjectMax?: number;
  report: WorkloadReport;
}

function slug(s: string, max: number): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max).replace(/-+$/, '') || 'x';
}

function apiPath(kind: string, ns: string, name?: string): string {
  const base: Record<string, string> = {
    Deployment: '/apis/apps/v1',
    StatefulSet: '/apis/apps/v1',
    ReplicaSet: '/apis/apps/v1',
    HorizontalPodAutoscaler: '/apis/autoscaling/v2',
    Pod: '/api/v1',
    Service: '/api/v1',
  };
  const plural = kind === 'HorizontalPodAutoscaler' ? 'horizontalpodautoscalers' : `${kind.toLowerCase()}s`;
  return `${base[kind]}/namespaces/${enc(ns)}/${plural}${name ? `/${enc(name)}` : ''}`;
}

function labelsMatch(labels: Record<string, string> | undefined, sel: Record<string, string>, exprs: any[]): boolean {
  const l = labels ?? {};
  if (!Object.entries(sel).every(([k, v]) => l[k] === v)) return false;
  return exprs.every((e) => {
    const has = e.key in l;
    switch (e.operator) {
      case 'In': return has && e.values.includes(l[e.key]);
      case 'NotIn': return !has || !e.values.includes(l[e.key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
}

/** Each app's namespaces are renamed so that apps (ours and the workshops', which reuse names) run side by side. */
export function isolate(app: App, index: number): { objects: ManifestObject[]; nsMap: Map<string, string> } {
  const prefix = `r${index}-${slug(app.name.split('/').pop()!, 20)}`;
  const nsMap = new Map<string, string>();
  const mapNs = (ns: string | undefined) => {
    const key = ns ?? 'default';
    if (!nsMap.has(key)) nsMap.set(key, key === 'default' ? prefix : `${prefix}-${slug(key, 40)}`.slice(0, 63).replace(/-+$/, ''));
    return nsMap.get(key)!;
  };
  const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'CustomResourceDefinition', 'StorageClass', 'PersistentVolume', 'IngressClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'RuntimeClass']);
  const objects: ManifestObject[] = [];
  for (const o of app.objects) {
    let doc: any;
    try {
      doc = parse(o.text);
    } catch {
      continue;
    }
    if (!doc?.kind || !doc.apiVersion) continue;
    doc.metadata ??= {};
    if (doc.kind === 'Namespace') doc.metadata.name = mapNs(doc.metadata.name);
    else if (!clusterScoped.has(doc.kind)) doc.metadata.namespace = mapNs(doc.metadata.namespace);
    if (/Binding$/.test(doc.kind) && Array.isArray(doc.subjects)) {
      for (const s of doc.subjects) if (s.kind === 'ServiceAccount') s.namespace = mapNs(s.namespace ?? o.namespace);
    }
    if (doc.kind === 'ClusterRole' || doc.kind === 'ClusterRoleBinding' || doc.kind === 'PriorityClass') doc.metadata.name = `${prefix}-${doc.metadata.name}`;
    if (doc.kind === 'ClusterRoleBinding' && doc.roleRef?.kind === 'ClusterRole') doc.roleRef.name = `${prefix}-${doc.roleRef.name}`;
    if (doc.spec?.template?.spec?.priorityClassName) {
      // only when the app defines it (system-* classes stay)
      if (app.objects.some((x) => x.kind === 'PriorityClass' && x.name === doc.spec.template.spec.priorityClassName)) {
        doc.spec.template.spec.priorityClassName = `${prefix}-${doc.spec.template.spec.priorityClassName}`;
      }
    }
    objects.push({ file: o.file, doc });
  }
  return { objects, nsMap };
}

function requestsOf(doc: any): { cpu: number; mem: number } {
  const cpu = (q: any) => (q == null ? 0 : String(q).endsWith('m') ? parseFloat(q) / 1000 : parseFloat(q));
  const unit: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  const mem = (q: any) => {
    if (q == null) return 0;
    const m = /^([0-9.]+)([A-Za-z]*)$/.exec(String(q));
    return m ? parseFloat(m[1]) * (unit[m[2]] ?? 1) : 0;
  };
  const cs: any[] = doc.spec?.template?.spec?.containers ?? [];
  return {
    cpu: cs.reduce((a, c) => a + cpu(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu), 0),
    mem: cs.reduce((a, c) => a + mem(c.resources?.requests?.memory ?? c.resources?.limits?.memory), 0),
  };
}

/** Groups apps into waves whose pods (at their replicas, plus one surge pod each) fit in `fraction` of the cluster. */
export function waves(apps: { objects: ManifestObject[] }[], cpu: number, mem: number, fraction: number): number[][] {
  const cost = apps.map((a) => a.objects.reduce((acc, o) => {
    if (!['Deployment', 'StatefulSet', 'ReplicaSet'].includes(o.doc.kind)) return acc;
    const r = requestsOf(o.doc);
    const n = (o.doc.spec?.replicas ?? 1) + 1;
    return { cpu: acc.cpu + r.cpu * n, mem: acc.mem + r.mem * n };
  }, { cpu: 0, mem: 0 }));
  const out: number[][] = [];
  let cur: number[] = [];
  let used = { cpu: 0, mem: 0 };
  cost.forEach((c, i) => {
    if (cur.length && (used.cpu + c.cpu > cpu * fraction || used.mem + c.mem > mem * fraction)) {
      out.push(cur);
      cur = [];
      used = { cpu: 0, mem: 0 };
    }
    cur.push(i);
    used = { cpu: used.cpu + c.cpu, mem: used.mem + c.mem };
  });
  if (cur.length) out.push(cur);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

class Sampler {
  private ready = new Map<string, number>(); // ns/service -> ready endpoints
  pods: any[] = [];
  private windows: { scenario: Scenario; cells: Map<Workload, Cell>; last: number }[] = [];
  private stopped = false;
  private loop?: Promise<void>;
  constructor(private readonly server: ApiServer) {}

  start() {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.sample().catch(() => undefined);
        await sleep(150);
      }
    })();
  }
  async stop() {
    this.stopped = true;
    await this.loop;
  }

  readyOf(w: Workload): number {
    return Math.max(0, ...w.services.map((s) => this.ready.get(`${w.ns}/${s}`) ?? 0));
  }
  podsOf(w: Workload): any[] {
    return this.pods.filter((p) => p.metadata.namespace === w.ns && labelsMatch(p.metadata.labels, w.selector, w.matchExpressions));
  }

  async sample() {
    const [slices, pods] = await Promise.all([
      this.server.client.request('GET', '/apis/discovery.k8s.io/v1/endpointslices'),
      this.server.client.request('GET', '/api/v1/pods'),
    ]);
    if (slices.status !== 200 || pods.status !== 200) return;
    const ready = new Map<string, Set<string>>();
    for (const s of slices.body.items ?? []) {
      const svc = s.metadata.labels?.['kubernetes.io/service-name'];
      if (!svc) continue;
      const key = `${s.metadata.namespace}/${svc}`;
      if (!ready.has(key)) ready.set(key, new Set());
      for (const e of s.endpoints ?? []) if (e.conditions?.ready === true) ready.get(key)!.add(e.targetRef?.uid ?? e.addresses?.[0]);
    }
    this.ready = new Map([...ready].map(([k, v]) => [k, v.size]));
    this.pods = pods.body.items ?? [];
    const now = Date.now();
    for (const win of this.windows) {
      const dt = (now - win.last) / 1000;
      win.last = now;
      for (const [w, cell] of win.cells) {
        const n = this.readyOf(w);
        cell.minReady = Math.min(cell.minReady, n);
        if (n === 0) cell.secondsAtZero += dt;
        const pending = this.podsOf(w).filter((p) => !p.spec.nodeName && !p.metadata.deletionTimestamp).length;
        cell.maxPending = Math.max(cell.maxPending, pending);
      }
    }
  }

  async open(scenario: Scenario, ws: Workload[]): Promise<Map<Workload, Cell>> {
    await this.sample();
    const cells = new Map<Workload, Cell>();
    for (const w of ws) {
      const cell: Cell = { minReady: this.readyOf(w), secondsAtZero: 0, evictionsRefused: 0, maxPending: 0, pendingAtEnd: 0, notes: [] };
      cells.set(w, cell);
      w.report.cells[scenario] = cell;
    }
    this.windows.push({ scenario, cells, last: Date.now() });
    return cells;
  }
  async close(cells: Map<Workload, Cell>) {
    await this.sample();
    this.windows = this.windows.filter((x) => x.cells !== cells);
    for (const c of cells.values()) c.secondsAtZero = Math.round(c.secondsAtZero * 10) / 10;
  }
}

// ---------------------------------------------------------------------------------------------------------------

export class Harness {
  private sampler: Sampler;
  private rng: () => number;
  private reports: WorkloadReport[] = [];
  constructor(private readonly cluster: Cluster, private readonly opts: Options) {
    this.sampler = new Sampler(cluster.server);
    // A linear congruential generator (the pod killer's choices repeat with the seed).
    let s = Math.abs(Math.trunc(opts.seed)) % 2 ** 32 || 1;
    this.rng = () => {
      s = (s * 1664525 + 1013904223) % 2 ** 32;
      return s / 2 ** 32;
    };
  }
  private get c() {
    return this.cluster.client;
  }
  private scaled(seconds: number): number {
    return seconds * 1000 * this.opts.timeScale;
  }

  async run(apps: App[]): Promise<RunReport> {
    const t0 = Date.now();
    const log = this.opts.log;
    await installCrds(this.cluster.server, vendorCrdFiles());
    const provisioner = this.provisionVolumes();
    this.sampler.start();
    const rejected: string[] = [];
    const failures: string[] = [];
    const isolated = apps.map((a, i) => isolate(a, i));
    const nodes = (await this.c.request('GET', '/api/v1/nodes')).body.items;
    const cpu = nodes.reduce((a: number, n: any) => a + parseFloat(n.status.allocatable.cpu), 0);
    const memoryOf = (q: string) => requestsOf({ spec: { template: { spec: { containers: [{ resources: { requests: { memory: q } } }] } } } }).mem;
    const mem = nodes.reduce((a: number, n: any) => a + memoryOf(n.status.allocatable.memory), 0);
    const groups = waves(isolated, cpu, mem, 0.5);
    try {
      for (const [gi, group] of groups.entries()) {
        log(`wave ${gi + 1}/${groups.length}: ${group.map((i) => apps[i].name).join(', ')}`);
        const ws: Workload[] = [];
        const appliedNs: string[] = [];
        const clusterObjects: string[] = [];
        for (const i of group) {
          const results = await applyObjects(this.cluster.server, isolated[i].objects);
          for (const r of results) {
            if (!r.ok) rejected.push(`${apps[i].name}: ${r.object.file}: ${describeObject(r.object.doc)}: ${r.message}`);
            else if (!r.object.doc.metadata.namespace && r.path && r.object.doc.kind !== 'CustomResourceDefinition') clusterObjects.push(r.path);
          }
          appliedNs.push(...isolated[i].nsMap.values());
          ws.push(...this.workloadsOf(apps[i].name, isolated[i].objects, isolated[i].nsMap));
        }
        await this.settle(ws, 90);
        for (const w of ws) w.report.readyAtStart = this.sampler.readyOf(w);
        for (const sc of this.opts.scenarios) {
          log(`  ${sc}`);
          const t = Date.now();
          if (sc === 'drain') await this.drain(ws);
          if (sc === 'pod-killer') await this.podKiller(ws);
          if (sc === 'rollout') await this.rollout(ws);
          if (sc === 'zone-loss') await this.zoneLoss(ws);
          if (sc === 'capacity') await this.capacity(ws);
          log(`  ${sc} done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
          await this.settle(ws, 60);
        }
        // Clean up: the namespace controller deletes what the namespaces hold.
        await Promise.all([...new Set(appliedNs)].map((ns) => this.c.request('DELETE', `/api/v1/namespaces/${enc(ns)}`)));
        await Promise.all(clusterObjects.map((p) => this.c.request('DELETE', p)));
      }
    } finally {
      await this.sampler.stop();
      provisioner.stop();
    }
    const workloads = this.reports.sort((a, b) => byCodePoint(a.app, b.app) || byCodePoint(a.workload, b.workload));
    for (const w of workloads) judge(w, this.opts.expectedPending);
    for (const w of workloads) failures.push(...w.failures.map((f) => `${w.app} ${w.workload}: ${f}`));
    if (rejected.length) failures.push(...rejected.map((r) => `rejected: ${r}`));
    return { version: this.cluster.server.version, workloads, rejected, failures, seconds: Math.round((Date.now() - t0) / 1000) };
  }

  private workloadsOf(app: string, objects: ManifestObject[], nsMap: Map<string, string>): Workload[] {
    const orig = new Map([...nsMap].map(([k, v]) => [v, k]));
    const out: Workload[] = [];
    const docs = objects.map((o) => o.doc);
    // The same object in two files (a workshop folder's variants): the one applied last is what the cluster holds.
    const last = new Map<string, any>();
    for (const d of docs) last.set(`${d.apiVersion}/${d.kind}/${d.metadata.namespace}/${d.metadata.name}`, d);
    for (const d of [...last.values()]) {
      if (!['Deployment', 'StatefulSet', 'ReplicaSet'].includes(d.kind)) continue;
      const ns = d.metadata.namespace;
      const podLabels = d.spec?.template?.metadata?.labels ?? {};
      const services = docs.filter((s) => s.kind === 'Service' && s.metadata.namespace === ns && s.spec?.selector &&
        Object.keys(s.spec.selector).length && labelsMatch(podLabels, s.spec.selector, [])).map((s) => s.metadata.name);
      if (!services.length) continue;
      const hpas = docs.filter((h) => h.kind === 'HorizontalPodAutoscaler' && h.metadata.namespace === ns &&
        h.spec?.scaleTargetRef?.kind === d.kind && h.spec.scaleTargetRef.name === d.metadata.name)
        .map((h) => ({ name: h.metadata.name, min: h.spec.minReplicas ?? 1, max: h.spec.maxReplicas }));
      const so = docs.find((h) => h.kind === 'ScaledObject' && h.metadata.namespace === ns && (h.spec?.scaleTargetRef?.kind ?? 'Deployment') === d.kind &&
        h.spec?.scaleTargetRef?.name === d.metadata.name);
      const replicas = hpas.length ? Math.max(...hpas.map((h) => h.min)) : so ? (so.spec.minReplicaCount ?? 0) : (d.spec.replicas ?? 1);
      const workload = `${d.kind}/${orig.get(ns) ?? ns}/${d.metadata.name}`;
      const report: WorkloadReport = { app, workload, service: services.join(','), replicas, readyAtStart: 0, cells: {}, failures: [] };
      this.reports.push(report);
      out.push({
        app,
        kind: d.kind,
        name: d.metadata.name,
        ns,
        origNs: orig.get(ns) ?? ns,
        selector: d.spec.selector?.matchLabels ?? {},
        matchExpressions: d.spec.selector?.matchExpressions ?? [],
        services,
        replicas,
        hpas,
        scaledObjectMax: so ? (so.spec.maxReplicaCount ?? 100) : undefined,
        report,
      });
    }
    return out;
  }

  /** A stand-in for a storage provisioner: each unbound claim gets a hostPath PersistentVolume the PV controller binds. */
  private provisionVolumes(): { stop(): void } {
    let stopped = false;
    const made = new Set<string>();
    void (async () => {
      while (!stopped) {
        const res = await this.c.request('GET', '/api/v1/persistentvolumeclaims').catch(() => undefined);
        for (const pvc of res?.body?.items ?? []) {
          if (pvc.spec.volumeName || made.has(pvc.metadata.uid)) continue;
          made.add(pvc.metadata.uid);
          await this.c.request('POST', '/api/v1/persistentvolumes', {
            apiVersion: 'v1',
            kind: 'PersistentVolume',
            metadata: { name: `pv-${pvc.metadata.uid}` },
            spec: {
              capacity: { storage: pvc.spec.resources?.requests?.storage ?? '1Gi' },
              accessModes: pvc.spec.accessModes ?? ['ReadWriteOnce'],
              storageClassName: pvc.spec.storageClassName ?? '',
              persistentVolumeReclaimPolicy: 'Delete',
              claimRef: { namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid },
              hostPath: { path: `/tmp/pv-${pvc.metadata.uid}` },
              volumeMode: pvc.spec.volumeMode ?? 'Filesystem',
            },
          }).catch(() => undefined);
        }
        await sleep(300);
      }
    })();
    return { stop: () => { stopped = true; } };
  }

  private async desiredOf(w: Workload): Promise<number> {
    const got = await this.c.request('GET', apiPath(w.kind, w.ns, w.name));
    return got.body?.spec?.replicas ?? w.replicas;
  }

  /** Waits until every workload has its desired Ready endpoints and no rollout in progress, or the timeout. */
  private async settle(ws: Workload[], seconds: number): Promise<boolean> {
    const deadline = Date.now() + Math.max(seconds * 1000 * Math.max(this.opts.timeScale, 0.25), 15_000);
    let stuckSince = Date.now();
    let stuckKey = '';
    for (;;) {
      await this.sampler.sample();
      let ok = true;
      for (const w of ws) {
        const got = (await this.c.request('GET', apiPath(w.kind, w.ns, w.name))).body;
        // A workload under an HPA is settled once the HPA has brought it to its minReplicas (w.replicas).
        const want = Math.max(got?.spec?.replicas ?? 0, got && w.hpas.length ? w.replicas : 0);
        const st = got?.status ?? {};
        const done = (st.observedGeneration ?? 0) >= (got?.metadata?.generation ?? 0) && (st.readyReplicas ?? 0) === want &&
          (st.replicas ?? 0) === want && (w.kind !== 'Deployment' || (st.updatedReplicas ?? 0) === want) &&
          this.sampler.readyOf(w) >= want;
        if (!done) ok = false;
      }
      if (ok) return true;
      if (Date.now() > deadline) return false;
      // Stuck: every live pod is Ready or refused by the scheduler, the same for 2 s: waiting longer changes nothing.
      const live = ws.flatMap((w) => this.sampler.podsOf(w)).filter((p) => !p.metadata.deletionTimestamp);
      const unschedulable = live.filter((p) => !p.spec.nodeName && (p.status?.conditions ?? []).some((c: any) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'));
      const stuck = unschedulable.length > 0 && live.every((p) => isReady(p) || unschedulable.includes(p));
      const key = stuck ? live.map((p) => `${p.metadata.uid}${isReady(p)}`).sort().join() : '';
      if (!stuck || key !== stuckKey) stuckSince = Date.now();
      stuckKey = key;
      if (stuck && Date.now() - stuckSince >= 2000) return false;
      await sleep(250);
    }
  }

  private async nodeList(): Promise<any[]> {
    return (await this.c.request('GET', '/api/v1/nodes?labelSelector=type%3Dkwok')).body.items;
  }
  private async cordon(node: string, on: boolean) {
    await this.c.request('PATCH', `/api/v1/nodes/${enc(node)}`, { spec: { unschedulable: on ? true : null } }, 'application/strategic-merge-patch+json');
  }
  private owner(pod: any, ws: Workload[]): Workload | undefined {
    return ws.find((w) => w.ns === pod.metadata.namespace && labelsMatch(pod.metadata.labels, w.selector, w.matchExpressions));
  }

  /** kubectl drain: cordon, evict every pod (DaemonSet pods stay) until the node is empty, retrying refusals. */
  private async drain(ws: Workload[]) {
    const cells = await this.sampler.open('drain', ws);
    const timeout = Math.max(this.scaled(this.opts.drainTimeoutSeconds), 10_000);
    for (const node of this.cluster.nodes) {
      await this.cordon(node, true);
      const deadline = Date.now() + timeout;
      const refusedHere = new Set<Workload>();
      for (;;) {
        const pods = (await this.c.request('GET', `/api/v1/pods?fieldSelector=spec.nodeName%3D${enc(node)}`)).body.items
          .filter((p: any) => !(p.metadata.ownerReferences ?? []).some((o: any) => o.kind === 'DaemonSet') && !p.metadata.deletionTimestamp &&
            !['Succeeded', 'Failed'].includes(p.status?.phase));
        if (!pods.length) break;
        if (Date.now() > deadline) {
          await this.sampler.sample();
          for (const w of refusedHere) {
            const states = this.sampler.podsOf(w).map((p) => `${p.metadata.name} ${p.status?.phase}${isReady(p) ? '+Ready' : ''} on ${p.spec.nodeName ?? '(none)'}`);
            cells.get(w)!.notes.push(`drain of ${node} timed out after ${timeout / 1000} s (pods: ${states.join(', ')})`);
          }
          if (!refusedHere.size) this.opts.log(`    drain of ${node} timed out with ${pods.length} pods of no measured workload`);
          break;
        }
        await Promise.all(pods.map(async (p: any) => {
          const res = await this.c.request('POST', `/api/v1/namespaces/${enc(p.metadata.namespace)}/pods/${enc(p.metadata.name)}/eviction`, {
            apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: p.metadata.name, namespace: p.metadata.namespace },
          });
          if (res.status === 429 || (res.status >= 400 && res.status !== 404)) {
            const w = this.owner(p, ws);
            if (w) {
              cells.get(w)!.evictionsRefused++;
              refusedHere.add(w);
            }
          }
        }));
        // kubectl drain retries a refused eviction every 5 s
        await sleep(Math.min(5000, Math.max(500, this.scaled(5))));
      }
      await this.cordon(node, false);
    }
    await this.sampler.close(cells);
  }

  /** The talk's pod killer: a random pod of each workload deleted every 15 s for 2 minutes (times the scale). */
  private async podKiller(ws: Workload[]) {
    const cells = await this.sampler.open('pod-killer', ws);
    const every = this.scaled(15);
    const end = Date.now() + this.scaled(120);
    while (Date.now() < end) {
      await this.sampler.sample();
      await Promise.all(ws.map(async (w) => {
        const pods = this.sampler.podsOf(w).filter((p) => !p.metadata.deletionTimestamp);
        if (!pods.length) return;
        const victim = pods[Math.floor(this.rng() * pods.length)];
        await this.c.request('DELETE', `/api/v1/namespaces/${enc(w.ns)}/pods/${enc(victim.metadata.name)}`);
      }));
      await sleep(Math.max(0, Math.min(every, end - Date.now())));
    }
    await this.sampler.close(cells);
  }

  private async restart(w: Workload, stamp: string) {
    await this.c.request('PATCH', apiPath(w.kind, w.ns, w.name),
      { spec: { template: { metadata: { annotations: { 'resilience.cdk8s.io/restartedAt': stamp } } } } }, 'application/strategic-merge-patch+json');
  }

  /** A new pod template for every workload at once (what `kubectl rollout restart` does), until the rollouts finish. */
  private async rollout(ws: Workload[]) {
    const cells = await this.sampler.open('rollout', ws);
    const stamp = new Date().toISOString();
    await Promise.all(ws.map((w) => this.restart(w, stamp)));
    if (!(await this.settle(ws, 120))) for (const c of cells.values()) c.notes.push('rollouts not finished in time');
    await this.sampler.close(cells);
  }

  /** Each zone in turn: cordon its nodes, delete their pods, give the controllers time to recover, uncordon. */
  private async zoneLoss(ws: Workload[]) {
    const cells = await this.sampler.open('zone-loss', ws);
    const nodes = await this.nodeList();
    const zones = [...new Set(nodes.map((n) => n.metadata.labels['topology.kubernetes.io/zone']))].sort();
    for (const zone of zones) {
      const inZone = nodes.filter((n) => n.metadata.labels['topology.kubernetes.io/zone'] === zone).map((n) => n.metadata.name);
      await Promise.all(inZone.map((n) => this.cordon(n, true)));
      const pods = (await this.c.request('GET', '/api/v1/pods')).body.items.filter((p: any) => inZone.includes(p.spec.nodeName));
      await Promise.all(pods.map((p: any) => this.c.request('DELETE', `/api/v1/namespaces/${enc(p.metadata.namespace)}/pods/${enc(p.metadata.name)}?gracePeriodSeconds=0`)));
      if (!(await this.settle(ws, 60))) {
        for (const w of ws) {
          const pending = this.sampler.podsOf(w).filter((p) => !p.spec.nodeName && !p.metadata.deletionTimestamp);
          if (pending.length) cells.get(w)!.notes.push(`${zone} down: ${pending.length} Pending: ${schedulerMessage(pending[0])}`);
        }
      }
      await Promise.all(inZone.map((n) => this.cordon(n, false)));
      await this.settle(ws, 60);
    }
    await this.sampler.close(cells);
  }

  /** Per app: every HPA (and KEDA ScaledObject) at its maximum, then a rollout's surge on top: does it all schedule? */
  private async capacity(ws: Workload[]) {
    const cells = await this.sampler.open('capacity', ws);
    const apps = [...new Set(ws.map((w) => w.app))];
    for (const app of apps) {
      const mine = ws.filter((w) => w.app === app);
      const before = new Map<Workload, number>();
      for (const w of mine) before.set(w, await this.desiredOf(w));
      for (const w of mine) {
        // The HPA controller scales up to its own minReplicas: raising it to maxReplicas makes the real controller do it.
        for (const h of w.hpas) await this.c.request('PATCH', apiPath('HorizontalPodAutoscaler', w.ns, h.name), { spec: { minReplicas: h.max } }, 'application/merge-patch+json');
        if (!w.hpas.length && w.scaledObjectMax !== undefined) {
          await this.c.request('PATCH', `${apiPath(w.kind, w.ns, w.name)}/scale`, { spec: { replicas: w.scaledObjectMax } }, 'application/merge-patch+json');
        }
      }
      await this.settle(mine, 30);
      const stamp = new Date().toISOString();
      await Promise.all(mine.map((w) => this.restart(w, stamp)));
      await this.settle(mine, 30);
      // Pending that stays: wait for the scheduler to have said why, a few samples in a row.
      await sleep(Math.max(1000, this.scaled(5)));
      await this.sampler.sample();
      for (const w of mine) {
        const pending = this.sampler.podsOf(w).filter((p) => !p.spec.nodeName && !p.metadata.deletionTimestamp);
        const cell = cells.get(w)!;
        cell.pendingAtEnd = pending.length;
        if (pending.length) cell.pendingReason = schedulerMessage(pending[0]);
        cell.notes.push(`at ${await this.desiredOf(w)} replicas`);
      }
      for (const w of mine) {
        for (const h of w.hpas) await this.c.request('PATCH', apiPath('HorizontalPodAutoscaler', w.ns, h.name), { spec: { minReplicas: h.min } }, 'application/merge-patch+json');
        await this.c.request('PATCH', `${apiPath(w.kind, w.ns, w.name)}/scale`, { spec: { replicas: before.get(w) } }, 'application/merge-patch+json');
      }
      await this.settle(mine, 30);
    }
    await this.sampler.close(cells);
  }
}

function isReady(pod: any): boolean {
  return (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

function schedulerMessage(pod: any): string {
  const c = (pod.status?.conditions ?? []).find((x: any) => x.type === 'PodScheduled');
  return c?.message ?? c?.reason ?? 'not scheduled yet';
}

/** The issue's rules. */
export function judge(w: WorkloadReport, expectedPending: Record<string, string>) {
  const multi = w.replicas >= 2;
  for (const sc of GATED) {
    const cell = w.cells[sc];
    if (!cell) continue;
    if (multi && cell.minReady === 0) w.failures.push(`${sc}: zero Ready endpoints for ${cell.secondsAtZero} s`);
  }
  const drain = w.cells.drain;
  for (const n of drain?.notes ?? []) if (/timed out/.test(n)) w.failures.push(`drain: ${n}`);
  const cap = w.cells.capacity;
  if (cap?.pendingAtEnd) {
    const key = `${w.app}/${w.workload}`;
    if (!expectedPending[key]) w.failures.push(`capacity: ${cap.pendingAtEnd} Pending without a documented reason (${cap.pendingReason})`);
    else cap.notes.push(`expected: ${expectedPending[key]}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Output

function cellText(c: Cell | undefined): string {
  if (!c) return '-';
  const parts = [`${c.minReady}`];
  if (c.secondsAtZero) parts.push(`${c.secondsAtZero.toFixed(1)}s@0`);
  if (c.evictionsRefused) parts.push(`${c.evictionsRefused} refused`);
  if (c.maxPending) parts.push(`${c.maxPending} pending`);
  if (c.pendingAtEnd) parts.push(`${c.pendingAtEnd} left pending`);
  return parts.join(', ');
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function renderTable(r: RunReport, scenarios: readonly Scenario[] = SCENARIOS): string {
  const rows = r.workloads.map((w) => [
    w.app, w.workload, String(w.replicas), String(w.readyAtStart), ...scenarios.map((s) => cellText(w.cells[s])),
    w.failures.length ? 'FAIL' : w.replicas < 2 && GATED.some((s) => w.cells[s]?.minReady === 0) ? 'reported (1 replica)' : 'ok',
  ]);
  return table(['app', 'workload', 'replicas', 'ready at start', ...scenarios, 'verdict'], rows);
}

export function renderNotes(r: RunReport): string[] {
  const out: string[] = [];
  for (const w of r.workloads) {
    for (const [sc, c] of Object.entries(w.cells) as [Scenario, Cell][]) {
      const notes = [...new Set(c.notes.filter((n) => !/^at \d+ replicas$/.test(n) || c.pendingAtEnd))];
      if (c.pendingReason) notes.push(`scheduler: ${c.pendingReason}`);
      if (notes.length) out.push(`${w.app} ${w.workload} ${sc}: ${notes.join('; ')}`);
    }
  }
  return out;
}

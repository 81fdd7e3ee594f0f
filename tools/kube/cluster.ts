// A simulated cluster: etcd + kube-apiserver (apiserver.ts) + kube-controller-manager + kube-scheduler + kwok, with
// fake Nodes that kwok keeps Ready and whose Pods it marks Running and Ready (kwok's default "fast" stages).
//
//   import { startCluster } from './tools/kube/cluster';
//   const cluster = await startCluster({ line: 'v1.37', nodes: 6 });
//   // cluster.kubeconfig, cluster.url, cluster.token, cluster.ca, cluster.client (KubeClient), cluster.nodes
//   await cluster.stop();
//
// Options (all optional): line ('v1.27' | 'v1.37' | full version; default newest), nodes (6), zones (3:
// zone-a, zone-b, zone-c; node i is in zone i mod zones), nodeCpu ('2'), nodeMemory ('4Gi'), nodePods ('110'),
// log (progress callback), keepDir. The nodes are named kwok-node-0.. and labelled kubernetes.io/hostname,
// topology.kubernetes.io/zone, topology.kubernetes.io/region=region-1, kubernetes.io/os=linux,
// kubernetes.io/arch=amd64, type=kwok; they carry the annotation kwok.x-k8s.io/node=fake, which is what kwok manages.
// Pod IPs come from 10.244.0.0/16. stop() stops kwok, the scheduler, the controller-manager, the API server and etcd,
// and deletes the temporary directory; it also runs on SIGINT/SIGTERM.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { ApiServer, ApiServerOptions, KubeClient, freePort, kwokBinary, startApiServer, startProcess } from './apiserver';

export interface ClusterOptions extends ApiServerOptions {
  readonly nodes?: number;
  readonly zones?: number;
  readonly nodeCpu?: string;
  readonly nodeMemory?: string;
  readonly nodePods?: string;
  /** Allocatable ephemeral-storage per node (default '100Gi'): every container of ours requests some. */
  readonly nodeEphemeralStorage?: string;
  /**
   * Simulated pods become Ready after their probes' initial delays (the startup probe's initialDelaySeconds plus the
   * readiness probe's, the longest over the containers; 0 without probes, as on a real node), multiplied by this
   * factor (default 1; 0 makes every pod Ready at once, kwok's own "fast" behaviour).
   */
  readonly readyDelayScale?: number;
  /**
   * Milliseconds a deleted pod stays Terminating before kwok removes it (default 0: at once, kwok's "fast" stage). A
   * kubelet takes at least a moment; controllers that track pods by name need to see the Terminating pod (the
   * disruption controller forgets an evicted pod in PDB status.disruptedPods only then, else a StatefulSet's
   * same-named replacement counts as disrupted for 2 minutes).
   */
  readonly podDeleteDelayMs?: number;
  /** Extra kube-controller-manager flags (--name=value), e.g. a shorter --horizontal-pod-autoscaler-sync-period. */
  readonly controllerManagerArgs?: string[];
}

export interface Cluster {
  readonly server: ApiServer;
  readonly kubeconfig: string;
  readonly url: string;
  readonly token: string;
  readonly ca: string;
  readonly client: KubeClient;
  /** Node names, in creation order. */
  readonly nodes: string[];
  stop(): Promise<void>;
}

export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function zoneName(i: number): string {
  return `zone-${String.fromCharCode('a'.charCodeAt(0) + i)}`;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? (() => undefined);
  const server = await startApiServer(options);
  try {
    const binDir = server.line.binDir;
    const need = (f: string) => {
      if (!fs.existsSync(f)) throw new Error(`${f} is missing: run tools/kube/build.sh (without --only apiserver) first`);
      return f;
    };
    const kcm = need(path.join(binDir, 'kube-controller-manager'));
    const scheduler = need(path.join(binDir, 'kube-scheduler'));
    const kwok = need(kwokBinary());
    const stagesDir = need(path.join(path.dirname(path.dirname(kwok)), 'stages'));

    log('starting kube-controller-manager');
    server.procs.push(startProcess('kube-controller-manager', kcm, [
      `--kubeconfig=${server.kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${await freePort()}`,
      '--leader-elect=false',
      `--service-account-private-key-file=${server.pki.saKey}`,
      `--root-ca-file=${server.pki.caCert}`,
      '--use-service-account-credentials=false',
      '--profiling=false',
      // Fake nodes have no kubelet: the defaults (40s grace, 5m eviction) hold, node health comes from kwok's leases.
      ...(options.controllerManagerArgs ?? []),
    ], server.dir));

    log('starting kube-scheduler');
    server.procs.push(startProcess('kube-scheduler', scheduler, [
      `--kubeconfig=${server.kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${await freePort()}`,
      '--leader-elect=false',
      '--profiling=false',
    ], server.dir));

    log('starting kwok');
    const configs = fs.readdirSync(stagesDir).filter((f) => f.endsWith('.yaml')).sort().map((f) => {
      const file = path.join(stagesDir, f);
      const delayed = path.join(server.dir, f);
      if (f === 'pod-ready.yaml') {
        fs.writeFileSync(delayed, delayedPodReady(fs.readFileSync(file, 'utf8'), options.readyDelayScale ?? 1));
        return `--config=${delayed}`;
      }
      if (f === 'pod-delete.yaml' && options.podDeleteDelayMs) {
        const stage = parse(fs.readFileSync(file, 'utf8'));
        stage.spec.delay = { durationMilliseconds: options.podDeleteDelayMs };
        fs.writeFileSync(delayed, stringify(stage));
        return `--config=${delayed}`;
      }
      return `--config=${file}`;
    });
    server.procs.push(startProcess('kwok', kwok, [
      `--kubeconfig=${server.kubeconfig}`,
      ...configs,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
      '--manage-nodes-with-label-selector=',
      '--cidr=10.244.0.1/16',
      '--node-ip=10.0.0.1',
      '--node-lease-duration-seconds=40',
    ], server.dir));

    const count = options.nodes ?? 6;
    const zones = options.zones ?? 3;
    const nodes: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = `kwok-node-${i}`;
      const resources = {
        'cpu': options.nodeCpu ?? '2',
        'memory': options.nodeMemory ?? '4Gi',
        'pods': options.nodePods ?? '110',
        'ephemeral-storage': options.nodeEphemeralStorage ?? '100Gi',
      };
      const res = await server.client.request('POST', '/api/v1/nodes', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          labels: {
            'kubernetes.io/hostname': name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            'topology.kubernetes.io/region': 'region-1',
            'topology.kubernetes.io/zone': zoneName(i % zones),
            'type': 'kwok',
          },
        },
        spec: {},
        status: { allocatable: resources, capacity: resources, nodeInfo: { kubeletVersion: server.version } },
      });
      if (res.status !== 201) throw new Error(`creating node ${name}: ${res.body?.message ?? res.text}`);
      nodes.push(name);
    }
    await waitFor(async () => {
      const procs = server.procs.filter((p) => p.exited());
      if (procs.length) throw new Error(`${procs.map((p) => p.name).join(', ')} exited:\n${procs.map((p) => p.tail(15)).join('\n')}`);
      const list = await server.client.request('GET', '/api/v1/nodes?labelSelector=type%3Dkwok');
      const ready = (list.body?.items ?? []).filter((n: any) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === count;
    }, 60_000, `${count} Ready nodes`);
    // The controller-manager publishes kube-root-ca.crt and the default ServiceAccount, which pods need.
    await waitFor(async () => (await server.client.request('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200, 60_000, 'the default ServiceAccount');
    log(`${count} nodes Ready in ${zones} zones`);

    return {
      server,
      kubeconfig: server.kubeconfig,
      url: server.url,
      token: server.token,
      ca: server.ca,
      client: server.client,
      nodes,
      stop: () => server.stop(),
    };
  } catch (e) {
    await server.stop();
    throw e;
  }
}

/**
 * kwok's pod-ready stage (Pending -> Running and Ready in one step) with a delay taken from the pod's probes: a jq
 * expression kwok evaluates per pod (kwok's StageDelay.durationFrom; a string is parsed as a Go duration).
 */
export function delayedPodReady(stageYaml: string, scale: number): string {
  const stage = parse(stageYaml);
  if (stage?.kind !== 'Stage' || stage.metadata?.name !== 'pod-ready') throw new Error('not kwok\'s pod-ready Stage');
  if (!(scale >= 0)) throw new Error(`readyDelayScale must be >= 0, not ${scale}`);
  const expression = [
    '[.spec.containers[]? | ((.startupProbe.initialDelaySeconds // 0) + (if .readinessProbe then (.readinessProbe.initialDelaySeconds // 0) else 0 end))]',
    `(max // 0) * ${scale} * 1000 | floor | tostring + "ms"`,
  ].join(' | ');
  stage.spec.delay = { durationMilliseconds: 0, durationFrom: { expressionFrom: expression } };
  return stringify(stage);
}

/** Polls check() every 200 ms until it returns true; throws after timeoutMs. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(200);
  }
}

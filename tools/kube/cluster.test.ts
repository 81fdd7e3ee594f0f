// The simulated cluster schedules and "runs" pods: a Deployment of 3 replicas gets 3 Running+Ready pods on the fake
// nodes and its Service an EndpointSlice with 3 ready endpoints.
import { applyObjects } from './apiserver';
import { Cluster, startCluster, waitFor } from './cluster';

const line = process.env.KUBE_CLUSTER_LINE; // default: the newest pinned line

describe(`simulated cluster ${line ?? '(newest line)'}`, () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ line });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('6 Ready nodes in 3 zones with 2 CPU / 4Gi / 110 pods / 100Gi ephemeral storage', async () => {
    const nodes = (await cluster.client.request('GET', '/api/v1/nodes')).body.items;
    expect(nodes).toHaveLength(6);
    const zones = new Set(nodes.map((n: any) => n.metadata.labels['topology.kubernetes.io/zone']));
    expect([...zones].sort()).toEqual(['zone-a', 'zone-b', 'zone-c']);
    for (const n of nodes) {
      expect(n.status.allocatable).toEqual({ 'cpu': '2', 'memory': '4Gi', 'pods': '110', 'ephemeral-storage': '100Gi' });
      expect(n.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    }
  });

  test('a Deployment of 3 replicas gets 3 Running+Ready pods and 3 ready endpoints', async () => {
    const labels = { app: 'web' };
    const results = await applyObjects(cluster.server, [
      {
        file: 'inline',
        doc: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: 'demo' },
          spec: {
            replicas: 3,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                containers: [{
                  name: 'web',
                  image: 'registry.example/web:1.0.0',
                  ports: [{ containerPort: 8080, name: 'http' }],
                  resources: { requests: { cpu: '100m', memory: '64Mi' } },
                }],
              },
            },
          },
        },
      },
      {
        file: 'inline',
        doc: {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: 'demo' },
          spec: { selector: labels, ports: [{ port: 80, targetPort: 'http' }] },
        },
      },
    ]);
    expect(results.map((r) => r.message)).toEqual([undefined, undefined]);

    let pods: any[] = [];
    await waitFor(async () => {
      pods = (await cluster.client.request('GET', '/api/v1/namespaces/demo/pods?labelSelector=app%3Dweb')).body.items;
      return pods.length === 3 && pods.every((p) => p.status.phase === 'Running' &&
        p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    }, 90_000, '3 Running+Ready pods');
    for (const p of pods) expect(cluster.nodes).toContain(p.spec.nodeName);
    expect(new Set(pods.map((p) => p.status.podIP)).size).toBe(3);

    let ready: any[] = [];
    await waitFor(async () => {
      const slices = (await cluster.client.request('GET', '/apis/discovery.k8s.io/v1/namespaces/demo/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb')).body.items;
      ready = slices.flatMap((s: any) => s.endpoints ?? []).filter((e: any) => e.conditions?.ready === true);
      return ready.length === 3;
    }, 60_000, 'an EndpointSlice with 3 ready endpoints');
    expect(ready.map((e: any) => e.addresses[0]).sort()).toEqual(pods.map((p) => p.status.podIP).sort());

    // The Deployment controller sees it too.
    await waitFor(async () => (await cluster.client.request('GET', '/apis/apps/v1/namespaces/demo/deployments/web')).body.status?.readyReplicas === 3, 30_000, 'the Deployment to report readyReplicas 3');
  });
});

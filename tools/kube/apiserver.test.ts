// The judge is real: a kube-apiserver refuses what its validation refuses, and takes a valid object.
import { ApiServer, applyObjects, installCrds, kubeLines, ManifestObject, startApiServer, vendorCrdFiles } from './apiserver';

const labels = { app: 'judge' };

function deployment(name: string, templateLabels: Record<string, string>): ManifestObject {
  return {
    file: 'inline',
    doc: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'judge-test' },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels: templateLabels },
          spec: { containers: [{ name: 'web', image: 'registry.example/web:1.0.0' }] },
        },
      },
    },
  };
}

describe.each(kubeLines().map((l) => [l.line, l.version]))('kube-apiserver %s', (line, version) => {
  let server: ApiServer;

  beforeAll(async () => {
    server = await startApiServer({ line });
  });
  afterAll(async () => {
    await server?.stop();
  });

  test(`reports ${version}`, () => {
    expect(server.version).toBe(version);
  });

  test('refuses a Deployment whose selector does not match its template labels', async () => {
    const [result] = await applyObjects(server, [deployment('mismatch', { app: 'other' })]);
    expect(result.ok).toBe(false);
    expect(result.status).toBe(422);
    expect(result.message).toContain('`selector` does not match template `labels`');
    // Nothing was stored.
    const got = await server.client.request('GET', '/apis/apps/v1/namespaces/judge-test/deployments/mismatch');
    expect(got.status).toBe(404);
  });

  test('accepts a valid Deployment and stores it with server defaults', async () => {
    const [result] = await applyObjects(server, [deployment('valid', labels)]);
    expect(result.message).toBeUndefined();
    expect(result.ok).toBe(true);
    const got = await server.client.request('GET', '/apis/apps/v1/namespaces/judge-test/deployments/valid');
    expect(got.status).toBe(200);
    expect(got.body.spec.strategy.type).toBe('RollingUpdate'); // defaulted by the server, not sent
    expect(got.body.metadata.managedFields.map((m: any) => m.manager)).toContain('cdk8s-resilience-check');
  });

  test('refuses unknown fields (fieldValidation=Strict)', async () => {
    const typo = deployment('typo', labels);
    const [result] = await applyObjects(server, [{ ...typo, doc: { ...typo.doc, spec: { ...typo.doc.spec, replica: 2 } } }]);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/replica/);
  });

  test('dry run validates without storing', async () => {
    const [bad, good] = await applyObjects(server, [deployment('dry-bad', { app: 'x' }), deployment('dry-good', labels)], { dryRun: true });
    expect(bad.ok).toBe(false);
    expect(good.ok).toBe(true);
    const got = await server.client.request('GET', '/apis/apps/v1/namespaces/judge-test/deployments/dry-good');
    expect(got.status).toBe(404);
  });

  test('installs the vendored CRDs and judges custom resources by their schema', async () => {
    expect(await installCrds(server, vendorCrdFiles())).toBeGreaterThan(0);
    const vs = (hosts: unknown): ManifestObject => ({
      file: 'inline',
      doc: {
        apiVersion: 'networking.istio.io/v1beta1',
        kind: 'VirtualService',
        metadata: { name: 'vs', namespace: 'judge-test' },
        spec: { hosts, http: [{ route: [{ destination: { host: 'web' } }] }] },
      },
    });
    const [bad] = await applyObjects(server, [vs('not-a-list')]);
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/spec\.hosts/);
    const [good] = await applyObjects(server, [vs(['web'])]);
    expect(good.message).toBeUndefined();
    expect(good.ok).toBe(true);
  });

  test('refuses a kind the server does not serve', async () => {
    const [result] = await applyObjects(server, [{ file: 'inline', doc: { apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', metadata: { name: 'old' } } }]);
    expect(result.ok).toBe(false);
    expect(result.message).toBe('the server does not serve PodDisruptionBudget in policy/v1beta1');
  });
});

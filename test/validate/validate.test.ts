import { problems } from '.';

// The schema check must really be strict, or every "valid" assertion in this suite means nothing.
describe('the validator every test uses (test/validate/)', () => {
  const deployment = () => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } },
    },
  });

  test('accepts a valid Deployment when Pod Security is not checked', () => {
    expect(problems([deployment()], { pss: 'none' })).toEqual([]);
  });

  test('rejects an unknown field', () => {
    const d: any = deployment();
    d.spec.replicaz = 2;
    expect(problems([d], { pss: 'none' }).join('\n')).toMatch(/replicaz/);
  });

  test('rejects a wrong type', () => {
    const d: any = deployment();
    d.spec.replicas = 'two';
    expect(problems([d], { pss: 'none' }).join('\n')).toMatch(/replicas/);
  });

  test('rejects a missing required field', () => {
    const d: any = deployment();
    delete d.spec.template.spec.containers[0].name;
    expect(problems([d], { pss: 'none' }).join('\n')).toMatch(/name/);
  });

  test('rejects a pod that is not "restricted"', () => {
    expect(problems([deployment()]).join('\n')).toMatch(/pss-restricted/);
  });

  test('rejects a Service that selects no pods', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'none' }, ports: [{ port: 80 }] } };
    expect(problems([deployment(), svc], { pss: 'none' }).join('\n')).toMatch(/selector matches no pod/);
  });

  test('rejects a Service on a port name no selected container has', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] } };
    expect(problems([deployment(), svc], { pss: 'none' }).join('\n')).toMatch(/targetPort 'http' names no container port/);
  });

  test('rejects two objects of one kind, namespace and name', () => {
    expect(problems([deployment(), deployment()], { pss: 'none' }).join('\n')).toMatch(/duplicate object Deployment \/web/);
  });

  test('rejects a privileged container even at baseline', () => {
    const d: any = deployment();
    d.spec.template.spec.containers[0].securityContext = { privileged: true };
    expect(problems([d], { pss: 'baseline' }).join('\n')).toMatch(/pss-baseline container app: privileged/);
  });

  test('checks CRD objects strictly against the vendored CRD schema', () => {
    const vs: any = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'web' }, spec: { hosts: ['web'], http: [{ retries: { attempts: 'five' } }] } };
    expect(problems([vs]).join('\n')).toMatch(/attempts must be integer/);
    vs.spec.http[0].retries = { attempts: 3, retryEvery: '1s' };
    expect(problems([vs]).join('\n')).toMatch(/must NOT have additional properties: 'retryEvery'/);
  });

  test('checks VerticalPodAutoscalers against the autoscaler CRD schema and their target', () => {
    const vpa = (updateMode: string, name: string) => ({
      apiVersion: 'autoscaling.k8s.io/v1',
      kind: 'VerticalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, updatePolicy: { updateMode } },
    });
    expect(problems([deployment(), vpa('Off', 'web')], { pss: 'none' })).toEqual([]);
    expect(problems([deployment(), vpa('Sometimes', 'web')], { pss: 'none' }).join('\n')).toMatch(/updateMode must be equal to one of the allowed values/);
    expect(problems([deployment(), vpa('Off', 'other')], { pss: 'none' }).join('\n')).toMatch(/targetRef Deployment\/other is not in this set/);
    const unknown: any = vpa('Off', 'web');
    unknown.spec.updatePolicy.minReplica = 2;
    expect(problems([deployment(), unknown], { pss: 'none' }).join('\n')).toMatch(/additional properties: 'minReplica'/);
  });
});

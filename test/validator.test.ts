import { problems } from './util';

// The schema check must really be strict, or every "valid" assertion in this suite means nothing.
describe('the shared validator used by every test', () => {
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
  });
});

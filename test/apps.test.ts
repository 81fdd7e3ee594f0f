import { Testing } from 'cdk8s';
import { APPS } from '../apps';
import { ofKind, podSpec, problems } from './util';
import pssExceptions from '../apps/pss-exceptions.json';

/**
 * Pod Security level each app meets. Apps that cannot be "restricted" document why in their chart and are listed in
 * apps/pss-exceptions.json with the level they do meet (CI reads the same file); every other app is "restricted".
 */
const PSS_EXCEPTIONS: { [app: string]: 'baseline' } = pssExceptions as any;

function synthApp(name: string): any[] {
  const app = Testing.app();
  APPS[name](app);
  return app.charts.flatMap(c => c.toJson());
}

describe.each(Object.keys(APPS))('example app %s', (name) => {
  const manifests = synthApp(name);

  test('passes the project validator (schema, references, Pod Security)', () => {
    expect(problems(manifests, { pss: PSS_EXCEPTIONS[name] ?? 'restricted' })).toEqual([]);
  });

  test('pins every image tag and sets requests and limits on every container', () => {
    for (const m of manifests) {
      const spec = m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template.spec : m.spec?.template?.spec;
      if (!spec) continue;
      for (const c of [...spec.initContainers ?? [], ...spec.containers]) {
        expect(c.image).toMatch(/(:[\w.-]+|@sha256:[0-9a-f]{64})$/);
        expect(c.image).not.toMatch(/:latest$/);
        expect(c.resources?.requests).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
        expect(c.resources?.limits).toEqual(expect.objectContaining({ memory: expect.anything() }));
      }
    }
  });

  test('gives a readiness probe to every workload a Service sends traffic to', () => {
    const services = ofKind(manifests, 'Service').filter(s => s.spec.selector && Object.keys(s.spec.selector).length);
    for (const svc of services) {
      const targets = manifests.filter(m => m.spec?.template?.metadata?.labels
        && Object.entries(svc.spec.selector).every(([k, v]) => m.spec.template.metadata.labels[k] === v));
      for (const t of targets) {
        for (const c of podSpec(t).containers) {
          expect({ workload: t.metadata.name, readiness: !!c.readinessProbe }).toEqual({ workload: t.metadata.name, readiness: true });
        }
      }
    }
  });

  test('protects every workload of 2 or more replicas with a disruption budget', () => {
    const budgets = ofKind(manifests, 'PodDisruptionBudget');
    for (const w of manifests.filter(m => ['Deployment', 'StatefulSet'].includes(m.kind))) {
      const hpa = manifests.find(m => ['HorizontalPodAutoscaler', 'ScaledObject'].includes(m.kind) && m.spec.scaleTargetRef.name === w.metadata.name);
      const floor = w.spec.replicas ?? hpa?.spec.minReplicas ?? hpa?.spec.minReplicaCount ?? 1;
      if (floor < 2) continue;
      const labels = w.spec.template.metadata.labels;
      const covered = budgets.some(b => b.metadata.namespace === w.metadata.namespace
        && Object.entries(b.spec.selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
      expect({ workload: w.metadata.name, covered }).toEqual({ workload: w.metadata.name, covered: true });
    }
  });

  test('matches its snapshot', () => {
    expect(manifests).toMatchSnapshot();
  });
});

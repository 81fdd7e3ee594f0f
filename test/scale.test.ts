import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ScalableBackend } from '../lib';
import { ofKind, synthValid } from './util';

/**
 * Not a timing test: 1000 backends take a few seconds when the cost per object is constant, and far longer when
 * something does per-object work over the whole tree (a quadratic regression shows up as a slow run here).
 * `npm run bench` measures the cost itself.
 */
describe('a chart of 1000 ScalableBackends', () => {
  const COUNT = 1000;
  let manifests: any[];

  // A generous limit, not a timing assertion: Jest's default of 5 s would turn a busy CI machine into a failure.
  beforeAll(() => {
    const chart = Testing.chart();
    for (let i = 0; i < COUNT; i++) {
      new ScalableBackend(chart, `backend-${i}`, {
        image: `registry.example.com/team/backend-${i}:1.4.2`,
        containerPort: 8080,
        servicePort: 80,
        readiness: kplus.Probe.fromHttpGet('/healthz'),
      });
    }
    manifests = synthValid(chart);
  }, 120_000);

  test('synthesizes a Deployment, a Service, a PodDisruptionBudget and a NetworkPolicy per backend, and nothing else', () => {
    expect(manifests).toHaveLength(4 * COUNT);
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy']) {
      expect(ofKind(manifests, kind)).toHaveLength(COUNT);
    }
  });

  test('gives every object a unique name', () => {
    const names = new Set(manifests.map(m => `${m.kind}/${m.metadata.name}`));
    expect(names.size).toBe(4 * COUNT);
  });

  test('wires each Service and budget to its own Deployment only', () => {
    const selectors = ofKind(manifests, 'Deployment').map(d => JSON.stringify(d.spec.selector.matchLabels));
    expect(new Set(selectors).size).toBe(COUNT);
    expect(ofKind(manifests, 'Service').map(s => JSON.stringify(s.spec.selector))).toEqual(selectors);
    expect(ofKind(manifests, 'PodDisruptionBudget').map(b => JSON.stringify(b.spec.selector.matchLabels))).toEqual(selectors);
  });
});

import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { DisruptionBudget, UnhealthyPodEvictionPolicy } from '../../lib';
import { ofKind, only, synthValid } from '../util';

function target(chart = Testing.chart()) {
  const deployment = new kplus.Deployment(chart, 'web', {
    metadata: { namespace: 'shop' },
    containers: [{ image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080, securityContext: { user: 101 } }],
  });
  return { chart, deployment };
}

describe('DisruptionBudget', () => {
  test('allows one eviction at a time by default, in the target\'s namespace, on the target\'s pods', () => {
    const { chart, deployment } = target();
    const budget = new DisruptionBudget(chart, 'budget', { target: deployment });
    const pdb = only(synthValid(chart, { pss: 'baseline' }), 'PodDisruptionBudget');
    expect(pdb.metadata.namespace).toBe('shop');
    expect(pdb.metadata.name).toBe(budget.name);
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: deployment.matchLabels }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  });

  test('takes percentages and the Kubernetes eviction policy', () => {
    const { chart, deployment } = target();
    new DisruptionBudget(chart, 'budget', {
      target: deployment,
      minAvailable: kplus.PercentOrAbsolute.percent(50),
      unhealthyPodEvictionPolicy: UnhealthyPodEvictionPolicy.IF_HEALTHY_BUDGET,
    });
    const pdb = only(synthValid(chart, { pss: 'baseline' }), 'PodDisruptionBudget');
    expect(pdb.spec).toEqual(expect.objectContaining({ minAvailable: '50%', unhealthyPodEvictionPolicy: 'IfHealthyBudget' }));
  });

  test('refuses minAvailable together with maxUnavailable', () => {
    const { chart, deployment } = target();
    expect(() => new DisruptionBudget(chart, 'budget', {
      target: deployment, minAvailable: kplus.PercentOrAbsolute.absolute(1), maxUnavailable: kplus.PercentOrAbsolute.absolute(1),
    })).toThrow('DisruptionBudget \'test/budget\': \'minAvailable\' (1) cannot be set together with \'maxUnavailable\' (1)');
  });

  test('refuses amounts that are not counts or percentages', () => {
    const { chart, deployment } = target();
    expect(() => new DisruptionBudget(chart, 'budget', { target: deployment, maxUnavailable: kplus.PercentOrAbsolute.percent(150) })).toThrow(
      'DisruptionBudget \'test/budget\': \'maxUnavailable\' ("150%") must be a whole number >= 0 or a percentage from 0% to 100%');
    expect(() => new DisruptionBudget(chart, 'budget2', { target: deployment, maxUnavailable: kplus.PercentOrAbsolute.absolute(-1) })).toThrow(
      '\'maxUnavailable\' (-1) must be a whole number >= 0 or a percentage');
  });

  test('refuses a budget its minimum replica count could never satisfy', () => {
    const { chart, deployment } = target();
    expect(() => new DisruptionBudget(chart, 'budget', { target: deployment, minReplicas: 2, minAvailable: kplus.PercentOrAbsolute.absolute(2) })).toThrow(
      'DisruptionBudget \'test/budget\': \'minAvailable\' (2) must be below the minimum replica count (2): otherwise the budget can never allow an eviction');
  });
});

describe('DisruptionBudget: budgets that would block every drain', () => {
  test('refuses a percentage minAvailable that rounds up to every replica (90% of 3 is 3)', () => {
    const { chart, deployment } = target();
    expect(() => new DisruptionBudget(chart, 'budget', { target: deployment, minReplicas: 3, minAvailable: kplus.PercentOrAbsolute.percent(90) })).toThrow(
      'DisruptionBudget \'test/budget\': \'minAvailable\' ("90%") must be below the minimum replica count (3): otherwise the budget can never allow an eviction');
    new DisruptionBudget(chart, 'ok', { target: deployment, minReplicas: 3, minAvailable: kplus.PercentOrAbsolute.percent(66) });
    expect(only(synthValid(chart, { pss: 'baseline' }), 'PodDisruptionBudget').spec.minAvailable).toBe('66%');
  });

  test('refuses at synth a second budget on the same pods, whatever the order', () => {
    const { chart, deployment } = target();
    new DisruptionBudget(chart, 'first', { target: deployment });
    new DisruptionBudget(chart, 'second', { target: deployment });
    expect(() => Testing.synth(chart)).toThrow(
      'DisruptionBudget \'test/first\': \'target\' (test/web) must have one disruption budget only: \'test/second\' selects the same pods, '
      + 'and the eviction API refuses to evict a pod two budgets select, so every drain of its node would hang');
  });

  test('allows budgets on different workloads or in different namespaces', () => {
    const { chart, deployment } = target();
    const other = new kplus.Deployment(chart, 'other', {
      metadata: { namespace: 'shop' },
      containers: [{ image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080, securityContext: { user: 101 } }],
    });
    new DisruptionBudget(chart, 'first', { target: deployment });
    new DisruptionBudget(chart, 'second', { target: other });
    expect(ofKind(synthValid(chart, { pss: 'baseline' }), 'PodDisruptionBudget')).toHaveLength(2);
  });
});

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

  test('refuses a budget whose selector picks some labels of pods another budget protects, naming the first such budget', () => {
    const chart = Testing.chart();
    const workload = (id: string, selector: Record<string, string>, podLabels: Record<string, string>) => {
      const deployment = new kplus.Deployment(chart, id, {
        metadata: { namespace: 'shop' },
        select: false,
        podMetadata: { labels: podLabels },
        containers: [{ image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080, securityContext: { user: 101 } }],
      });
      deployment.select(kplus.LabelSelector.of({ labels: selector }));
      return deployment;
    };
    const web = workload('web', { app: 'web' }, { app: 'web' });
    // Its pods carry the labels 'web' selects by, and more.
    const canary = workload('canary', { track: 'canary' }, { app: 'web', track: 'canary' });
    new DisruptionBudget(chart, 'narrow', { target: web });
    new DisruptionBudget(chart, 'wide', { target: canary });
    new DisruptionBudget(chart, 'again', { target: web });
    let message = '';
    try {
      Testing.synth(chart);
    } catch (e) {
      message = (e as Error).message;
    }
    const overlap = (budget: string, owner: string, other: string) =>
      `DisruptionBudget 'test/${budget}': 'target' (test/${owner}) must have one disruption budget only: 'test/${other}' selects the same pods`;
    // 'narrow' and 'again' select the pods of 'web'; 'narrow' (the first added) selects the canary's pods too.
    expect(message).toContain(overlap('narrow', 'web', 'again'));
    expect(message).toContain(overlap('wide', 'canary', 'narrow'));
    expect(message).toContain(overlap('again', 'web', 'narrow'));
    expect(message.match(/must have one disruption budget only/g)).toHaveLength(3);
  });

  test('finds the overlaps of every budget once per synthesis, and again when a budget is validated on its own', () => {
    const { chart, deployment } = target();
    const first = new DisruptionBudget(chart, 'first', { target: deployment });
    // One validation on the app for all budgets, one on each budget for its own error.
    expect((chart.node.root.node as any)._validations).toHaveLength(1);
    expect((first.node as any)._validations).toHaveLength(1);
    Testing.synth(chart);
    // A budget added after a synthesis, then validated outside one, is still seen.
    new DisruptionBudget(chart, 'second', { target: deployment });
    expect(first.node.validate()).toEqual([
      'DisruptionBudget \'test/first\': \'target\' (test/web) must have one disruption budget only: \'test/second\' selects the same pods, '
      + 'and the eviction API refuses to evict a pod two budgets select, so every drain of its node would hang',
    ]);
  });

  test('tells budgets apart whose selectors share a label, and finds a second budget on the same pods among them', () => {
    const chart = Testing.chart();
    const workload = (id: string) => {
      const labels = { 'app.kubernetes.io/part-of': 'shop', 'app': id };
      const deployment = new kplus.Deployment(chart, id, {
        select: false,
        podMetadata: { labels },
        containers: [{ image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080, securityContext: { user: 101 } }],
      });
      deployment.select(kplus.LabelSelector.of({ labels }));
      return deployment;
    };
    const [cart, checkout, frontend] = ['cart', 'checkout', 'frontend'].map(workload);
    for (const deployment of [cart, checkout, frontend]) new DisruptionBudget(chart, `${deployment.node.id}-budget`, { target: deployment });
    expect(() => Testing.synth(chart)).not.toThrow();
    new DisruptionBudget(chart, 'checkout-again', { target: checkout });
    expect(() => Testing.synth(chart)).toThrow(
      'DisruptionBudget \'test/checkout-again\': \'target\' (test/checkout) must have one disruption budget only: \'test/checkout-budget\' selects the same pods');
  });

  test('checks the budgets of an app in linear time: each selector is read a few times, not once per pair', () => {
    const chart = Testing.chart();
    const COUNT = 300;
    for (let i = 0; i < COUNT; i++) {
      const deployment = new kplus.Deployment(chart, `web${i}`, {
        containers: [{ image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080, securityContext: { user: 101 } }],
      });
      new DisruptionBudget(chart, `budget${i}`, { target: deployment });
    }
    const reads = jest.spyOn(kplus.Deployment.prototype, 'matchLabels', 'get');
    try {
      Testing.synth(chart);
      // cdk8s-plus reads each selector a few times itself; a check of every pair of budgets would read it 300 times.
      expect(reads.mock.calls.length).toBeLessThan(10 * COUNT);
    } finally {
      reads.mockRestore();
    }
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

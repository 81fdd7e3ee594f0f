import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { DisruptionBudget, ResilientDeployment } from '../../lib';
import { judge, opt } from '../property';

const amount = fc.oneof(
  fc.integer({ min: 0, max: 100 }).map(p => kplus.PercentOrAbsolute.percent(p)),
  fc.integer({ min: 0, max: 5 }).map(n => kplus.PercentOrAbsolute.absolute(n)),
);

test('random budgets give valid manifests or the library\'s error, at construction or at synth', () => {
  const props = fc.record({
    replicas: fc.integer({ min: 0, max: 5 }),
    maxUnavailable: opt(amount),
    minAvailable: opt(amount),
    second: fc.boolean(),
  });
  const outcome = judge(props, (chart, p) => {
    const target = new ResilientDeployment(chart, 'web', {
      replicas: p.replicas, disruptionBudget: { enabled: false }, containers: [{ image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080 }],
    });
    new DisruptionBudget(chart, 'budget', { target, minReplicas: p.replicas, maxUnavailable: p.maxUnavailable, minAvailable: p.minAvailable });
    if (p.second) new DisruptionBudget(chart, 'again', { target });
  }, 300, 20261130);
  expect(outcome.valid).toBeGreaterThan(50);
  expect(outcome.refused).toBeGreaterThan(50);
});

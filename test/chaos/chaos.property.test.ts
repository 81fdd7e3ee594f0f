import { Duration } from 'cdk8s';
import * as fc from 'fast-check';
import { ChaosTarget, KillMode, KubeMonkey, LoadTest, PodChaosMonkey, ResilientDeployment } from '../../lib';
import { dnsLabel, imageRef, int32ish, judge, labelValue, mostly, opt } from '../property';

test('random kube-monkey and chaos-target props give valid manifests or the library\'s error', () => {
  const props = fc.record({
    runHour: opt(int32ish(0, 23)),
    gracePeriod: opt(mostly(fc.integer({ min: 0, max: 60 }), fc.constantFrom(1e21, 0.5))),
    namespace: opt(mostly(dnsLabel, fc.constantFrom('Chaos', '-x'))),
    image: opt(imageRef),
    mtbfDays: mostly(fc.integer({ min: 1, max: 5 }), fc.constantFrom(0, -1, 2 ** 31, 1.5)),
    kill: opt(fc.integer({ min: -1, max: 4 })),
  });
  const outcome = judge(props, (chart, p) => {
    new KubeMonkey(chart, 'monkey', {
      runHour: p.runHour,
      gracePeriod: p.gracePeriod === undefined ? undefined : Duration.seconds(p.gracePeriod),
      namespace: p.namespace,
      image: p.image,
    });
    const target = new ResilientDeployment(chart, 'web', { containers: [{ image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080 }] });
    new ChaosTarget(chart, 'chaos', { target, mtbfDays: p.mtbfDays, killMode: p.kill === undefined ? undefined : KillMode.fixed(p.kill) });
  }, 200, 20261130);
  expect(outcome.valid).toBeGreaterThan(30);
  expect(outcome.refused).toBeGreaterThan(30);
});

test('random pod-chaos-monkey props give valid manifests or the library\'s error', () => {
  const props = fc.record({
    selector: fc.dictionary(dnsLabel, labelValue, { minKeys: 1, maxKeys: 2 }),
    interval: opt(mostly(fc.integer({ min: 1, max: 600 }), fc.constantFrom(0, 1e21, 2.5))),
    image: opt(imageRef),
  });
  const outcome = judge(props, (chart, p) => {
    new PodChaosMonkey(chart, 'pcm', { selector: p.selector, interval: p.interval === undefined ? undefined : Duration.seconds(p.interval), image: p.image });
  }, 200, 20261130);
  expect(outcome.valid).toBeGreaterThan(30);
  expect(outcome.refused).toBeGreaterThan(30);
});

test('random load-test props give valid manifests or the library\'s error', () => {
  const props = fc.record({
    target: mostly(fc.constantFrom('http://web.shop.svc.cluster.local:8080', 'https://example.com'), fc.constantFrom('web', 'ftp://x', '')),
    phases: fc.array(fc.record({
      duration: mostly(fc.integer({ min: 1, max: 600 }), fc.constantFrom(0, 1e21, 0.5)),
      arrivalRate: opt(int32ish(1, 50)),
    }), { minLength: 1, maxLength: 2 }),
    image: opt(imageRef),
  });
  const outcome = judge(props, (chart, p) => {
    new LoadTest(chart, 'load', {
      target: p.target,
      image: p.image,
      phases: p.phases.map(ph => ({ duration: Duration.seconds(ph.duration), arrivalRate: ph.arrivalRate })),
    });
  }, 200, 20261130);
  expect(outcome.valid).toBeGreaterThan(30);
  expect(outcome.refused).toBeGreaterThan(30);
});

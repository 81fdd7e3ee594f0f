import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { ResilientDeployment } from '../../lib';
import { dnsLabel, envName, imageRef, int32ish, judge, labelValue, mostly, opt, portName } from '../property';

const container = fc.record({
  name: opt(dnsLabel),
  image: imageRef,
  port: opt(mostly(fc.integer({ min: 1024, max: 65535 }), fc.constantFrom(0, 70000))),
  portName: opt(portName),
  env: opt(fc.dictionary(envName, fc.string({ maxLength: 5 }), { maxKeys: 2 })),
  memory: opt(mostly(fc.integer({ min: 1, max: 4096 }).map(Size.mebibytes), fc.constantFrom(Size.gibibytes(1e30), Size.mebibytes(0)))),
}).map(c => ({
  name: c.name,
  image: c.image,
  ports: c.port === undefined ? undefined : [{ number: c.port, name: c.portName }],
  envVariables: c.env && Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
  resources: c.memory && { memory: { request: c.memory, limit: c.memory } },
}));

const props = fc.record({
  containers: fc.array(container, { minLength: 1, maxLength: 3 }),
  replicas: opt(int32ish(0, 6)),
  labels: opt(fc.dictionary(dnsLabel, labelValue, { maxKeys: 2 })),
  minAvailablePercent: opt(fc.integer({ min: 0, max: 100 })),
  allowLatestImage: opt(fc.boolean()),
});

test('random props give valid, restricted manifests or the library\'s error', () => {
  const outcome = judge(props, (chart, p) => {
    new ResilientDeployment(chart, 'web', {
      containers: p.containers,
      replicas: p.replicas,
      metadata: p.labels && { labels: p.labels },
      podMetadata: p.labels && { labels: p.labels },
      allowLatestImage: p.allowLatestImage,
      disruptionBudget: p.minAvailablePercent === undefined ? undefined : { minAvailable: kplus.PercentOrAbsolute.percent(p.minAvailablePercent) },
    });
  }, 400, 20261130);
  expect(outcome.valid).toBeGreaterThan(60);
  expect(outcome.refused).toBeGreaterThan(60);
  expect(outcome.objects).toBeGreaterThan(120);
});

import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { ReplicatedPostgres, ResilientStatefulSet } from '../../lib';
import { dnsLabel, imageRef, int32ish, judge, mostly, opt, portName } from '../property';

const container = fc.record({
  name: opt(dnsLabel),
  image: imageRef,
  portNumber: opt(fc.integer({ min: 1024, max: 65535 })),
  named: opt(fc.record({ number: fc.integer({ min: 1024, max: 65535 }), name: opt(portName) })),
}).map(c => ({ name: c.name, image: c.image, portNumber: c.portNumber, ports: c.named && [c.named] }));

const size = mostly(fc.integer({ min: 1, max: 100 }).map(Size.gibibytes),
  fc.constantFrom(Size.gibibytes(1e30), Size.gibibytes(0), Size.gibibytes(Number.NaN)));

const props = fc.record({
  name: opt(mostly(fc.stringMatching(/^[a-z]([-a-z0-9]{0,48}[a-z0-9])?$/), fc.stringMatching(/^[a-z][-a-z0-9]{50,62}[a-z0-9]$/), 3)),
  containers: fc.array(container, { minLength: 1, maxLength: 2 }),
  replicas: opt(int32ish(0, 4)),
  claims: opt(fc.array(fc.record({ name: dnsLabel, storage: size }), { maxLength: 2 })),
});

test('random StatefulSet props give valid, restricted manifests or the library\'s error', () => {
  const outcome = judge(props, (chart, p) => {
    new ResilientStatefulSet(chart, 'db', {
      metadata: p.name === undefined ? undefined : { name: p.name },
      containers: p.containers,
      replicas: p.replicas,
      volumeClaims: p.claims?.map(c => ({ ...c, mountPath: `/data/${c.name}` })),
    });
  }, 400, 20261130);
  expect(outcome.valid).toBeGreaterThan(60);
  expect(outcome.refused).toBeGreaterThan(60);
});

const postgres = fc.record({
  name: opt(mostly(fc.stringMatching(/^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/), fc.stringMatching(/^[a-z0-9][-a-z0-9]{40,50}[a-z0-9]$/), 3)),
  replicas: opt(int32ish(1, 3)),
  haproxyReplicas: opt(int32ish(1, 3)),
  storage: opt(size),
  image: opt(mostly(fc.constantFrom('postgres:16.4', 'postgres:17.2'), fc.constantFrom('postgres', 'postgres:latest', 'Postgres:16'), 4)),
});

test('random ReplicatedPostgres props give valid, restricted manifests or the library\'s error', () => {
  const outcome = judge(postgres, (chart, p) => {
    new ReplicatedPostgres(chart, 'pg', { ...p, secret: kplus.Secret.fromSecretName(chart, 'secret', 'pg-passwords') });
  }, 150, 20261130);
  expect(outcome.valid).toBeGreaterThan(30);
  expect(outcome.refused).toBeGreaterThan(15);
});

import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { ChaosTarget, KillMode, PodSecurity, ResilientDeployment, ScalableBackend, WorkloadDefaults } from '../../lib';
import { only, synthValid } from '../util';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function webDeployment(chart: Chart, id = 'web', name?: string): ResilientDeployment {
  return new ResilientDeployment(chart, id, {
    metadata: name ? { name } : undefined,
    containers: [{ image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080 }],
  });
}

/** A StatefulSet hardened with the library's shared defaults, so that it passes Pod Security "restricted". */
function hardenedStatefulSet(chart: Chart): kplus.StatefulSet {
  const sts = new kplus.StatefulSet(chart, 'db', {
    securityContext: WorkloadDefaults._podSecurityContext({}),
    containers: [WorkloadDefaults._container({ kind: 'Test', path: 'db' }, '', { image: 'postgres:16.4', portNumber: 5432 }, {})],
  });
  PodSecurity.applySeccompProfile(sts);
  return sts;
}

function enrolled(props: { killMode?: KillMode; identifier?: string; mtbfDays?: number } = {}) {
  const chart = Testing.chart();
  const deployment = webDeployment(chart);
  const target = new ChaosTarget(chart, 'monkey', { target: deployment, mtbfDays: props.mtbfDays ?? 2, ...props });
  const manifest = only(synthValid(chart), 'Deployment');
  return { target, deployment, labels: manifest.metadata.labels, podLabels: manifest.spec.template.metadata.labels };
}

describe('ChaosTarget: the API of the issue', () => {
  test('enrolls a Deployment exactly as written in the issue, labels on the workload and identifier on the pods', () => {
    const chart = Testing.chart();
    const deployment = webDeployment(chart, 'web', 'monkey-victim');
    new ChaosTarget(chart, 'monkey', {
      target: deployment,
      mtbfDays: 2,
      killMode: KillMode.fixed(1),
    });
    const manifest = only(synthValid(chart), 'Deployment');
    expect(manifest.metadata.labels).toEqual({
      'kube-monkey/enabled': 'enabled',
      'kube-monkey/identifier': 'monkey-victim',
      'kube-monkey/mtbf': '2',
      'kube-monkey/kill-mode': 'fixed',
      'kube-monkey/kill-value': '1',
    });
    expect(manifest.spec.template.metadata.labels['kube-monkey/identifier']).toBe('monkey-victim');
  });

  test('keeps the other kube-monkey labels off the pod template, where kube-monkey does not read them', () => {
    const { podLabels } = enrolled();
    expect(Object.keys(podLabels).filter(k => k.startsWith('kube-monkey/'))).toEqual(['kube-monkey/identifier']);
  });

  test('does not change how the Deployment selects its pods', () => {
    const chart = Testing.chart();
    new ChaosTarget(chart, 'monkey', { target: webDeployment(chart), mtbfDays: 1 });
    const manifest = only(synthValid(chart), 'Deployment');
    expect(Object.keys(manifest.spec.selector.matchLabels)).toEqual(['cdk8s.io/metadata.addr']);
  });

  test('enrolls a StatefulSet the same way', () => {
    const chart = Testing.chart();
    const sts = hardenedStatefulSet(chart);
    new ChaosTarget(chart, 'monkey', { target: sts, mtbfDays: 3, killMode: KillMode.fixed(2), identifier: 'db' });
    const manifest = only(synthValid(chart), 'StatefulSet');
    expect(manifest.metadata.labels).toEqual({
      'kube-monkey/enabled': 'enabled',
      'kube-monkey/identifier': 'db',
      'kube-monkey/mtbf': '3',
      'kube-monkey/kill-mode': 'fixed',
      'kube-monkey/kill-value': '2',
    });
    expect(manifest.spec.template.metadata.labels['kube-monkey/identifier']).toBe('db');
  });

  test('enrolls a DaemonSet, the third kind kube-monkey attacks', () => {
    const chart = Testing.chart();
    const ds = new kplus.DaemonSet(chart, 'agent', {
      securityContext: WorkloadDefaults._podSecurityContext({}),
      containers: [WorkloadDefaults._container({ kind: 'Test', path: 'agent' }, '', { image: 'busybox:1.36.1', command: ['sleep', 'infinity'] }, {})],
    });
    PodSecurity.applySeccompProfile(ds);
    new ChaosTarget(chart, 'monkey', { target: ds, mtbfDays: 5, killMode: KillMode.killAll() });
    const manifest = only(synthValid(chart), 'DaemonSet');
    expect(manifest.metadata.labels).toEqual({
      'kube-monkey/enabled': 'enabled',
      'kube-monkey/identifier': ds.name,
      'kube-monkey/mtbf': '5',
      'kube-monkey/kill-mode': 'kill-all',
    });
    expect(manifest.spec.template.metadata.labels['kube-monkey/identifier']).toBe(ds.name);
  });

  test('enrolls a ScalableBackend\'s deployment, keeping the backend\'s own labels', () => {
    const chart = Testing.chart();
    const backend = new ScalableBackend(chart, 'api', { image: 'nginxinc/nginx-unprivileged:1.27.2', containerPort: 8080, labels: { app: 'api' } });
    new ChaosTarget(chart, 'monkey', { target: backend.deployment, mtbfDays: 1, killMode: KillMode.randomMaxPercent(50) });
    const manifest = only(synthValid(chart), 'Deployment');
    expect(manifest.metadata.labels).toEqual(expect.objectContaining({
      'app': 'api',
      'kube-monkey/enabled': 'enabled',
      'kube-monkey/kill-mode': 'random-max-percent',
      'kube-monkey/kill-value': '50',
    }));
    expect(manifest.spec.template.metadata.labels).toEqual(expect.objectContaining({
      'app': 'api',
      'kube-monkey/identifier': manifest.metadata.labels['kube-monkey/identifier'],
    }));
  });
});

describe('KillMode', () => {
  test('killAll() writes kill-all and no kill-value (kube-monkey does not read one)', () => {
    const { labels } = enrolled({ killMode: KillMode.killAll() });
    expect(labels['kube-monkey/kill-mode']).toBe('kill-all');
    expect(labels).not.toHaveProperty(['kube-monkey/kill-value']);
  });

  test('fixedPercent(30) writes fixed-percent 30', () => {
    const { labels } = enrolled({ killMode: KillMode.fixedPercent(30) });
    expect([labels['kube-monkey/kill-mode'], labels['kube-monkey/kill-value']]).toEqual(['fixed-percent', '30']);
  });

  test('randomMaxPercent(50) writes random-max-percent 50', () => {
    const { labels } = enrolled({ killMode: KillMode.randomMaxPercent(50) });
    expect([labels['kube-monkey/kill-mode'], labels['kube-monkey/kill-value']]).toEqual(['random-max-percent', '50']);
  });

  test('accepts the ends of the percent range, 0 and 100', () => {
    expect(enrolled({ killMode: KillMode.fixedPercent(0) }).labels['kube-monkey/kill-value']).toBe('0');
    expect(enrolled({ killMode: KillMode.randomMaxPercent(100) }).labels['kube-monkey/kill-value']).toBe('100');
  });

  test('every valid mode and mtbf gives labels that pass the validator', () => {
    const modes = fc.oneof(
      fc.integer({ min: 1, max: 10_000 }).map(KillMode.fixed),
      fc.constant(KillMode.killAll()),
      fc.integer({ min: 0, max: 100 }).map(KillMode.fixedPercent),
      fc.integer({ min: 0, max: 100 }).map(KillMode.randomMaxPercent),
    );
    fc.assert(fc.property(modes, fc.integer({ min: 1, max: 3650 }), (killMode, mtbfDays) => {
      const { labels } = enrolled({ killMode, mtbfDays });
      expect(labels['kube-monkey/mtbf']).toBe(String(mtbfDays));
      expect(labels['kube-monkey/kill-mode']).toBe(killMode.mode);
    }), { numRuns: 25 });
  });
});

describe('ChaosTarget defaults', () => {
  test('kills one pod at a time by default (KillMode.fixed(1))', () => {
    const { labels, target } = enrolled({ killMode: undefined });
    expect([labels['kube-monkey/kill-mode'], labels['kube-monkey/kill-value']]).toEqual(['fixed', '1']);
    expect(target.killMode.mode).toBe('fixed');
  });

  test('uses the workload\'s name as identifier by default', () => {
    const { labels, podLabels, deployment, target } = enrolled();
    expect(target.identifier).toBe(deployment.name);
    expect(labels['kube-monkey/identifier']).toBe(deployment.name);
    expect(podLabels['kube-monkey/identifier']).toBe(deployment.name);
  });

  test('derives a unique, valid label value when the name (a DNS subdomain) is too long to be one', () => {
    const chart = Testing.chart();
    const a = new ChaosTarget(chart, 'a', { target: webDeployment(chart, 'web-a', `${'a'.repeat(40)}.${'b'.repeat(30)}.one`), mtbfDays: 1 });
    const b = new ChaosTarget(chart, 'b', { target: webDeployment(chart, 'web-b', `${'a'.repeat(40)}.${'b'.repeat(30)}.two`), mtbfDays: 1 });
    for (const id of [a.identifier, b.identifier]) {
      expect(id.length).toBeLessThanOrEqual(63);
      expect(id).toMatch(LABEL_VALUE);
    }
    expect(a.identifier).not.toBe(b.identifier);
    synthValid(chart);
  });

  test('uses an explicit identifier on the workload and on its pods', () => {
    const { labels, podLabels } = enrolled({ identifier: 'monkey-victim' });
    expect(labels['kube-monkey/identifier']).toBe('monkey-victim');
    expect(podLabels['kube-monkey/identifier']).toBe('monkey-victim');
  });
});

describe('ChaosTarget validation', () => {
  function enroll(props: { mtbfDays?: number; killMode?: KillMode; identifier?: string }) {
    const chart = Testing.chart();
    return () => new ChaosTarget(chart, 'monkey', { target: webDeployment(chart), mtbfDays: 2, ...props });
  }

  test('refuses mtbfDays below 1', () => {
    expect(enroll({ mtbfDays: 0 })).toThrow("ChaosTarget 'test/monkey': 'mtbfDays' (0) must be a whole number >= 1");
  });

  test('refuses a fractional mtbfDays', () => {
    expect(enroll({ mtbfDays: 1.5 })).toThrow("ChaosTarget 'test/monkey': 'mtbfDays' (1.5) must be a whole number >= 1");
  });

  test('refuses a fixed kill of fewer than 1 pod', () => {
    expect(enroll({ killMode: KillMode.fixed(0) })).toThrow("ChaosTarget 'test/monkey': 'killMode.value' (0) must be a whole number >= 1");
  });

  test('refuses a fixed percentage above 100', () => {
    expect(enroll({ killMode: KillMode.fixedPercent(101) }))
      .toThrow("ChaosTarget 'test/monkey': 'killMode.value' (101) must be a whole number from 0 to 100");
  });

  test('refuses a negative random maximum percentage', () => {
    expect(enroll({ killMode: KillMode.randomMaxPercent(-1) }))
      .toThrow("ChaosTarget 'test/monkey': 'killMode.value' (-1) must be a whole number from 0 to 100");
  });

  test('refuses an identifier that is not a valid label value', () => {
    expect(enroll({ identifier: 'monkey victim' }))
      .toThrow(/^ChaosTarget 'test\/monkey': 'identifier' \("monkey victim"\) must be a valid label value: at most 63 characters/);
  });

  test('refuses a workload kube-monkey does not attack', () => {
    const chart = Testing.chart();
    const job = new kplus.Job(chart, 'batch', { containers: [{ image: 'busybox:1.36' }] });
    expect(() => new ChaosTarget(chart, 'monkey', { target: job, mtbfDays: 1 }))
      .toThrow("ChaosTarget 'test/monkey': 'target' (\"test/batch\") must be a Deployment, StatefulSet or DaemonSet: kube-monkey attacks no other kind (got Job)");
  });

  test('refuses to enroll a workload twice', () => {
    const chart = Testing.chart();
    const deployment = webDeployment(chart);
    new ChaosTarget(chart, 'first', { target: deployment, mtbfDays: 1 });
    expect(() => new ChaosTarget(chart, 'second', { target: deployment, mtbfDays: 3 }))
      .toThrow("ChaosTarget 'test/second': 'target' (\"test/web\") is already enrolled in kube-monkey by another ChaosTarget");
  });

  test('reports the options\' prefix for composites such as ScalableBackend', () => {
    expect(() => ChaosTarget._validateOptions({ kind: 'ScalableBackend', path: 'test/api' }, 'chaos.', { mtbfDays: 0 }))
      .toThrow("ScalableBackend 'test/api': 'chaos.mtbfDays' (0) must be a whole number >= 1");
  });
});

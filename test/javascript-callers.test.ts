import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as lib from '../lib';

// What a JavaScript caller (no compiler to enforce required props) gets: the library's error naming the construct,
// its path and the missing prop, never a TypeError from deep inside.
const required: Array<[string, string]> = [
  ['DisruptionBudget', 'target'],
  ['SessionStore', 'service'],
  ['ReplicatedPostgres', 'secret'],
  ['Autoscaler', 'target'],
  ['AutoscaledDeployment', 'maxReplicas'],
  ['VerticalAutoscaler', 'target'],
  ['LoadBalancedService', 'target'],
  ['ScalableBackend', 'image'],
  ['ScalableWorker', 'image'],
  ['WorkloadNetworkPolicy', 'target'],
  ['ChaosTarget', 'target'],
  ['PodChaosMonkey', 'selector'],
  ['LoadTest', 'target'],
];

describe('a JavaScript caller that leaves out a required prop', () => {
  test.each(required)('gets the library\'s error from %s, with empty props and with none', (kind, prop) => {
    const Construct = (lib as any)[kind];
    for (const args of [[{}], [undefined], []]) {
      expect(() => new Construct(Testing.chart(), 'x', ...args)).toThrow(
        new Error(`${kind} 'test/x': '${prop}' (undefined) must be given: it is a required prop`));
    }
  });

  test('gets the error for the second required prop too', () => {
    const chart = Testing.chart();
    const target = new lib.ResilientDeployment(chart, 'web', { containers: [{ image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080 }] });
    expect(() => new (lib as any).ScalableBackend(chart, 'a', { image: 'nginxinc/nginx-unprivileged:1.27.2' })).toThrow(
      'ScalableBackend \'test/a\': \'containerPort\' (undefined) must be given: it is a required prop');
    expect(() => new (lib as any).Autoscaler(chart, 'b', { target })).toThrow(
      'Autoscaler \'test/b\': \'maxReplicas\' (undefined) must be given: it is a required prop');
    expect(() => new (lib as any).ChaosTarget(chart, 'c', { target })).toThrow(
      'ChaosTarget \'test/c\': \'mtbfDays\' (undefined) must be given: it is a required prop');
    expect(() => new (lib as any).LoadTest(chart, 'd', { target: 'http://web:8080' })).toThrow(
      'LoadTest \'test/d\': \'phases\' (undefined) must be given: it is a required prop');
    expect(() => new (lib as any).SessionStore(chart, 'e', { service: new kplus.Service(chart, 's', { ports: [{ port: 6379 }] }) })).toThrow(
      'SessionStore \'test/e\': \'passwordSecret\' (undefined) must be given: it is a required prop');
  });

  test('an image that is not a string gets the library\'s error, not a TypeError', () => {
    const chart = Testing.chart();
    expect(() => new (lib as any).ScalableWorker(chart, 'x', { image: 42 })).toThrow(
      'ScalableWorker \'test/x\': \'image\' (42) must be a container image reference such as "registry/name:tag"');
  });

  test('KubeMonkey, whose props are all optional, builds from empty props or none', () => {
    for (const args of [[{}], []]) {
      const chart = Testing.chart();
      new lib.KubeMonkey(chart, 'x', ...args);
      expect(Testing.synth(chart).map(m => m.kind)).toContain('Deployment');
    }
  });

  test('a workload left without containers is refused at synth in the library\'s words, not cdk8s-plus\'s', () => {
    for (const Workload of [lib.ResilientDeployment, lib.AutoscaledDeployment]) {
      const chart = Testing.chart();
      new (Workload as any)(chart, 'x', { maxReplicas: 3 });
      expect(() => Testing.synth(chart)).toThrow(
        `${Workload.name} 'test/x': 'containers' ([]) must hold at least one container (or add one with addContainer before synthesis)`);
    }
  });

  test('covers every exported construct that has required props', () => {
    // Each exported construct is either listed above or builds from empty props (ResilientStatefulSet needs a port or
    // a Service: it says so in its own words, tested in its file).
    for (const [kind] of Object.entries(lib)) {
      const value = (lib as any)[kind];
      if (typeof value !== 'function' || !isConstruct(value)) continue;
      const listed = required.some(([k]) => k === kind) || ['ResilientDeployment', 'KubeMonkey', 'ResilientStatefulSet', 'HttpFault'].includes(kind);
      expect([kind, listed]).toEqual([kind, true]);
    }
  });
});

function isConstruct(cls: any): boolean {
  for (let p = cls.prototype; p; p = Object.getPrototypeOf(p)) if (p.constructor?.name === 'Construct') return true;
  return false;
}

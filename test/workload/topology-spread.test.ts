import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { TopologySpread, WhenUnsatisfiable } from '../../lib';
import { only, podSpec, synthValid } from '../util';

describe('TopologySpread', () => {
  test('applies hard spread with a larger skew to any workload, without pod-template-hash outside Deployments', () => {
    const chart = Testing.chart();
    const set = new kplus.StatefulSet(chart, 'db', {
      service: new kplus.Service(chart, 'svc', { clusterIP: 'None', ports: [{ port: 5432 }] }),
      containers: [{ image: 'postgres:16.4', portNumber: 5432, securityContext: { user: 999 } }],
    });
    TopologySpread.apply(set, { maxSkew: 2, whenUnsatisfiable: WhenUnsatisfiable.DO_NOT_SCHEDULE, acrossZones: false });
    const constraints = podSpec(only(synthValid(chart, { pss: 'baseline' }), 'StatefulSet')).topologySpreadConstraints;
    expect(constraints).toEqual([{
      topologyKey: 'kubernetes.io/hostname', maxSkew: 2, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: set.matchLabels },
    }]);
  });
});

import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { LoadBalancedService, ResilientDeployment } from '../../lib';
import { anyName, judge, mostly, opt, portName } from '../property';

const props = fc.record({
  name: opt(mostly(fc.stringMatching(/^[a-z]([-a-z0-9]{0,20}[a-z0-9])?$/), anyName, 3)),
  port: opt(mostly(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(0, 65536, 2 ** 31))),
  portName: opt(portName),
  type: opt(fc.constantFrom(kplus.ServiceType.CLUSTER_IP, kplus.ServiceType.NODE_PORT, kplus.ServiceType.LOAD_BALANCER)),
  nodePort: opt(mostly(fc.integer({ min: 30000, max: 32767 }), fc.integer({ min: 1, max: 65535 }), 2)),
});

test('random Service props give valid manifests or the library\'s error', () => {
  const outcome = judge(props, (chart, p) => {
    const target = new ResilientDeployment(chart, 'web', { containers: [{ image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080 }] });
    new LoadBalancedService(chart, 'lb', { target, name: p.name, port: p.port, portName: p.portName, serviceType: p.type, nodePort: p.nodePort });
  }, 400, 20261130);
  expect(outcome.valid).toBeGreaterThan(60);
  expect(outcome.refused).toBeGreaterThan(60);
});

import { Duration, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { FaultInjectionChart } from '../../apps/fault-injection';
import { HttpFault, LoadBalancedService, ResilientDeployment } from '../../lib';
import { ofKind, only, problems, synthAppValid, synthValid } from '../util';

function setup(fault: HttpFault) {
  const chart = Testing.chart();
  const target = new ResilientDeployment(chart, 'web', {
    containers: [{ image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080 }],
  });
  new LoadBalancedService(chart, 'lb', { target, port: 80, fault });
  return chart;
}

/** The fault route of the synthesized VirtualService. */
function faultRoute(fault: HttpFault) {
  return only(synthValid(setup(fault)), 'VirtualService').spec.http[0];
}

describe('HttpFault.abort', () => {
  test('reproduces the talk\'s nginx-color-http-error: 50% of /app answered 503, in today\'s percentage field', () => {
    const route = faultRoute(HttpFault.abort({ percent: 50, httpStatus: 503, pathPrefix: '/app' }));
    expect(route.match).toEqual([{ uri: { prefix: '/app' } }]);
    expect(route.fault).toEqual({ abort: { httpStatus: 503, percentage: { value: 50 } } });
    expect(route.fault.abort).not.toHaveProperty('percent');
  });

  test('answers 503 by default', () => {
    expect(faultRoute(HttpFault.abort({ percent: 10 })).fault.abort.httpStatus).toBe(503);
  });

  test('takes the given status', () => {
    expect(faultRoute(HttpFault.abort({ percent: 10, httpStatus: 429 })).fault.abort.httpStatus).toBe(429);
  });

  test('faults every request by default: the route has no match', () => {
    expect(faultRoute(HttpFault.abort({ percent: 10 }))).not.toHaveProperty('match');
  });

  test('accepts a fraction of a percent', () => {
    expect(faultRoute(HttpFault.abort({ percent: 0.5 })).fault.abort.percentage).toEqual({ value: 0.5 });
  });

  test('exposes what it injects', () => {
    const fault = HttpFault.abort({ percent: 50, pathPrefix: '/app' });
    expect([fault.percent, fault.httpStatus, fault.pathPrefix, fault.fixedDelay]).toEqual([50, 503, '/app', undefined]);
  });
});

describe('HttpFault.delay', () => {
  test('delays a share of the requests by a fixed delay', () => {
    expect(faultRoute(HttpFault.delay({ percent: 20, fixedDelay: Duration.millis(1500) })).fault)
      .toEqual({ delay: { fixedDelay: '1500ms', percentage: { value: 20 } } });
  });

  test('scopes the delay to a path prefix', () => {
    expect(faultRoute(HttpFault.delay({ percent: 20, fixedDelay: Duration.seconds(3), pathPrefix: '/api' })).match)
      .toEqual([{ uri: { prefix: '/api' } }]);
  });

  test('exposes what it injects', () => {
    const fault = HttpFault.delay({ percent: 20, fixedDelay: Duration.seconds(3) });
    expect([fault.percent, fault.httpStatus, fault.pathPrefix, fault.fixedDelay?.toSeconds()]).toEqual([20, undefined, undefined, 3]);
  });
});

describe('HttpFault refusals', () => {
  test.each([-1, 100.5, NaN])('refuses %p percent', (percent) => {
    expect(() => setup(HttpFault.abort({ percent }))).toThrow(
      `LoadBalancedService 'test/lb': 'fault.percent' (${percent}) must be a percentage from 0 to 100`);
  });

  test.each([199, 600, 503.5])('refuses the abort status %p', (httpStatus) => {
    expect(() => setup(HttpFault.abort({ percent: 50, httpStatus }))).toThrow(
      `LoadBalancedService 'test/lb': 'fault.httpStatus' (${httpStatus}) must be a whole number from 200 to 599`);
  });

  test('refuses a delay below 1ms', () => {
    expect(() => setup(HttpFault.delay({ percent: 50, fixedDelay: Duration.millis(0.5) }))).toThrow(
      'LoadBalancedService \'test/lb\': \'fault.fixedDelay\' (0.5ms) must be at least 1ms');
  });

  test('refuses a delay without its duration (from JavaScript, where the type is not checked)', () => {
    expect(() => setup(HttpFault.delay({ percent: 50 } as any))).toThrow(
      'LoadBalancedService \'test/lb\': \'fault.fixedDelay\' (undefined) must be given for a delay');
  });

  test('refuses a path prefix that does not start with /', () => {
    expect(() => setup(HttpFault.abort({ percent: 50, pathPrefix: 'app' }))).toThrow(
      'LoadBalancedService \'test/lb\': \'fault.pathPrefix\' ("app") must start with \'/\'');
  });

  test('accepts every percentage from 0 to 100 and refuses every other one (property)', () => {
    fc.assert(fc.property(fc.double({ min: -50, max: 150, noNaN: true }), (percent) => {
      const build = () => setup(HttpFault.abort({ percent, pathPrefix: '/app' }));
      if (percent >= 0 && percent <= 100) {
        expect(problems(Testing.synth(build()))).toEqual([]);
      } else {
        expect(build).toThrow('must be a percentage from 0 to 100');
      }
    }), { numRuns: 60 });
  });
});

describe('the fault-injection app', () => {
  test('answers 50% of the requests to /app with 503 through the nginx-color-gateway, and serves every other path', () => {
    const app = Testing.app();
    new FaultInjectionChart(app, 'fault-injection');
    const manifests = synthAppValid(app);
    const bound = ofKind(manifests, 'VirtualService').find(v => v.spec.gateways);
    const route = [{ destination: { host: 'nginx', port: { number: 80 } } }];
    expect(bound.spec).toEqual({
      hosts: ['*'],
      gateways: ['nginx-color-gateway'],
      http: [
        { name: 'fault', match: [{ uri: { prefix: '/app' } }], route, fault: { abort: { httpStatus: 503, percentage: { value: 50 } } } },
        { name: 'default', route },
      ],
    });
    expect(only(manifests, 'Gateway').metadata.name).toBe('nginx-color-gateway');
  });
});

import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { HealthCheck, ResilientDeployment, ScalableBackend } from '../../lib';
import { only, podSpec, synthValid } from '../util';

function container(props: Partial<kplus.ContainerProps>) {
  const chart = Testing.chart();
  new ResilientDeployment(chart, 'web', { containers: [{ image: 'example/cart:v1.2.3', portNumber: 7070, ...props }] });
  return podSpec(only(synthValid(chart), 'Deployment')).containers[0];
}

describe('HealthCheck', () => {
  test('writes a gRPC probe with its port, service name and timing', () => {
    const c = container({ readiness: HealthCheck.grpc(7070, { service: 'hipstershop.CartService', periodSeconds: Duration.seconds(5) }) });
    expect(c.readinessProbe).toEqual({ grpc: { port: 7070, service: 'hipstershop.CartService' }, failureThreshold: 3, periodSeconds: 5 });
  });

  test('writes a gRPC probe without a service name by default', () => {
    expect(container({ liveness: HealthCheck.grpc(7070) }).livenessProbe).toEqual({ grpc: { port: 7070 }, failureThreshold: 3 });
  });

  test('writes HTTP probe headers', () => {
    const c = container({ readiness: HealthCheck.httpGet('/_healthz', { headers: { Cookie: 'shop_session-id=x-readiness-probe' } }) });
    expect(c.readinessProbe.httpGet).toEqual({
      path: '/_healthz', port: 7070, scheme: 'HTTP', httpHeaders: [{ name: 'Cookie', value: 'shop_session-id=x-readiness-probe' }],
    });
  });

  test('writes a plain cdk8s-plus HTTP probe when no header is given, and a TCP probe', () => {
    expect(container({ readiness: HealthCheck.httpGet('/healthz') }).readinessProbe.httpGet).toEqual({ path: '/healthz', port: 7070, scheme: 'HTTP' });
    expect(container({ readiness: HealthCheck.tcp() }).readinessProbe.tcpSocket).toEqual({ port: 7070 });
  });

  test('refuses a gRPC probe of a port the container does not expose', () => {
    expect(() => new ScalableBackend(Testing.chart(), 'cart', { image: 'example/cart:v1.2.3', containerPort: 7070, readiness: HealthCheck.grpc(8080) }))
      .toThrow('ScalableBackend \'test/cart\': \'readiness\' (8080) must probe a port the container exposes (exposed: 7070)');
  });

  test('refuses a header name that is not an HTTP token', () => {
    expect(() => new ScalableBackend(Testing.chart(), 'web', {
      image: 'example/web:v1.2.3', containerPort: 8080, liveness: HealthCheck.httpGet('/', { headers: { 'Bad Header': 'x' } }),
    })).toThrow('ScalableBackend \'test/web\': \'liveness\' ("Bad Header") must send headers whose names are HTTP tokens (letters, digits and !#$%&\'*+-.^_`|~)');
  });
});

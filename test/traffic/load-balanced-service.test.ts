import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { WebgatosChart } from '../../apps/webgatos';
import {
  HttpFault, istio, IstioApiVersion, LoadBalancedService, LoadBalancedServiceProps, LoadBalancerPolicy, PodSecurity, ResilientDeployment,
  PortProtocol, ScalableBackend, WorkloadDefaults,
} from '../../lib';
import { ofKind, only, problems, synthAppValid, synthValid } from '../util';

type Props = Omit<LoadBalancedServiceProps, 'target'>;

function setup(props: Props = {}, namespace?: string) {
  const chart = Testing.chart();
  const target = new ResilientDeployment(chart, 'web', {
    metadata: namespace ? { namespace } : undefined,
    containers: [{ image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080 }],
  });
  const lb = new LoadBalancedService(chart, 'lb', { target, ...props });
  return { chart, target, lb };
}

function synth(props: Props = {}, namespace?: string) {
  const { chart, lb } = setup(props, namespace);
  const manifests = synthValid(chart);
  const virtualServices = ofKind(manifests, 'VirtualService');
  return {
    lb,
    manifests,
    service: only(manifests, 'Service'),
    mesh: virtualServices.find(v => !v.spec.gateways),
    bound: virtualServices.find(v => v.spec.gateways),
    rule: ofKind(manifests, 'DestinationRule')[0],
    gateway: ofKind(manifests, 'Gateway')[0],
  };
}

/** The retrying (normal) route of the in-mesh VirtualService. */
function defaultRoute(props: Props) {
  return synth(props).mesh.spec.http.find((r: any) => r.name === 'default');
}

function attempt(props: Props) {
  return () => setup(props);
}

const retries = { attempts: 5, perTryTimeout: Duration.seconds(2) };

describe('LoadBalancedService: the API of the issue', () => {
  test('synthesizes a Service, a VirtualService, a DestinationRule and a Gateway exactly as written in the issue', () => {
    const chart = Testing.chart();
    const deployment = new ResilientDeployment(chart, 'web', {
      containers: [{ image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080 }],
    });
    const svc = new LoadBalancedService(chart, 'webapp', {
      target: deployment,
      port: 8080,
      retries: { attempts: 5, perTryTimeout: Duration.seconds(2) },
      timeout: Duration.seconds(10),
      outlierDetection: { consecutive5xxErrors: 10 },
      gateway: { hosts: ['*'] },
    });
    const manifests = synthValid(chart);
    const service = only(manifests, 'Service');
    const destination = { host: service.metadata.name, port: { number: 8080 } };
    const routes = [{
      name: 'default',
      route: [{ destination }],
      retries: { attempts: 5, perTryTimeout: '2s', retryOn: LoadBalancedService.DEFAULT_RETRY_ON },
      timeout: '10s',
    }];
    const [mesh, bound] = ofKind(manifests, 'VirtualService');
    expect(mesh.apiVersion).toBe('networking.istio.io/v1');
    expect(mesh.spec).toEqual({ hosts: [service.metadata.name], http: routes });
    const gateway = only(manifests, 'Gateway');
    expect(gateway.spec).toEqual({
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
    });
    expect(bound.spec).toEqual({ hosts: ['*'], gateways: [gateway.metadata.name], http: routes });
    expect(only(manifests, 'DestinationRule').spec).toEqual({
      host: service.metadata.name,
      trafficPolicy: { outlierDetection: { consecutive5xxErrors: 10, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 10 } },
    });
    expect(svc.virtualService).toBeInstanceOf(istio.VirtualService);
    expect(svc.gatewayVirtualService).toBeInstanceOf(istio.VirtualService);
    expect(svc.destinationRule).toBeInstanceOf(istio.DestinationRule);
    expect(svc.gateway).toBeInstanceOf(istio.Gateway);
  });
});

describe('LoadBalancedService: the Service', () => {
  test('creates only a Service when no mesh option is given', () => {
    const { manifests, lb } = synth();
    expect(manifests.filter(m => !['Deployment', 'PodDisruptionBudget', 'NetworkPolicy'].includes(m.kind)).map(m => m.kind)).toEqual(['Service']);
    expect([lb.virtualService, lb.destinationRule, lb.gateway, lb.gatewayVirtualService]).toEqual([undefined, undefined, undefined, undefined]);
  });

  test('selects the target\'s pods by the labels cdk8s-plus gives them', () => {
    const { manifests, service } = synth();
    const deployment = only(manifests, 'Deployment');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  test('creates a ClusterIP Service by default', () => {
    expect(synth().service.spec.type).toBe('ClusterIP');
  });

  test('targets the first container port and listens on it by default', () => {
    expect(synth().service.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080 }]);
  });

  test('names the port \'http\' by default', () => {
    expect(synth({ port: 80 }).service.spec.ports[0].name).toBe('http');
  });

  test('takes a generated name by default and the given one otherwise', () => {
    expect(synth().service.metadata.name).toMatch(/^test-lb-/);
    expect(synth({ name: 'webapp' }).service.metadata.name).toBe('webapp');
  });

  test('places the Service and every Istio object in the target\'s namespace', () => {
    const { manifests } = synth({ retries, outlierDetection: {}, gateway: {} }, 'shop');
    expect(manifests.map(m => m.metadata.namespace)).toEqual(manifests.map(() => 'shop'));
  });

  test('refuses a target port the target does not expose', () => {
    expect(attempt({ targetPort: 9090 })).toThrow(
      'LoadBalancedService \'test/lb\': \'targetPort\' (9090) must be a port the target \'test/web\' exposes (exposed: 8080)');
  });

  test('refuses a target that exposes no port when no target port is given', () => {
    const chart = Testing.chart();
    const target = new ResilientDeployment(chart, 'web', { containers: [{ image: 'busybox:1.36' }] });
    expect(() => new LoadBalancedService(chart, 'lb', { target })).toThrow(
      'LoadBalancedService \'test/lb\': \'targetPort\' (undefined) must be given: the target \'test/web\' exposes no container port');
  });

  test('refuses a node port on a ClusterIP Service', () => {
    expect(attempt({ nodePort: 30080 })).toThrow(
      'LoadBalancedService \'test/lb\': \'nodePort\' (30080) needs \'serviceType\' NODE_PORT or LOAD_BALANCER (got ClusterIP)');
  });

  test('refuses a port outside 1-65535', () => {
    expect(attempt({ port: 0 })).toThrow(
      'LoadBalancedService \'test/lb\': \'port\' (0) must be a port number: a whole number from 1 to 65535');
  });

  test('refuses a name that is not a DNS label', () => {
    expect(attempt({ name: 'Web_App' })).toThrow(/^LoadBalancedService 'test\/lb': 'name' \("Web_App"\) must be a DNS-1035 label/);
    expect(attempt({ name: '2048' })).toThrow('LoadBalancedService \'test/lb\': \'name\' ("2048") must be a DNS-1035 label: at most 63 characters, '
      + 'lower-case letters, digits and \'-\', starting with a letter and ending with a letter or digit');
  });
});

describe('LoadBalancedService: retries and timeout', () => {
  test('routes in-mesh callers to the Service\'s host and port', () => {
    const { mesh, service } = synth({ port: 80, retries });
    expect(mesh.spec.hosts).toEqual([service.metadata.name]);
    expect(mesh.spec.http[0].route).toEqual([{ destination: { host: service.metadata.name, port: { number: 80 } } }]);
  });

  test('creates the in-mesh VirtualService for a timeout alone', () => {
    expect(defaultRoute({ timeout: Duration.millis(1500) })).toEqual(expect.objectContaining({ timeout: '1500ms' }));
  });

  test('retries on Istio\'s conditions plus 5xx by default', () => {
    expect(defaultRoute({ retries: { attempts: 3 } }).retries.retryOn)
      .toBe('connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes,5xx');
  });

  test('takes the given retry conditions', () => {
    expect(defaultRoute({ retries: { attempts: 3, retryOn: 'connect-failure,503' } }).retries.retryOn).toBe('connect-failure,503');
  });

  test('sets no per-try timeout by default', () => {
    expect(defaultRoute({ retries: { attempts: 3 } }).retries).toEqual({ attempts: 3, retryOn: LoadBalancedService.DEFAULT_RETRY_ON });
  });

  test('sets no timeout by default', () => {
    expect(defaultRoute({ retries }).timeout).toBeUndefined();
  });

  test('writes only attempts 0 to switch retries off, as Istio requires', () => {
    expect(defaultRoute({ retries: { attempts: 0 } }).retries).toEqual({ attempts: 0 });
  });

  test('accepts a per-try timeout equal to the timeout', () => {
    expect(defaultRoute({ retries, timeout: Duration.seconds(2) })).toEqual(expect.objectContaining({ timeout: '2s' }));
  });

  test.each([-1, 1.5])('refuses %p attempts', (attempts) => {
    expect(attempt({ retries: { attempts } })).toThrow(
      `LoadBalancedService 'test/lb': 'retries.attempts' (${attempts}) must be a whole number >= 0`);
  });

  test('refuses a per-try timeout longer than the timeout', () => {
    expect(attempt({ retries: { attempts: 5, perTryTimeout: Duration.seconds(30) }, timeout: Duration.seconds(10) })).toThrow(
      'LoadBalancedService \'test/lb\': \'retries.perTryTimeout\' (30s) must be <= \'timeout\' (10s): '
      + 'the request would time out before a try does, so a slow try would never be retried');
  });

  test('refuses a per-try timeout with attempts 0', () => {
    expect(attempt({ retries: { attempts: 0, perTryTimeout: Duration.seconds(2) } })).toThrow(
      'LoadBalancedService \'test/lb\': \'retries.perTryTimeout\' (2s) must be left out when \'retries.attempts\' is 0: '
      + 'Istio refuses a retry policy when retries are off');
  });

  test('refuses retry conditions with attempts 0', () => {
    expect(attempt({ retries: { attempts: 0, retryOn: '5xx' } })).toThrow(
      'LoadBalancedService \'test/lb\': \'retries.retryOn\' ("5xx") must be left out when \'retries.attempts\' is 0: '
      + 'Istio refuses a retry policy when retries are off');
  });

  test.each(['5XX', '5xx, reset', '', '600'])('refuses the retry conditions %p', (retryOn) => {
    expect(attempt({ retries: { attempts: 2, retryOn } })).toThrow(
      `LoadBalancedService 'test/lb': 'retries.retryOn' (${JSON.stringify(retryOn)}) must be a comma-separated list of HTTP status codes `
      + 'and Envoy retry conditions (5xx, gateway-error, reset, ');
  });

  test.each([
    ['timeout', { timeout: Duration.millis(0) }, '0s'],
    ['retries.perTryTimeout', { retries: { attempts: 1, perTryTimeout: Duration.millis(0.5) } }, '0.5ms'],
  ])('refuses a %s below 1ms', (prop, props, shown) => {
    expect(attempt(props as Props)).toThrow(`LoadBalancedService 'test/lb': '${prop}' (${shown}) must be at least 1ms`);
  });

  test('keeps every accepted retry policy valid and refuses every other one (property)', () => {
    const duration = fc.option(fc.integer({ min: 0, max: 20_000 }).map(ms => Duration.millis(ms)), { nil: undefined });
    fc.assert(fc.property(fc.integer({ min: -2, max: 10 }), duration, duration, (attempts, perTryTimeout, timeout) => {
      const ms = (d?: Duration) => d?.toMilliseconds() ?? 0;
      const refusable = attempts < 0 || (perTryTimeout && ms(perTryTimeout) === 0) || (timeout && ms(timeout) === 0)
        || (attempts === 0 && perTryTimeout) || (perTryTimeout && timeout && ms(perTryTimeout) > ms(timeout));
      const build = () => setup({ retries: { attempts, perTryTimeout }, timeout });
      if (refusable) {
        expect(build).toThrow(/^LoadBalancedService 'test\/lb': '(retries\.attempts|retries\.perTryTimeout|timeout)' /);
      } else {
        expect(problems(Testing.synth(build().chart))).toEqual([]);
      }
    }), { numRuns: 60 });
  });
});

describe('LoadBalancedService: fault injection', () => {
  const abort = HttpFault.abort({ percent: 50, httpStatus: 503, pathPrefix: '/app' });

  test('keeps the fault route and the retrying route separate, the fault first', () => {
    const { mesh, service } = synth({ retries, timeout: Duration.seconds(10), fault: abort });
    const destination = { host: service.metadata.name, port: { number: 8080 } };
    expect(mesh.spec.http).toEqual([
      {
        name: 'fault',
        match: [{ uri: { prefix: '/app' } }],
        route: [{ destination }],
        fault: { abort: { httpStatus: 503, percentage: { value: 50 } } },
      },
      {
        name: 'default',
        route: [{ destination }],
        retries: { attempts: 5, perTryTimeout: '2s', retryOn: LoadBalancedService.DEFAULT_RETRY_ON },
        timeout: '10s',
      },
    ]);
  });

  test('faults every request on a single route when the fault has no path prefix', () => {
    const { mesh } = synth({ fault: HttpFault.delay({ percent: 10, fixedDelay: Duration.seconds(5) }) });
    expect(mesh.spec.http).toEqual([{
      name: 'fault',
      route: [expect.anything()],
      fault: { delay: { fixedDelay: '5s', percentage: { value: 10 } } },
    }]);
  });

  test('puts the fault on the Gateway\'s VirtualService too', () => {
    const { bound } = synth({ fault: abort, gateway: {} });
    expect(bound.spec.http.map((r: any) => r.name)).toEqual(['fault', 'default']);
  });

  test.each([
    ['retries', { retries }],
    ['timeout', { timeout: Duration.seconds(3) }],
  ])('refuses a fault on every request together with %s', (_, props) => {
    expect(attempt({ ...props, fault: HttpFault.abort({ percent: 5 }) })).toThrow(
      'LoadBalancedService \'test/lb\': \'fault.pathPrefix\' (undefined) must be set when \'retries\' or \'timeout\' are: '
      + 'Istio turns retries and timeouts off on a route that injects faults, so a fault on every request would switch them off for all traffic');
  });
});

describe('LoadBalancedService: the DestinationRule', () => {
  function rule(props: Props) {
    return synth(props).rule;
  }

  test('names the Service\'s host, as the VirtualService does', () => {
    const { rule: dr, mesh } = synth({ retries, outlierDetection: {} });
    expect(dr.spec.host).toBe(mesh.spec.http[0].route[0].destination.host);
  });

  test('ejects after 5 consecutive 5xx errors by default', () => {
    expect(rule({ outlierDetection: {} }).spec.trafficPolicy.outlierDetection.consecutive5xxErrors).toBe(5);
  });

  test('checks every 10 seconds by default', () => {
    expect(rule({ outlierDetection: {} }).spec.trafficPolicy.outlierDetection.interval).toBe('10s');
  });

  test('ejects for 30 seconds by default', () => {
    expect(rule({ outlierDetection: {} }).spec.trafficPolicy.outlierDetection.baseEjectionTime).toBe('30s');
  });

  test('ejects at most 10% of the replicas by default', () => {
    expect(rule({ outlierDetection: {} }).spec.trafficPolicy.outlierDetection.maxEjectionPercent).toBe(10);
  });

  test('leaves minHealthPercent to Istio and counts no gateway errors on their own by default', () => {
    expect(rule({ outlierDetection: {} }).spec.trafficPolicy.outlierDetection).toEqual({
      consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 10,
    });
  });

  test('leaves load balancing to Istio (least request) by default', () => {
    expect(rule({ outlierDetection: {} }).spec.trafficPolicy).not.toHaveProperty('loadBalancer');
  });

  test('counts only gateway errors when consecutiveGatewayErrors alone is given', () => {
    expect(rule({ outlierDetection: { consecutiveGatewayErrors: 3 } }).spec.trafficPolicy.outlierDetection).toEqual({
      consecutiveGatewayErrors: 3, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 10,
    });
  });

  test('writes every given outlier option', () => {
    expect(rule({
      outlierDetection: {
        consecutive5xxErrors: 10,
        consecutiveGatewayErrors: 2,
        interval: Duration.seconds(5),
        baseEjectionTime: Duration.minutes(1),
        maxEjectionPercent: 100,
        minHealthPercent: 0,
      },
    }).spec.trafficPolicy.outlierDetection).toEqual({
      consecutive5xxErrors: 10, consecutiveGatewayErrors: 2, interval: '5s', baseEjectionTime: '60s', maxEjectionPercent: 100, minHealthPercent: 0,
    });
  });

  test('writes only the connection limits given', () => {
    expect(rule({ connectionPool: { maxConnections: 100 } }).spec.trafficPolicy).toEqual({ connectionPool: { tcp: { maxConnections: 100 } } });
  });

  test('maps every connection limit to Istio\'s fields', () => {
    expect(rule({
      connectionPool: {
        maxConnections: 100,
        connectTimeout: Duration.millis(250),
        maxPendingRequests: 10,
        maxRequests: 50,
        maxRequestsPerConnection: 1,
        maxRetries: 3,
        idleTimeout: Duration.minutes(5),
      },
    }).spec.trafficPolicy.connectionPool).toEqual({
      tcp: { maxConnections: 100, connectTimeout: '250ms' },
      http: { http1MaxPendingRequests: 10, http2MaxRequests: 50, maxRequestsPerConnection: 1, maxRetries: 3, idleTimeout: '300s' },
    });
  });

  test.each([
    ['roundRobin', LoadBalancerPolicy.roundRobin(), { simple: 'ROUND_ROBIN' }],
    ['leastRequest', LoadBalancerPolicy.leastRequest(), { simple: 'LEAST_REQUEST' }],
    ['random', LoadBalancerPolicy.random(), { simple: 'RANDOM' }],
    ['consistentHashByCookie', LoadBalancerPolicy.consistentHashByCookie('session', Duration.hours(1)),
      { consistentHash: { httpCookie: { name: 'session', ttl: '3600s' } } }],
    ['consistentHashByHeader', LoadBalancerPolicy.consistentHashByHeader('x-user'), { consistentHash: { httpHeaderName: 'x-user' } }],
    ['consistentHashBySourceIp', LoadBalancerPolicy.consistentHashBySourceIp(), { consistentHash: { useSourceIp: true } }],
  ])('writes the load-balancer policy %s', (_, policy, expected) => {
    expect(rule({ loadBalancerPolicy: policy }).spec.trafficPolicy).toEqual({ loadBalancer: expected });
  });

  test('creates no DestinationRule for retries alone (Istio\'s least-request balancing applies)', () => {
    expect(synth({ retries }).rule).toBeUndefined();
  });

  test.each(['consecutive5xxErrors', 'consecutiveGatewayErrors'])('refuses a %s threshold below 1', (prop) => {
    expect(attempt({ outlierDetection: { [prop]: 0 } })).toThrow(
      `LoadBalancedService 'test/lb': 'outlierDetection.${prop}' (0) must be a whole number from 1 to 4294967295`);
  });

  test.each(['maxEjectionPercent', 'minHealthPercent'])('refuses a %s above 100', (prop) => {
    expect(attempt({ outlierDetection: { [prop]: 101 } })).toThrow(
      `LoadBalancedService 'test/lb': 'outlierDetection.${prop}' (101) must be a whole number from 0 to 100`);
  });

  test.each(['interval', 'baseEjectionTime'])('refuses an outlier %s below 1ms', (prop) => {
    expect(attempt({ outlierDetection: { [prop]: Duration.millis(0) } })).toThrow(
      `LoadBalancedService 'test/lb': 'outlierDetection.${prop}' (0s) must be at least 1ms`);
  });

  test.each(['maxConnections', 'maxPendingRequests', 'maxRequests', 'maxRequestsPerConnection'])('refuses a %s below 1', (prop) => {
    expect(attempt({ connectionPool: { [prop]: 0 } })).toThrow(
      `LoadBalancedService 'test/lb': 'connectionPool.${prop}' (0) must be a whole number from 1 to 4294967295`);
  });

  test('refuses negative maxRetries', () => {
    expect(attempt({ connectionPool: { maxRetries: -1 } })).toThrow(
      'LoadBalancedService \'test/lb\': \'connectionPool.maxRetries\' (-1) must be a whole number from 0 to 4294967295');
  });

  test.each(['connectTimeout', 'idleTimeout'])('refuses a connection-pool %s below 1ms', (prop) => {
    expect(attempt({ connectionPool: { [prop]: Duration.millis(0) } })).toThrow(
      `LoadBalancedService 'test/lb': 'connectionPool.${prop}' (0s) must be at least 1ms`);
  });

  test('refuses to hash on a cookie name that is not an HTTP token', () => {
    expect(attempt({ loadBalancerPolicy: LoadBalancerPolicy.consistentHashByCookie('my session', Duration.hours(1)) })).toThrow(
      'LoadBalancedService \'test/lb\': \'loadBalancerPolicy\' ("my session") must hash on a cookie or header name made of letters, digits and !#$%&\'*+-.^_`|~');
  });
});

describe('LoadBalancedService: the Gateway', () => {
  test('answers to every host by default', () => {
    expect(synth({ gateway: {} }).gateway.spec.servers[0].hosts).toEqual(['*']);
  });

  test('selects the ingress gateway pods labelled istio: ingressgateway by default', () => {
    expect(synth({ gateway: {} }).gateway.spec.selector).toEqual({ istio: 'ingressgateway' });
  });

  test('listens on HTTP port 80 by default', () => {
    expect(synth({ gateway: {} }).gateway.spec.servers[0].port).toEqual({ number: 80, name: 'http', protocol: 'HTTP' });
  });

  test('takes the Service\'s name by default, and a generated one without it', () => {
    expect(synth({ name: 'webapp', gateway: {} }).gateway.metadata.name).toBe('webapp');
    expect(synth({ gateway: {} }).gateway.metadata.name).toMatch(/^test-lb-gateway-/);
  });

  test('takes the given hosts, selector, port and name', () => {
    const { gateway, bound } = synth({ gateway: { hosts: ['shop.example.com'], selector: { istio: 'ingress' }, port: 8080, name: 'shop' } });
    expect(gateway.metadata.name).toBe('shop');
    expect(gateway.spec).toEqual({
      selector: { istio: 'ingress' },
      servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'] }],
    });
    expect(bound.spec).toEqual(expect.objectContaining({ hosts: ['shop.example.com'], gateways: ['shop'] }));
  });

  test('binds a VirtualService to the Gateway without an in-mesh one when no retries, timeout or fault are given', () => {
    const { bound, mesh, service } = synth({ gateway: {} });
    expect(mesh).toBeUndefined();
    expect(bound.spec.http).toEqual([{ name: 'default', route: [{ destination: { host: service.metadata.name, port: { number: 8080 } } }] }]);
  });

  test('names the VirtualServices after the Service, the Gateway\'s with a -gateway suffix', () => {
    const { mesh, bound, rule } = synth({ name: 'webapp', retries, gateway: {}, outlierDetection: {} });
    expect([mesh.metadata.name, bound.metadata.name, rule.metadata.name]).toEqual(['webapp', 'webapp-gateway', 'webapp']);
  });

  test('refuses an empty host list', () => {
    expect(attempt({ gateway: { hosts: [] } })).toThrow('LoadBalancedService \'test/lb\': \'gateway.hosts\' ([]) must hold at least one host');
  });

  test.each(['', 'Shop.example.com', 'shop/*', 'http://shop'])('refuses the gateway host %p', (host) => {
    expect(attempt({ gateway: { hosts: [host] } })).toThrow(
      `LoadBalancedService 'test/lb': 'gateway.hosts' (${JSON.stringify(host)}) must hold host names such as "*", "example.com" or "*.example.com" (lower case)`);
  });

  test('refuses a gateway port outside 1-65535', () => {
    expect(attempt({ gateway: { port: 0 } })).toThrow(
      'LoadBalancedService \'test/lb\': \'gateway.port\' (0) must be a port number: a whole number from 1 to 65535');
  });

  test('refuses a gateway name that is not a DNS label', () => {
    expect(attempt({ gateway: { name: 'My Gateway' } })).toThrow(/^LoadBalancedService 'test\/lb': 'gateway.name' \("My Gateway"\) must be a DNS label/);
  });

  test('refuses a selector value that is not a label value', () => {
    expect(attempt({ gateway: { selector: { istio: 'ingress gateway' } } })).toThrow(
      /^LoadBalancedService 'test\/lb': 'gateway.selector.istio' \("ingress gateway"\) must be a valid label value/);
  });
});

describe('LoadBalancedService: Istio API versions', () => {
  test('writes networking.istio.io/v1 by default', () => {
    const { manifests, lb } = synth({ retries, outlierDetection: {}, gateway: {} });
    expect(lb.istioApiVersion).toBe(IstioApiVersion.V1);
    expect(manifests.filter(m => m.apiVersion.includes('istio')).map(m => m.apiVersion))
      .toEqual(['networking.istio.io/v1', 'networking.istio.io/v1', 'networking.istio.io/v1', 'networking.istio.io/v1']);
  });

  test('writes networking.istio.io/v1beta1 for meshes older than Istio 1.22, with the same specs', () => {
    const options: Props = {
      retries,
      timeout: Duration.seconds(10),
      fault: HttpFault.abort({ percent: 1, pathPrefix: '/x' }),
      gateway: {},
      outlierDetection: {},
      connectionPool: { maxConnections: 5 },
      loadBalancerPolicy: LoadBalancerPolicy.roundRobin(),
    };
    const v1 = synth(options).manifests.filter(m => m.apiVersion.includes('istio'));
    const beta = synth({ ...options, istioApiVersion: IstioApiVersion.V1BETA1 });
    const istioObjects = beta.manifests.filter(m => m.apiVersion.includes('istio'));
    expect(istioObjects.map(m => `${m.apiVersion} ${m.kind}`)).toEqual([
      'networking.istio.io/v1beta1 VirtualService',
      'networking.istio.io/v1beta1 DestinationRule',
      'networking.istio.io/v1beta1 Gateway',
      'networking.istio.io/v1beta1 VirtualService',
    ]);
    expect(istioObjects.map(m => m.spec)).toEqual(v1.map(m => m.spec));
    expect(beta.lb.virtualService).toBeInstanceOf(istio.VirtualServiceV1Beta1);
  });
});

describe('LoadBalancedService: mesh options for other constructs', () => {
  test('takes every mesh option from a ScalableBackend unchanged (no hand-copied option list)', () => {
    const fault = HttpFault.abort({ percent: 1, pathPrefix: '/x' });
    const mesh = {
      retries,
      timeout: Duration.seconds(3),
      outlierDetection: {},
      connectionPool: {},
      loadBalancerPolicy: LoadBalancerPolicy.random(),
      gateway: {},
      fault,
      istioApiVersion: IstioApiVersion.V1BETA1,
    };
    const chart = Testing.chart();
    const image = 'nginxinc/nginx-unprivileged:1.27.2';
    const backend = new ScalableBackend(chart, 'web', { image, containerPort: 8080, name: 'web', ...mesh });
    const other = Testing.chart();
    const deployment = new ResilientDeployment(other, 'web', { containers: [{ image, portNumber: 8080 }] });
    const standalone = new LoadBalancedService(other, 'lb', { target: deployment, name: 'web', ...mesh });
    const istioSpecs = (manifests: any[]) => manifests.filter(m => m.apiVersion.startsWith('networking.istio.io/')).map(m => [m.kind, m.spec]);
    expect(istioSpecs(synthValid(chart))).toEqual(istioSpecs(synthValid(other)));
    expect(istioSpecs(Testing.synth(chart)).map(([kind]) => kind).sort()).toEqual(['DestinationRule', 'Gateway', 'VirtualService', 'VirtualService']);
    expect(backend.loadBalancer.istioApiVersion).toBe(IstioApiVersion.V1BETA1);
    expect(standalone.destinationRule).toBeDefined();
  });

  test('names the construct that owns the options in mesh errors', () => {
    expect(() => LoadBalancedService._validateMesh({ kind: 'ScalableBackend', path: 'test/web' }, { retries: { attempts: -1 } })).toThrow(
      'ScalableBackend \'test/web\': \'retries.attempts\' (-1) must be a whole number >= 0');
  });

  test('works on any cdk8s-plus workload with pods, a StatefulSet included', () => {
    const chart = Testing.chart();
    const target = new kplus.StatefulSet(chart, 'db', {
      securityContext: PodSecurity.podSecurityContext(),
      containers: [{
        image: 'postgres:16.4-alpine',
        portNumber: 5432,
        securityContext: PodSecurity.containerSecurityContext(),
        resources: WorkloadDefaults.RESOURCES,
      }],
    });
    PodSecurity.applySeccompProfile(target);
    const lb = new LoadBalancedService(chart, 'lb', { target, portName: 'tcp-postgres', outlierDetection: { consecutiveGatewayErrors: 3 } });
    const manifests = synthValid(chart);
    expect(only(manifests, 'DestinationRule').spec.host).toBe(lb.service.name);
    expect(ofKind(manifests, 'Service').find(s => s.metadata.name === lb.service.name).spec.ports)
      .toEqual([{ name: 'tcp-postgres', port: 5432, targetPort: 5432 }]);
  });
});

describe('the webgatos app', () => {
  test('reproduces the talk\'s Gateway and VirtualService: / to webapp:8080, 5 attempts of 2 s', () => {
    const app = Testing.app();
    new WebgatosChart(app, 'webgatos');
    const manifests = synthAppValid(app);
    const gateway = only(manifests, 'Gateway');
    expect(gateway.metadata.name).toBe('istio-gateway');
    expect(gateway.spec.selector).toEqual({ istio: 'ingress' });
    const bound = ofKind(manifests, 'VirtualService').find(v => v.spec.gateways);
    expect(bound.spec).toEqual({
      hosts: ['*'],
      gateways: ['istio-gateway'],
      http: [{
        name: 'default',
        route: [{ destination: { host: 'webapp', port: { number: 8080 } } }],
        retries: { attempts: 5, perTryTimeout: '2s', retryOn: LoadBalancedService.DEFAULT_RETRY_ON },
      }],
    });
    const webapp = ofKind(manifests, 'Service').find(x => x.metadata.name === 'webapp');
    expect(webapp.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080 }]);
    expect(only(manifests, 'Deployment').spec.replicas).toBe(2);
  });
});

describe('LoadBalancedService: port protocols', () => {
  test('names the port after the protocol and sets appProtocol', () => {
    expect(synth({ protocol: PortProtocol.HTTP2 }).service.spec.ports).toEqual([{ name: 'http2', port: 8080, targetPort: 8080, appProtocol: 'http2' }]);
  });

  test('keeps a given port name beside the protocol', () => {
    expect(synth({ protocol: PortProtocol.GRPC, portName: 'grpc-api' }).service.spec.ports[0]).toEqual({ name: 'grpc-api', port: 8080, targetPort: 8080, appProtocol: 'grpc' });
  });

  test('refuses HTTP routing options on a port Istio does not route as HTTP', () => {
    expect(attempt({ protocol: PortProtocol.REDIS, timeout: Duration.seconds(2) })).toThrow(
      'LoadBalancedService \'test/lb\': \'timeout\' (2s) cannot be set with \'protocol\' redis: Istio applies HTTP routes (retries, timeouts, faults) to HTTP, HTTP/2 and gRPC ports only');
    expect(attempt({ protocol: PortProtocol.TCP, retries })).toThrow(/'retries' \(\{\.\.\.\}\) cannot be set with 'protocol' tcp/);
  });

  test('accepts retries on a gRPC port', () => {
    expect(synth({ protocol: PortProtocol.GRPC, retries }).mesh.spec.http[0].retries.attempts).toBe(5);
  });

  test('refuses an extra port the target does not expose', () => {
    expect(attempt({ extraPorts: [{ name: 'metrics', port: 9090 }] })).toThrow(
      'LoadBalancedService \'test/lb\': \'extraPorts[0].targetPort\' (9090) must be a port the target \'test/web\' exposes (exposed: 8080)');
  });

  test('adds an extra port the target exposes', () => {
    const { service } = synth({ extraPorts: [{ name: 'admin', port: 80, targetPort: 8080, protocol: PortProtocol.HTTP }] });
    expect(service.spec.ports[1]).toEqual({ name: 'admin', port: 80, targetPort: 8080, appProtocol: 'http' });
  });
});

describe('LoadBalancedService: Service fields the API server would reject', () => {
  test('refuses a node port outside the default range 30000-32767', () => {
    expect(attempt({ serviceType: kplus.ServiceType.NODE_PORT, nodePort: 80 })).toThrow(
      'LoadBalancedService \'test/lb\': \'nodePort\' (80) must be a whole number from 30000 to 32767: the API server\'s default node port range');
    expect(attempt({ serviceType: kplus.ServiceType.NODE_PORT, nodePort: 30080 })).not.toThrow();
  });

  test('refuses a port name of 16 characters or without a letter', () => {
    for (const portName of ['http-web-frontend', '8080']) {
      expect(attempt({ portName })).toThrow(`LoadBalancedService 'test/lb': 'portName' (${JSON.stringify(portName)}) must be an IANA service name`);
    }
  });

  test('refuses a Service name generated from a chart id that starts with a digit', () => {
    const chart = new Chart(Testing.app(), '2048');
    const target = new ResilientDeployment(chart, 'web', { containers: [{ image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080 }] });
    expect(() => new LoadBalancedService(chart, 'lb', { target })).toThrow(
      /^LoadBalancedService '2048\/lb': 'name' \("2048-lb-[a-z0-9]+"\) must be a DNS-1035 label \(starting with a letter\) to name a Service: this name was generated from the chart id and construct path; set 'name'/);
    new LoadBalancedService(chart, 'named', { target, name: 'web' });
  });
});

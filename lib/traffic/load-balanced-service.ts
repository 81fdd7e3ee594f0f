import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { HttpFault } from './http-fault';
import { checkIstioDuration, istioDuration, shownDuration } from './istio-values';
import { SessionAffinity } from './session-affinity';
import { refuseDuplicateNames } from '../core/unique-names';
import { compact } from '../core/util';
import { needsValidation } from '../core/validated';
import {
  checkDns1035Label, checkDnsLabel, checkGeneratedName, checkLabelValue, checkPort, checkPortName, checkWholeNumber, isDns1035Label, isHttpToken,
  propError, requireProps, Subject, subjectOf, verbatim,
} from '../core/validation';
import * as istio from '../imports/networking.istio.io';

/**
 * The application protocol of a Service port. It names the port (Istio selects the protocol by the port name's
 * prefix: `http`, `http2`, `grpc`, `tcp`…) and sets its `appProtocol` (which Istio reads first, as do Gateway API
 * implementations), so that gRPC and Redis traffic is not treated as HTTP/1.1.
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
export enum PortProtocol {
  /** HTTP/1.1 (or HTTP/2 negotiated by the client). */
  HTTP = 'http',
  /** HTTP/2 without TLS (h2c). */
  HTTP2 = 'http2',
  /** HTTPS: TLS that the app terminates, passed through as opaque TLS. */
  HTTPS = 'https',
  /** gRPC (HTTP/2). */
  GRPC = 'grpc',
  /** gRPC-Web. */
  GRPC_WEB = 'grpc-web',
  /** Opaque TCP. */
  TCP = 'tcp',
  /** TLS the app terminates. */
  TLS = 'tls',
  /** Redis. */
  REDIS = 'redis',
  /** MongoDB. */
  MONGO = 'mongo',
  /** MySQL. */
  MYSQL = 'mysql',
}

/**
 * Options of the Service in front of a workload; shared by `LoadBalancedService` and `ScalableBackend`.
 */
export interface ServiceOptions {
  /**
   * The application protocol of the Service port: names the port after it (unless `portName` is given) and sets
   * the port's `appProtocol`.
   * @default - no `appProtocol`; the port is named `http`
   */
  readonly protocol?: PortProtocol;

  /**
   * The Service type.
   * @default kplus.ServiceType.CLUSTER_IP
   */
  readonly serviceType?: kplus.ServiceType;

  /**
   * The node port, for `NODE_PORT` and `LOAD_BALANCER` Services: within the cluster's node port range, which is
   * 30000-32767 unless the API server runs with another `--service-node-port-range` (this library checks the default).
   * @default - allocated by Kubernetes
   */
  readonly nodePort?: number;

  /**
   * The name of the Service port. Istio reads the protocol from the name's prefix (`http`, `grpc`, `tcp`…, then `-`
   * and anything) when `appProtocol` is not set.
   * @default - the `protocol` (e.g. `grpc`), else 'http'
   */
  readonly portName?: string;

  /**
   * Send each client IP to the same pod (`sessionAffinity: ClientIP`) for this long after its last request, from
   * 1 s to 1 day. It keeps in-memory sessions on one replica while that replica lives; a shared `SessionStore` is
   * the real fix.
   * @default - no session affinity
   */
  readonly sessionAffinityTimeout?: Duration;

  /**
   * More Service ports beside the main one (metrics, admin, a second protocol). The target must expose each
   * `targetPort`.
   * @default - none
   */
  readonly extraPorts?: ExtraPort[];
}

/**
 * A named Service port beside the main one.
 */
export interface ExtraPort {
  /** The port name (a DNS label, unique in the Service). */
  readonly name: string;
  /** The port the Service listens on. */
  readonly port: number;
  /**
   * The container port traffic goes to.
   * @default - the same as `port`
   */
  readonly targetPort?: number;
  /**
   * The application protocol (sets `appProtocol`).
   * @default - none
   */
  readonly protocol?: PortProtocol;
}

/**
 * The version of the Istio networking API the objects are written in.
 */
export enum IstioApiVersion {
  /** `networking.istio.io/v1`, served from Istio 1.22 on. */
  V1 = 'v1',
  /** `networking.istio.io/v1beta1`, for meshes older than Istio 1.22. */
  V1BETA1 = 'v1beta1',
}

/**
 * How Istio retries a failed request.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
export interface RetryOptions {
  /**
   * How many times a failed request is retried (after the first try). 0 switches retries off, including Istio's
   * default of 2 retries.
   */
  readonly attempts: number;

  /**
   * How long each try (the first and every retry) may take before it is abandoned and retried.
   * @default - no per-try limit: a try may take up to the whole `timeout`
   */
  readonly perTryTimeout?: Duration;

  /**
   * When to retry: Envoy retry conditions or HTTP status codes, comma-separated. A retry replays the request, so
   * make the retried endpoints idempotent, or narrow this to `connect-failure,refused-stream` (nothing reached the
   * app).
   * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
   * @default 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes,5xx': Istio's default
   * conditions plus any 5xx answer or reset, which is what a killed pod produces
   */
  readonly retryOn?: string;
}

/**
 * When Istio ejects a failing replica from the load-balancing pool (a circuit breaker per replica).
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection
 */
export interface OutlierDetectionOptions {
  /**
   * How many 5xx answers (or connection failures) in a row eject a replica.
   * @default 5, unless `consecutiveGatewayErrors` is set: then only gateway errors count
   */
  readonly consecutive5xxErrors?: number;

  /**
   * How many gateway errors (502, 503, 504 or connection failures) in a row eject a replica.
   * @default - not counted on their own
   */
  readonly consecutiveGatewayErrors?: number;

  /**
   * How often replicas are checked.
   * @default Duration.seconds(10)
   */
  readonly interval?: Duration;

  /**
   * How long a replica stays ejected the first time; each new ejection multiplies it.
   * @default Duration.seconds(30)
   */
  readonly baseEjectionTime?: Duration;

  /**
   * The most replicas ejected at once, in percent of the pool. Envoy always allows at least one ejection, whatever
   * the percentage.
   * @default 10
   */
  readonly maxEjectionPercent?: number;

  /**
   * Outlier detection stays on only while at least this percentage of replicas is healthy.
   * @default - Istio's 0: always on
   */
  readonly minHealthPercent?: number;
}

/**
 * Limits on the connections and requests each client sidecar sends to the Service (a circuit breaker for the whole
 * Service). Only the limits given are written; the others stay Istio's (practically unlimited).
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings
 */
export interface ConnectionPoolOptions {
  /**
   * The most TCP connections (HTTP/1.1 connections included) to the Service.
   * @default - Istio's: unlimited (2^32-1)
   */
  readonly maxConnections?: number;

  /**
   * How long a TCP connection may take to establish.
   * @default - Istio's: 10 s
   */
  readonly connectTimeout?: Duration;

  /**
   * The most requests queued while waiting for a connection.
   * @default - Istio's: unlimited (2^32-1)
   */
  readonly maxPendingRequests?: number;

  /**
   * The most requests in flight to the Service.
   * @default - Istio's: unlimited (2^32-1)
   */
  readonly maxRequests?: number;

  /**
   * The most requests per connection; 1 switches keep-alive off.
   * @default - Istio's: unlimited
   */
  readonly maxRequestsPerConnection?: number;

  /**
   * The most retries in flight to the Service at once.
   * @default - Istio's: unlimited (2^32-1)
   */
  readonly maxRetries?: number;

  /**
   * How long an idle connection is kept open.
   * @default - Istio's: 1 hour
   */
  readonly idleTimeout?: Duration;
}

/**
 * An Istio Gateway that lets traffic from outside the cluster in, through the mesh's ingress gateway.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/
 */
export interface GatewayOptions {
  /**
   * The host names the Gateway answers to (`*` for every host, `*.example.com` for a domain).
   * @default ['*']
   */
  readonly hosts?: string[];

  /**
   * The labels of the ingress gateway pods that serve this Gateway. The Helm chart `istio/gateway` labels its pods
   * `istio: <release name without "istio-">` (e.g. `istio: ingress`); istioctl's default profile uses
   * `istio: ingressgateway`.
   * @default { istio: 'ingressgateway' }
   */
  readonly selector?: { [key: string]: string };

  /**
   * The HTTP port the ingress gateway listens on.
   * @default 80
   */
  readonly port?: number;

  /**
   * The name of the Gateway (a DNS label).
   * @default - the Service's `name` when given, else a name generated by cdk8s
   */
  readonly name?: string;
}

/**
 * How the client sidecars spread requests over the replicas.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings
 */
export class LoadBalancerPolicy {
  /** Each replica in turn. */
  public static roundRobin(): LoadBalancerPolicy {
    return new LoadBalancerPolicy({ simple: istio.DestinationRuleSpecTrafficPolicyLoadBalancerSimple.ROUND_UNDERSCORE_ROBIN });
  }

  /** The replica with the fewest requests in flight (Istio's default). */
  public static leastRequest(): LoadBalancerPolicy {
    return new LoadBalancerPolicy({ simple: istio.DestinationRuleSpecTrafficPolicyLoadBalancerSimple.LEAST_UNDERSCORE_REQUEST });
  }

  /** A random replica. */
  public static random(): LoadBalancerPolicy {
    return new LoadBalancerPolicy({ simple: istio.DestinationRuleSpecTrafficPolicyLoadBalancerSimple.RANDOM });
  }

  /**
   * Sticky sessions: the same replica for the same cookie value. The sidecar sets the cookie when the request has
   * none, with this lifetime (0 for a session cookie). Stickiness ends when the replica goes away: keep the session
   * state itself in a shared store.
   */
  public static consistentHashByCookie(name: string, ttl: Duration): LoadBalancerPolicy {
    return new LoadBalancerPolicy({ consistentHash: { httpCookie: { name, ttl: istioDuration(ttl) } } }, name);
  }

  /** The same replica for the same value of this request header. */
  public static consistentHashByHeader(headerName: string): LoadBalancerPolicy {
    return new LoadBalancerPolicy({ consistentHash: { httpHeaderName: headerName } }, headerName);
  }

  /** The same replica for the same client IP address. */
  public static consistentHashBySourceIp(): LoadBalancerPolicy {
    return new LoadBalancerPolicy({ consistentHash: { useSourceIp: true } });
  }

  private readonly settings: istio.DestinationRuleSpecTrafficPolicyLoadBalancer;
  private readonly hashKey?: string;

  private constructor(settings: istio.DestinationRuleSpecTrafficPolicyLoadBalancer, hashKey?: string) {
    this.settings = settings;
    this.hashKey = hashKey;
  }

  /** @internal */
  public _validate(subject: Subject, prop: string): void {
    if (this.hashKey !== undefined && !isHttpToken(this.hashKey)) {
      throw propError(subject, prop, this.hashKey, 'must hash on a cookie or header name made of letters, digits and !#$%&\'*+-.^_`|~');
    }
  }

  /** @internal */
  public _toIstio(): istio.DestinationRuleSpecTrafficPolicyLoadBalancer {
    return this.settings;
  }
}

/**
 * The Istio policy for a Service: retries, timeout and fault injection (a VirtualService), circuit breaking and
 * load balancing (a DestinationRule), and an optional Gateway. Shared by `LoadBalancedService` and `ScalableBackend`.
 */
export interface MeshOptions {
  /**
   * Retries of failed requests.
   * @default - Istio's default: 2 retries on connection failures and refused streams
   */
  readonly retries?: RetryOptions;

  /**
   * The most a request may take, retries included.
   * @default - no timeout (Istio's default)
   */
  readonly timeout?: Duration;

  /**
   * Outlier detection: eject a replica that keeps failing from the pool for a while.
   * @default - none
   */
  readonly outlierDetection?: OutlierDetectionOptions;

  /**
   * Connection and request limits for the Service.
   * @default - none
   */
  readonly connectionPool?: ConnectionPoolOptions;

  /**
   * The load-balancing policy.
   * @default - Istio's default: LoadBalancerPolicy.leastRequest()
   */
  readonly loadBalancerPolicy?: LoadBalancerPolicy;

  /**
   * An Istio Gateway and a VirtualService bound to it, to let outside traffic in.
   * @default - no Gateway
   */
  readonly gateway?: GatewayOptions;

  /**
   * A fault to inject, for chaos testing. It gets a route of its own, scoped to its `pathPrefix`: Istio turns retries
   * and timeouts off on a route that injects faults.
   * @default - no fault
   */
  readonly fault?: HttpFault;

  /**
   * The Istio networking API version of the VirtualService, DestinationRule and Gateway.
   * @default IstioApiVersion.V1
   */
  readonly istioApiVersion?: IstioApiVersion;
}

/**
 * Props of `LoadBalancedService`.
 */
export interface LoadBalancedServiceProps extends ServiceOptions, MeshOptions {
  /**
   * The workload the Service sends traffic to (Deployment, StatefulSet…). Its pods are selected by the labels
   * cdk8s-plus gives them: no hand-matched selectors.
   */
  readonly target: kplus.Workload;

  /**
   * The port the Service listens on.
   * @default - the target port
   */
  readonly port?: number;

  /**
   * The container port traffic goes to; the target must expose it.
   * @default - the first port of the target's first container that has one
   */
  readonly targetPort?: number;

  /**
   * The name of the Service (a DNS label), in the target's namespace. The VirtualService and DestinationRule take
   * the same name, the Gateway's VirtualService this name plus `-gateway`.
   * @default - names generated by cdk8s from the construct path
   */
  readonly name?: string;
}

// The protocols Istio routes as HTTP (VirtualService `http` routes apply to them).
const HTTP_PROTOCOLS = new Set<string>(['http', 'http2', 'grpc', 'grpc-web']);

// Envoy's retry conditions, as Istio's validation accepts them (besides HTTP status codes).
const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

// A host a Gateway and a VirtualService both accept: `*`, or a lower-case DNS name, optionally under a `*.` wildcard.
const MESH_HOST = /^(\*|(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/;

/**
 * A Kubernetes Service in front of a workload, wired to its pods and to a port they really expose, plus, when mesh
 * options are given, the Istio policy for it:
 *
 * - `retries`, `timeout` or `fault`: a VirtualService for in-mesh callers of the Service.
 * - `outlierDetection`, `connectionPool` or `loadBalancerPolicy`: a DestinationRule.
 * - `gateway`: an Istio Gateway and a second VirtualService bound to it, with the same routes (Istio refuses the
 *   host `*` on a VirtualService that also serves the mesh).
 *
 * Istio objects name the Service by its short name (its `name`); Istio resolves short names in the namespace of the
 * object, which is always the Service's own namespace here.
 *
 * A fault gets a route of its own ahead of the retrying route, matched on the fault's `pathPrefix`: Istio turns
 * retries and timeouts off on a route that injects faults.
 *
 * @example
 * new LoadBalancedService(chart, 'webapp', {
 *   target: deployment,
 *   port: 8080,
 *   retries: { attempts: 5, perTryTimeout: Duration.seconds(2) },
 *   timeout: Duration.seconds(10),
 *   outlierDetection: { consecutive5xxErrors: 10 },
 *   gateway: { hosts: ['*'] },
 * });
 */
export class LoadBalancedService extends Construct {
  /** The lowest node port of the API server's default `--service-node-port-range`. */
  public static readonly NODE_PORT_MIN = 30000;
  /** The highest node port of the API server's default `--service-node-port-range`. */
  public static readonly NODE_PORT_MAX = 32767;

  /**
   * The default retry conditions: Istio's own plus `5xx`, which covers any 5xx answer and a connection reset (a pod
   * killed mid-request).
   */
  public static readonly DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes,5xx';

  /** @internal */
  public static _validate(subject: Subject, props: LoadBalancedServiceProps): void {
    checkPort(subject, 'port', props.port);
    checkPort(subject, 'targetPort', props.targetPort);
    checkDns1035Label(subject, 'name', props.name);
    const exposed = LoadBalancedService.exposedPorts(props.target);
    if (props.targetPort !== undefined && !exposed.includes(props.targetPort)) {
      throw propError(subject, 'targetPort', props.targetPort,
        `must be a port the target '${props.target.node.path}' exposes (exposed: ${exposed.join(', ') || 'none'})`);
    }
    for (const [i, extra] of (props.extraPorts ?? []).entries()) {
      const target = extra.targetPort ?? extra.port;
      if (!exposed.includes(target)) {
        throw propError(subject, `extraPorts[${i}].targetPort`, target,
          `must be a port the target '${props.target.node.path}' exposes (exposed: ${exposed.join(', ') || 'none'})`);
      }
    }
    LoadBalancedService._validateOptions(subject, props);
  }

  /**
   * Checks the Service and mesh options, which `ScalableBackend` takes under the same names.
   * @internal
   */
  public static _validateOptions(subject: Subject, options: ServiceOptions & MeshOptions): void {
    if (options.nodePort !== undefined && !(Number.isInteger(options.nodePort)
      && options.nodePort >= LoadBalancedService.NODE_PORT_MIN && options.nodePort <= LoadBalancedService.NODE_PORT_MAX)) {
      throw propError(subject, 'nodePort', options.nodePort,
        `must be a whole number from ${LoadBalancedService.NODE_PORT_MIN} to ${LoadBalancedService.NODE_PORT_MAX}: the API server's default node port range`);
    }
    checkPortName(subject, 'portName', options.portName);
    if (options.protocol !== undefined && !HTTP_PROTOCOLS.has(options.protocol)) {
      for (const [prop, value] of [['retries', options.retries], ['timeout', options.timeout], ['fault', options.fault]] as const) {
        if (value === undefined) continue;
        throw propError(subject, prop, prop === 'timeout' ? shownDuration(value as Duration) : verbatim('{...}'),
          `cannot be set with 'protocol' ${options.protocol}: Istio applies HTTP routes (retries, timeouts, faults) to HTTP, HTTP/2 and gRPC ports only`);
      }
    }
    if (options.extraPorts) LoadBalancedService.validateExtraPorts(subject, options.portName ?? options.protocol ?? 'http', options.extraPorts);
    const type = options.serviceType ?? kplus.ServiceType.CLUSTER_IP;
    if (options.nodePort !== undefined && type !== kplus.ServiceType.NODE_PORT && type !== kplus.ServiceType.LOAD_BALANCER) {
      throw propError(subject, 'nodePort', options.nodePort, `needs 'serviceType' NODE_PORT or LOAD_BALANCER (got ${type})`);
    }
    SessionAffinity._validate(subject, 'sessionAffinityTimeout', options.sessionAffinityTimeout);
    LoadBalancedService._validateMesh(subject, options);
  }

  /**
   * Refuses mesh options Istio would reject or that could never take effect.
   * @internal
   */
  public static _validateMesh(subject: Subject, options: MeshOptions): void {
    const { retries, timeout, fault } = options;
    checkIstioDuration(subject, 'timeout', timeout);
    if (retries) {
      checkWholeNumber(subject, 'retries.attempts', retries.attempts, 0);
      checkIstioDuration(subject, 'retries.perTryTimeout', retries.perTryTimeout);
      if (retries.attempts === 0) {
        // Istio's validation: "http retry policy configured when attempts are set to 0 (disabled)".
        if (retries.perTryTimeout !== undefined) {
          throw propError(subject, 'retries.perTryTimeout', shownDuration(retries.perTryTimeout),
            'must be left out when \'retries.attempts\' is 0: Istio refuses a retry policy when retries are off');
        }
        if (retries.retryOn !== undefined) {
          throw propError(subject, 'retries.retryOn', retries.retryOn,
            'must be left out when \'retries.attempts\' is 0: Istio refuses a retry policy when retries are off');
        }
      }
      if (retries.retryOn !== undefined && !retries.retryOn.split(',').every(c => RETRY_ON.has(c) || /^[1-5]\d\d$/.test(c))) {
        throw propError(subject, 'retries.retryOn', retries.retryOn,
          `must be a comma-separated list of HTTP status codes and Envoy retry conditions (${[...RETRY_ON].join(', ')})`);
      }
      const millis = (d: Duration) => d.toMilliseconds({ integral: false });
      if (retries.perTryTimeout && timeout && millis(retries.perTryTimeout) > millis(timeout)) {
        throw propError(subject, 'retries.perTryTimeout', shownDuration(retries.perTryTimeout),
          `must be <= 'timeout' (${istioDuration(timeout)}): the request would time out before a try does, so a slow try would never be retried`);
      }
    }
    if (fault) {
      fault._validate(subject, 'fault');
      if (fault.pathPrefix === undefined && (retries || timeout)) {
        throw propError(subject, 'fault.pathPrefix', undefined,
          'must be set when \'retries\' or \'timeout\' are: Istio turns retries and timeouts off on a route that injects faults, '
          + 'so a fault on every request would switch them off for all traffic');
      }
    }

    const outlier = options.outlierDetection;
    if (outlier) {
      checkWholeNumber(subject, 'outlierDetection.consecutive5xxErrors', outlier.consecutive5xxErrors, 1, 4294967295);
      checkWholeNumber(subject, 'outlierDetection.consecutiveGatewayErrors', outlier.consecutiveGatewayErrors, 1, 4294967295);
      checkIstioDuration(subject, 'outlierDetection.interval', outlier.interval);
      checkIstioDuration(subject, 'outlierDetection.baseEjectionTime', outlier.baseEjectionTime);
      checkWholeNumber(subject, 'outlierDetection.maxEjectionPercent', outlier.maxEjectionPercent, 0, 100);
      checkWholeNumber(subject, 'outlierDetection.minHealthPercent', outlier.minHealthPercent, 0, 100);
    }

    const pool = options.connectionPool;
    if (pool) {
      for (const prop of ['maxConnections', 'maxPendingRequests', 'maxRequests', 'maxRequestsPerConnection'] as const) {
        checkWholeNumber(subject, `connectionPool.${prop}`, pool[prop], 1, 4294967295);
      }
      checkWholeNumber(subject, 'connectionPool.maxRetries', pool.maxRetries, 0, 4294967295);
      checkIstioDuration(subject, 'connectionPool.connectTimeout', pool.connectTimeout);
      checkIstioDuration(subject, 'connectionPool.idleTimeout', pool.idleTimeout);
    }

    options.loadBalancerPolicy?._validate(subject, 'loadBalancerPolicy');

    const gateway = options.gateway;
    if (gateway) {
      if (gateway.hosts !== undefined && gateway.hosts.length === 0) {
        throw propError(subject, 'gateway.hosts', verbatim('[]'), 'must hold at least one host');
      }
      for (const host of gateway.hosts ?? []) {
        if (!MESH_HOST.test(host)) {
          throw propError(subject, 'gateway.hosts', host, 'must hold host names such as "*", "example.com" or "*.example.com" (lower case)');
        }
      }
      checkPort(subject, 'gateway.port', gateway.port);
      checkDnsLabel(subject, 'gateway.name', gateway.name);
      for (const [key, value] of Object.entries(gateway.selector ?? {})) {
        checkLabelValue(subject, `gateway.selector.${key}`, value);
      }
    }
  }

  /** The extra ports: valid, and each named apart from the others and from the main port (`mainName`). */
  private static validateExtraPorts(subject: Subject, mainName: string, extraPorts: ExtraPort[]): void {
    const names = new Map<string, string>([[mainName, 'portName']]);
    for (const [i, extra] of extraPorts.entries()) {
      const prop = `extraPorts[${i}].`;
      checkPortName(subject, `${prop}name`, extra.name);
      checkPort(subject, `${prop}port`, extra.port);
      checkPort(subject, `${prop}targetPort`, extra.targetPort);
      const seen = names.get(extra.name);
      if (seen) throw propError(subject, `${prop}name`, extra.name, `must be unique: '${seen}' is the same`);
      names.set(extra.name, `${prop}name`);
    }
  }

  private static exposedPorts(target: kplus.Workload): number[] {
    return target.containers.flatMap(c => c.ports.map(p => p.number));
  }

  private static firstPort(subject: Subject, target: kplus.Workload): number {
    const [first] = LoadBalancedService.exposedPorts(target);
    if (first === undefined) {
      throw propError(subject, 'targetPort', undefined, `must be given: the target '${target.node.path}' exposes no container port`);
    }
    return first;
  }

  private static trafficPolicy(options: MeshOptions): istio.DestinationRuleSpecTrafficPolicy | undefined {
    const { outlierDetection: outlier, connectionPool: pool, loadBalancerPolicy: policy } = options;
    if (!outlier && !pool && !policy) return undefined;
    const duration = (d?: Duration) => d && istioDuration(d);
    return {
      outlierDetection: outlier && {
        consecutive5XxErrors: outlier.consecutive5xxErrors ?? (outlier.consecutiveGatewayErrors === undefined ? 5 : undefined),
        consecutiveGatewayErrors: outlier.consecutiveGatewayErrors,
        interval: istioDuration(outlier.interval ?? Duration.seconds(10)),
        baseEjectionTime: istioDuration(outlier.baseEjectionTime ?? Duration.seconds(30)),
        maxEjectionPercent: outlier.maxEjectionPercent ?? 10,
        minHealthPercent: outlier.minHealthPercent,
      },
      connectionPool: pool && {
        tcp: LoadBalancedService.orUndefined({ maxConnections: pool.maxConnections, connectTimeout: duration(pool.connectTimeout) }),
        http: LoadBalancedService.orUndefined({
          http1MaxPendingRequests: pool.maxPendingRequests,
          http2MaxRequests: pool.maxRequests,
          maxRequestsPerConnection: pool.maxRequestsPerConnection,
          maxRetries: pool.maxRetries,
          idleTimeout: duration(pool.idleTimeout),
        }),
      },
      loadBalancer: policy?._toIstio(),
    };
  }

  /** The object, or undefined when none of its fields is set (so that no empty `tcp: {}` is written). */
  private static orUndefined<T extends object>(obj: T): T | undefined {
    const set = compact(obj);
    return Object.keys(set).length ? set : undefined;
  }

  private static retries(retries?: RetryOptions): istio.VirtualServiceSpecHttpRetries | undefined {
    if (!retries) return undefined;
    // Istio refuses any other retry field when attempts is 0.
    if (retries.attempts === 0) return { attempts: 0 };
    return {
      attempts: retries.attempts,
      perTryTimeout: retries.perTryTimeout && istioDuration(retries.perTryTimeout),
      retryOn: retries.retryOn ?? LoadBalancedService.DEFAULT_RETRY_ON,
    };
  }

  /** The Service. */
  public readonly service: kplus.Service;
  /** The resolved Service port. */
  public readonly port: number;
  /** The resolved container port. */
  public readonly targetPort: number;
  /** The host name the Istio objects route to: the Service's short name, resolved in its namespace. */
  public readonly host: string;
  /** The resolved Istio networking API version. */
  public readonly istioApiVersion: IstioApiVersion;
  /** The VirtualService for in-mesh callers, when `retries`, `timeout` or `fault` is given. */
  public readonly virtualService?: ApiObject;
  /** The DestinationRule, when `outlierDetection`, `connectionPool` or `loadBalancerPolicy` is given. */
  public readonly destinationRule?: ApiObject;
  /** The Istio Gateway, when `gateway` is given. */
  public readonly gateway?: ApiObject;
  /** The VirtualService bound to the Gateway, when `gateway` is given. */
  public readonly gatewayVirtualService?: ApiObject;

  constructor(scope: Construct, id: string, props: LoadBalancedServiceProps) {
    super(scope, id);
    const subject = subjectOf(this);
    requireProps(subject, props, 'target');
    if (needsValidation(props)) LoadBalancedService._validate(subject, props);
    this.targetPort = props.targetPort ?? LoadBalancedService.firstPort(subject, props.target);
    this.port = props.port ?? this.targetPort;

    refuseDuplicateNames(this);
    const namespace = props.target.metadata.namespace;
    this.service = new kplus.Service(this, 'Resource', {
      metadata: compact({ name: props.name, namespace }),
      selector: props.target,
      type: props.serviceType ?? kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: props.portName ?? props.protocol ?? 'http', port: this.port, targetPort: this.targetPort, nodePort: props.nodePort }],
    });
    if (props.name === undefined) {
      checkGeneratedName(subject, 'name', this.service.name, isDns1035Label(this.service.name),
        'must be a DNS-1035 label (starting with a letter) to name a Service');
    }
    // cdk8s-plus-27's ServicePort has no `appProtocol`.
    if (props.protocol) ApiObject.of(this.service).addJsonPatch(JsonPatch.add('/spec/ports/0/appProtocol', props.protocol));
    const extraPorts = props.extraPorts ?? [];
    for (let i = 0; i < extraPorts.length; i++) {
      const extra = extraPorts[i];
      this.service.bind(extra.port, { name: extra.name, targetPort: extra.targetPort ?? extra.port });
      if (extra.protocol) {
        ApiObject.of(this.service).addJsonPatch(JsonPatch.add(`/spec/ports/${i + 1}/appProtocol`, extra.protocol));
      }
    }
    if (props.sessionAffinityTimeout) SessionAffinity.clientIp(this.service, props.sessionAffinityTimeout);
    this.host = this.service.name;
    this.istioApiVersion = props.istioApiVersion ?? IstioApiVersion.V1;

    // The routes serve the mesh's VirtualService and the Gateway's.
    const http = props.retries || props.timeout || props.fault || props.gateway ? this.routes(props) : [];
    if (props.retries || props.timeout || props.fault) {
      this.virtualService = this.newVirtualService('VirtualService', compact({ name: props.name, namespace }), {
        hosts: [this.host],
        http,
      });
    }

    const trafficPolicy = LoadBalancedService.trafficPolicy(props);
    if (trafficPolicy) {
      this.destinationRule = this.newDestinationRule(compact({ name: props.name, namespace }), { host: this.host, trafficPolicy });
    }

    if (props.gateway) {
      const hosts = props.gateway.hosts ?? ['*'];
      const port = props.gateway.port ?? 80;
      this.gateway = this.newGateway(compact({ name: props.gateway.name ?? props.name, namespace }), {
        selector: props.gateway.selector ?? { istio: 'ingressgateway' },
        servers: [{ port: { number: port, name: 'http', protocol: 'HTTP' }, hosts }],
      });
      this.gatewayVirtualService = this.newVirtualService('GatewayVirtualService',
        compact({ name: props.name && `${props.name}-gateway`, namespace }), { hosts, gateways: [this.gateway.name], http });
    }
  }

  /**
   * The HTTP routes: the fault's own route first (Istio switches retries and timeouts off on it), then the normal
   * route with retries and timeout, unless the fault takes every request.
   */
  private routes(props: LoadBalancedServiceProps): istio.VirtualServiceSpecHttp[] {
    const route = [{ destination: { host: this.host, port: { number: this.port } } }];
    const http: istio.VirtualServiceSpecHttp[] = [];
    const fault = props.fault;
    if (fault) {
      http.push({
        name: 'fault',
        match: fault.pathPrefix === undefined ? undefined : [{ uri: { prefix: fault.pathPrefix } }],
        route,
        fault: fault._toIstio(),
      });
    }
    if (!fault || fault.pathPrefix !== undefined) {
      http.push({ name: 'default', route, retries: LoadBalancedService.retries(props.retries), timeout: props.timeout && istioDuration(props.timeout) });
    }
    return http;
  }

  // v1 and v1beta1 share one schema (the CRDs serve both versions from the same openAPIV3Schema), so one spec fits
  // both generated classes; TypeScript only sees distinct enum types.
  private newVirtualService(id: string, metadata: { name?: string; namespace?: string }, spec: istio.VirtualServiceSpec): ApiObject {
    return this.istioApiVersion === IstioApiVersion.V1BETA1
      ? new istio.VirtualServiceV1Beta1(this, id, { metadata, spec: spec as istio.VirtualServiceV1Beta1Spec })
      : new istio.VirtualService(this, id, { metadata, spec });
  }

  private newDestinationRule(metadata: { name?: string; namespace?: string }, spec: istio.DestinationRuleSpec): ApiObject {
    return this.istioApiVersion === IstioApiVersion.V1BETA1
      ? new istio.DestinationRuleV1Beta1(this, 'DestinationRule', { metadata, spec: spec as unknown as istio.DestinationRuleV1Beta1Spec })
      : new istio.DestinationRule(this, 'DestinationRule', { metadata, spec });
  }

  private newGateway(metadata: { name?: string; namespace?: string }, spec: istio.GatewaySpec): ApiObject {
    return this.istioApiVersion === IstioApiVersion.V1BETA1
      ? new istio.GatewayV1Beta1(this, 'Gateway', { metadata, spec: spec as istio.GatewayV1Beta1Spec })
      : new istio.Gateway(this, 'Gateway', { metadata, spec });
  }
}

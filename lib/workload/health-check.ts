import * as kplus from 'cdk8s-plus-27';
import { customProbe, probeSpec } from '../core/plus-internals';

/**
 * Options of a gRPC health check.
 */
export interface GrpcHealthCheckOptions extends kplus.ProbeOptions {
  /**
   * The service name sent in the `grpc.health.v1.HealthCheckRequest`.
   * @default - none: the server's overall health
   */
  readonly service?: string;
}

/**
 * Options of an HTTP GET health check.
 */
export interface HttpHealthCheckOptions extends kplus.HttpGetProbeOptions {
  /**
   * Headers sent with the request (e.g. `Host`, or a header the app requires on its health endpoint).
   * @default - none
   */
  readonly headers?: { [name: string]: string };
}

/**
 * Health checks cdk8s-plus-27's `Probe` cannot express, as `kplus.Probe` values: use them wherever the library (or
 * cdk8s-plus) takes a probe (`readiness`, `liveness`, `startup`), beside the `kplus.Probe` factories.
 *
 * The port of each check is checked like the ports of the other probes: the container must expose it.
 *
 * @example
 * new ScalableBackend(chart, 'cartservice', {
 *   image: 'example/cartservice:v0.10.1',
 *   containerPort: 7070,
 *   protocol: PortProtocol.GRPC,
 *   readiness: HealthCheck.grpc(7070),
 * });
 */
export class HealthCheck {
  /**
   * A gRPC health check (`grpc.health.v1.Health/Check`, GA in Kubernetes 1.27). The port is given explicitly:
   * Kubernetes takes a number only, never a port name.
   * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-grpc-liveness-probe
   */
  public static grpc(port: number, options: GrpcHealthCheckOptions = {}): kplus.Probe {
    // The timing fields as cdk8s-plus writes them for any probe; the action replaced by the gRPC one.
    const timing = kplus.Probe.fromCommand(['grpc'], options);
    return customProbe(container => {
      const { exec: _exec, ...spec } = probeSpec(timing, container)!;
      return { ...spec, grpc: { port, service: options.service } };
    });
  }

  /**
   * An HTTP GET health check, with request headers when given.
   * @param path the path requested, e.g. `/healthz`
   */
  public static httpGet(path: string, options: HttpHealthCheckOptions = {}): kplus.Probe {
    const { headers, ...rest } = options;
    const probe = kplus.Probe.fromHttpGet(path, rest);
    const httpHeaders = Object.entries(headers ?? {}).map(([name, value]) => ({ name, value }));
    if (!httpHeaders.length) return probe;
    return customProbe(container => {
      const spec = probeSpec(probe, container)!;
      return { ...spec, httpGet: { ...spec.httpGet!, httpHeaders } };
    });
  }

  /**
   * A TCP connection check.
   */
  public static tcp(options: kplus.TcpSocketProbeOptions = {}): kplus.Probe {
    return kplus.Probe.fromTcpSocket(options);
  }

  private constructor() {}
}

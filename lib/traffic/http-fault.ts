import { Duration } from 'cdk8s';
import { checkIstioDuration, checkPercent, istioDuration } from './istio-values';
import { checkWholeNumber, propError, Subject } from '../core/validation';
import * as istio from '../imports/networking.istio.io';

/**
 * Options of `HttpFault.abort`.
 */
export interface HttpAbortOptions {
  /**
   * The share of requests answered with `httpStatus` instead of reaching the Service, from 0 to 100
   * (fractions allowed).
   */
  readonly percent: number;

  /**
   * The HTTP status the aborted requests get, from 200 to 599.
   * @default 503
   */
  readonly httpStatus?: number;

  /**
   * Only requests whose path starts with this prefix are faulted; the others take the normal route, with its retries
   * and timeout.
   * @default - all requests are faulted, and the route has no retries and no timeout
   */
  readonly pathPrefix?: string;
}

/**
 * Options of `HttpFault.delay`.
 */
export interface HttpDelayOptions {
  /**
   * The share of requests delayed, from 0 to 100 (fractions allowed).
   */
  readonly percent: number;

  /**
   * How long the delayed requests wait before they are forwarded.
   */
  readonly fixedDelay: Duration;

  /**
   * Only requests whose path starts with this prefix are delayed; the others take the normal route, with its retries
   * and timeout.
   * @default - all requests are delayed, and the route has no retries and no timeout
   */
  readonly pathPrefix?: string;
}

/**
 * A fault Istio injects into the HTTP traffic to a Service, for chaos testing: abort a share of the requests with an
 * error status, or delay them.
 *
 * Istio turns retries and timeouts off on a route that injects faults, so `LoadBalancedService` puts the fault on a
 * route of its own, scoped to `pathPrefix`, ahead of the normal route that retries. Without a `pathPrefix` the fault
 * applies to every request, and then `retries` and `timeout` are refused (they could never take effect).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection
 *
 * @example
 * HttpFault.abort({ percent: 50, httpStatus: 503, pathPrefix: '/app' });
 */
export class HttpFault {
  /**
   * Answers a share of the requests with an HTTP error status, as if the Service had failed.
   */
  public static abort(options: HttpAbortOptions): HttpFault {
    return new HttpFault(false, options.percent, options.pathPrefix, options.httpStatus ?? 503, undefined);
  }

  /**
   * Delays a share of the requests, as if the network or the Service were slow.
   */
  public static delay(options: HttpDelayOptions): HttpFault {
    return new HttpFault(true, options.percent, options.pathPrefix, undefined, options.fixedDelay);
  }

  /** The share of requests faulted, from 0 to 100. */
  public readonly percent: number;
  /** The path prefix the fault is scoped to; undefined when every request is faulted. */
  public readonly pathPrefix?: string;
  /** The HTTP status of aborted requests; undefined for a delay. */
  public readonly httpStatus?: number;
  /** How long delayed requests wait; undefined for an abort. */
  public readonly fixedDelay?: Duration;

  private readonly isDelay: boolean;

  private constructor(isDelay: boolean, percent: number, pathPrefix: string | undefined, httpStatus: number | undefined,
    fixedDelay: Duration | undefined) {
    this.isDelay = isDelay;
    this.percent = percent;
    this.pathPrefix = pathPrefix;
    this.httpStatus = httpStatus;
    this.fixedDelay = fixedDelay;
  }

  /**
   * Refuses bad options; `prop` names the fault in errors (e.g. `fault`).
   * @internal
   */
  public _validate(subject: Subject, prop: string): void {
    checkPercent(subject, `${prop}.percent`, this.percent);
    checkWholeNumber(subject, `${prop}.httpStatus`, this.httpStatus, 200, 599);
    if (this.isDelay && this.fixedDelay === undefined) {
      throw propError(subject, `${prop}.fixedDelay`, undefined, 'must be given for a delay');
    }
    checkIstioDuration(subject, `${prop}.fixedDelay`, this.fixedDelay);
    if (this.pathPrefix !== undefined && !this.pathPrefix.startsWith('/')) {
      throw propError(subject, `${prop}.pathPrefix`, this.pathPrefix, 'must start with \'/\'');
    }
  }

  /**
   * The fault as Istio writes it, with today's `percentage.value` (not the deprecated `percent`).
   * @internal
   */
  public _toIstio(): istio.VirtualServiceSpecHttpFault {
    const percentage = { value: this.percent };
    if (this.isDelay && this.fixedDelay) {
      return { delay: { fixedDelay: istioDuration(this.fixedDelay), percentage } };
    }
    return { abort: { httpStatus: this.httpStatus, percentage } };
  }
}

import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { checkWholeSeconds, propError, Subject, subjectOf } from '../core/validation';

/**
 * Sticky sessions on a Service: kube-proxy sends every connection of a client IP to the same pod. It keeps
 * in-memory sessions working with several replicas only as long as that pod lives (and as long as clients keep their
 * IP: behind a load balancer or NAT many clients share one); a shared session store (`SessionStore`) is the real fix.
 *
 * @see https://kubernetes.io/docs/reference/networking/virtual-ips/#session-affinity
 */
export class SessionAffinity {
  /** The longest timeout Kubernetes accepts: one day. */
  public static readonly MAX_TIMEOUT_SECONDS = 86400;

  /**
   * Sets `sessionAffinity: ClientIP` with its timeout on a Service (cdk8s-plus-27 has no field for either).
   *
   * @param service a Service with a cluster IP (kube-proxy does not balance headless Services)
   * @param timeout how long a client stays on its pod after its last connection, from 1 s to 1 day
   * (`MAX_TIMEOUT_SECONDS`); default Duration.hours(3), Kubernetes' own default
   */
  public static clientIp(service: kplus.Service, timeout?: Duration): void {
    const subject = subjectOf(service);
    SessionAffinity._validate(subject, 'timeout', timeout);
    if (service.clusterIP === 'None') {
      throw propError(subject, 'clusterIP', 'None', 'must not be "None" for session affinity: kube-proxy does not balance headless Services');
    }
    const seconds = timeout?.toSeconds() ?? 10800;
    const resource = ApiObject.of(service);
    resource.addJsonPatch(JsonPatch.add('/spec/sessionAffinity', 'ClientIP'));
    // The patched JSON still goes through the typed k8s converter, which reads `clientIp` and writes `clientIP`.
    resource.addJsonPatch(JsonPatch.add('/spec/sessionAffinityConfig', { clientIp: { timeoutSeconds: seconds } }));
  }

  /**
   * Refuses a timeout Kubernetes would reject: not a whole number of seconds from 1 to 86400. `prop` names the prop
   * it came from, so that constructs taking it as an option report it under their own name.
   * @internal
   */
  public static _validate(subject: Subject, prop: string, timeout: Duration | undefined): void {
    checkWholeSeconds(subject, prop, timeout, 1, SessionAffinity.MAX_TIMEOUT_SECONDS);
  }
}

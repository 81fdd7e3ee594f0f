import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AutoscaledDeployment, AutoscalingOptions, LoadBalancedService } from 'cdk8s-resilience';

/** Sends `HEAD /healthz` to Apache and succeeds on any HTTP status line. */
const LIVENESS_SCRIPT = 'exec 3<>/dev/tcp/127.0.0.1/80 && printf \'HEAD /healthz HTTP/1.0\\r\\n\\r\\n\' >&3 && read -r -t 5 status <&3 && [[ $status == HTTP/* ]]';

/**
 * php-apache as the workshop runs it: every request burns CPU, requests 100m/64Mi and limits 200m/128Mi, port 80
 * behind a ClusterIP Service of the same name.
 */
function phpApache(scope: Construct, name: string, autoscaling: AutoscalingOptions): AutoscaledDeployment {
  const web = new AutoscaledDeployment(scope, name, {
    metadata: { name, labels: { app: name } },
    podMetadata: { labels: { app: name } },
    containers: [{
      name: 'hpa-example',
      image: 'codeurjc/hpa-example:v1',
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      portNumber: 80,
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(200) },
        memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
      },
      // A TCP check: an HTTP one would run the CPU-burning page every 10 s and skew the very metric it scales on.
      readiness: kplus.Probe.fromTcpSocket(),
      // Liveness: that Apache still answers HTTP (any status, for a path that runs no PHP). A hung Apache still
      // accepts TCP connections (the kernel completes them), so only a request shows it. Bash builtins only, every
      // 30 s: a few milliseconds of CPU, far below the 10m the HPA targets; an HTTP probe of / would burn the page.
      liveness: kplus.Probe.fromCommand(['bash', '-c', LIVENESS_SCRIPT], { periodSeconds: Duration.seconds(30), timeoutSeconds: Duration.seconds(5) }),
    }],
    // Apache runs as the unprivileged UID: the namespaced sysctl lets it bind port 80 without a capability
    // ("restricted" allows it), and its pid and lock files go to emptyDirs under the read-only root.
    securityContext: { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
    ...autoscaling,
  });
  ['/var/run/apache2', '/var/lock/apache2', '/tmp'].forEach((path, i) =>
    web.containers[0].mount(path, kplus.Volume.fromEmptyDir(scope, `${name}-writable-${i}`, `writable-${i}`)));
  new LoadBalancedService(scope, `${name}-service`, { target: web, port: 80, name });
  return web;
}

/**
 * The talk's HPA demo (MasterCloudApps/expoqa2022 `ejem2-hpa`, after the Kubernetes HPA walkthrough): an
 * `autoscaling/v2` HorizontalPodAutoscaler keeps the average CPU of php-apache at 10% of its 100m request, between 1
 * and 10 replicas. Load it with `kubectl run load --image=busybox:1.36 -- sh -c "while true; do wget -qO- http://php-apache; done"`.
 *
 * Fixed from the workshop's YAML: no `replicas` on the Deployment (it reset the HPA's count to 1 on every apply),
 * a rolling update instead of `Recreate` (every rollout was an outage), readiness and liveness probes that never run
 * the CPU-burning page, a pinned pull policy and hardened containers. The HPA's scale-up and scale-down behavior is written out (the Kubernetes defaults).
 */
export class PhpApacheChart extends Chart {
  public readonly web: AutoscaledDeployment;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    // The talk's numbers: a low 10% target so that a single load generator makes it scale.
    this.web = phpApache(this, 'php-apache', { minReplicas: 1, maxReplicas: 10, cpuUtilizationPercent: 10 });
  }
}

/**
 * The same demo scaled by KEDA (the talk's "Kubernetes Event-driven Autoscaling"): a `keda.sh/v1alpha1` ScaledObject
 * with a cron trigger that holds 4 replicas during Madrid office hours, because scaling on CPU alone is never
 * immediate (metrics every 15–30 s, then pods to start), plus the same 10% CPU trigger for the rest. An alternative
 * to `PhpApacheChart`, in its own file: apply one or the other.
 */
export class PhpApacheKedaChart extends Chart {
  public readonly web: AutoscaledDeployment;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    this.web = phpApache(this, 'php-apache-keda', {
      minReplicas: 1,
      maxReplicas: 10,
      keda: {
        triggers: [
          { type: 'cron', metadata: { timezone: 'Europe/Madrid', start: '0 8 * * 1-5', end: '0 20 * * 1-5', desiredReplicas: '4' } },
          { type: 'cpu', metricType: 'Utilization', metadata: { value: '10' } },
        ],
      },
    });
  }
}

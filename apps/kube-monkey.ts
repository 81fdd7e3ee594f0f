import { Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ChaosTarget, KillMode, KubeMonkey, ScalableBackend } from 'cdk8s-resilience';

/**
 * The talk's kube-monkey slide done right: kube-monkey itself, and the victim `monkey-victim` enrolled with every
 * label kube-monkey needs on the Deployment's own metadata (the slide put them only on the pod template and left out
 * `kube-monkey/mtbf`, so nothing was ever killed). On weekdays, between 10:00 and 16:00 Madrid time, kube-monkey
 * kills one of its pods with a probability of 1/2.
 *
 * kube-monkey runs in `kube-system` (never attacked: it is excluded by default) and may only kill in `default`,
 * where the victim lives. `dryRun` is off: this app kills for real. The victim has 3 replicas, so a kill costs
 * capacity, not availability.
 */
export class KubeMonkeyChart extends Chart {
  public readonly monkey: KubeMonkey;
  public readonly victim: ScalableBackend;
  public readonly chaos: ChaosTarget;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'default', ...props });

    this.monkey = new KubeMonkey(this, 'kube-monkey', {
      namespace: 'kube-system',
      dryRun: false,
      timeZone: 'Europe/Madrid',
      namespaces: [this.namespace ?? 'default'],
    });

    this.victim = new ScalableBackend(this, 'monkey-victim', {
      name: 'monkey-victim',
      image: 'nginxinc/nginx-unprivileged:1.27.2',
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      containerPort: 8080,
      replicas: 3,
      readiness: kplus.Probe.fromHttpGet('/'),
      // Liveness asks less than readiness: only that nginx accepts connections.
      liveness: kplus.Probe.fromTcpSocket(),
      // nginx keeps its pid file and temporary files under /tmp.
      writablePaths: ['/tmp'],
      labels: { app: 'monkey-victim' },
    });

    this.chaos = new ChaosTarget(this, 'monkey-victim-chaos', {
      target: this.victim.deployment,
      identifier: 'monkey-victim',
      mtbfDays: 2,
      killMode: KillMode.fixed(1),
    });
  }
}

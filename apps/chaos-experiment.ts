import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { LoadBalancedService, LoadTest, PodChaosMonkey, ResilientDeployment } from 'cdk8s-resilience';

/**
 * Props of `ChaosExperimentChart`.
 */
export interface ChaosExperimentProps extends ChartProps {
  /** Replicas of the webapp. */
  readonly replicas: number;
  /** Retry failed requests with Istio (5 attempts, 2 s each), through the ingress gateway. */
  readonly istioRetries?: boolean;
}

/**
 * The talk's chaos experiment (expoqa2022 `ejem6-loadtest` and `ejem7-chaos`), one chart per run: the cats webapp, a
 * pod killer that deletes a pod labelled `app=webapp` every 15 seconds, and an artillery load test of 120 s at 10
 * new users per second over 8 connections that fails unless p95 stays under 100 ms with no error at all. The talk
 * measured 282 of 1200 users completed with 1 replica, 864 with 2 and 1198 with 2 replicas plus Istio retries: the
 * first two load test Jobs are expected to fail, which is the point of the experiment.
 *
 * Each run has a namespace of its own (create it first); apply one run at a time, and delete its Job to run it again.
 * The webapp keeps sessions in memory (`webgatos2-non-scalable`); each virtual user sends a single request, so that
 * does not change the result. The load test reaches the webapp through its Service, or, with Istio retries, through
 * the ingress gateway the talk installs (Helm release `istio-ingress` in namespace `istio-ingress`, pods labelled
 * `istio: ingress`), which applies the retries.
 *
 * Better than the talk's scripts: the pod killer runs in the cluster with a Role that can only get, list and delete
 * pods of its namespace; the load test waits for the webapp to answer before it starts and fails its Job when the
 * thresholds are missed (artillery 2 ignores the talk's `config.ensure`); every container is hardened, pinned and
 * given requests and limits; 2 replicas get a disruption budget.
 */
export class ChaosExperimentChart extends Chart {
  public readonly webapp: ResilientDeployment;
  public readonly service: LoadBalancedService;
  public readonly podKiller: PodChaosMonkey;
  public readonly loadTest: LoadTest;

  constructor(scope: Construct, id: string, props: ChaosExperimentProps) {
    super(scope, id, props);

    this.webapp = new ResilientDeployment(this, 'webapp', {
      metadata: { name: 'webapp', labels: { app: 'webapp' } },
      // The pod killer selects the pods by `app=webapp`, as the talk's chaos script does.
      podMetadata: { labels: { app: 'webapp' } },
      replicas: props.replicas,
      containers: [{
        name: 'webapp',
        image: 'codeurjc/webgatos2-non-scalable:0.0.1',
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        portNumber: 8080,
        // A Spring Boot JVM: a full core to start, a fixed 512Mi budget.
        resources: {
          cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(1000) },
          memory: { request: Size.mebibytes(512), limit: Size.mebibytes(512) },
        },
        startup: kplus.Probe.fromTcpSocket({ port: 8080, periodSeconds: Duration.seconds(2), failureThreshold: 30 }),
        readiness: kplus.Probe.fromHttpGet('/', { port: 8080 }),
        // Liveness asks less than readiness, only that the JVM accepts connections; it plays no part in the runs (the
        // pod killer deletes pods long before a failing liveness probe would restart one).
        liveness: kplus.Probe.fromTcpSocket({ port: 8080 }),
      }],
    });
    this.webapp.containers[0].mount('/tmp', kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp'));

    this.service = new LoadBalancedService(this, 'webapp-service', {
      target: this.webapp,
      name: 'webapp',
      port: 8080,
      ...(props.istioRetries ? {
        retries: { attempts: 5, perTryTimeout: Duration.seconds(2) },
        gateway: { name: 'webapp-gateway', hosts: ['*'], selector: { istio: 'ingress' } },
      } : {}),
    });

    this.podKiller = new PodChaosMonkey(this, 'pod-killer', {
      selector: { app: 'webapp' },
      interval: Duration.seconds(15),
    });

    this.loadTest = new LoadTest(this, 'load-test', {
      target: props.istioRetries ? 'http://istio-ingress.istio-ingress.svc.cluster.local' : LoadTest.urlOf(this.service.service),
      phases: [{ duration: Duration.seconds(120), arrivalRate: 10 }],
      pool: 8,
      p95: Duration.millis(100),
      maxErrorRate: 0,
    });
  }
}

/** The three runs of the experiment, each in its own namespace. */
export function chaosExperiment(scope: Construct): ChaosExperimentChart[] {
  return [
    new ChaosExperimentChart(scope, 'chaos-1-replica', { namespace: 'chaos-1-replica', replicas: 1 }),
    new ChaosExperimentChart(scope, 'chaos-2-replicas', { namespace: 'chaos-2-replicas', replicas: 2 }),
    new ChaosExperimentChart(scope, 'chaos-2-replicas-istio-retries', { namespace: 'chaos-2-replicas-istio-retries', replicas: 2, istioRetries: true }),
  ];
}

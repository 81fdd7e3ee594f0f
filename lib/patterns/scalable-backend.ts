import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ScalableWorker, ScalableWorkerProps } from './scalable-worker';
import { ChaosTarget } from '../chaos/chaos-target';
import { prevalidated } from '../core/validated';
import { checkDns1035Label, checkPort, isDns1035Label, requireProps, subjectOf } from '../core/validation';
import { AutoscaledDeployment } from '../scaling/autoscaled-deployment';
import { LoadBalancedService, MeshOptions, ServiceOptions } from '../traffic/load-balanced-service';
import { DisruptionBudget } from '../workload/disruption-budget';
import { WorkloadNetworkPolicy } from '../workload/network-policy';
import { ResilientDeployment } from '../workload/resilient-deployment';

/**
 * Props of `ScalableBackend`: a `ScalableWorker` with a Service in front of its port.
 */
export interface ScalableBackendProps extends ScalableWorkerProps, ServiceOptions, MeshOptions {
  /**
   * The port the app listens on.
   */
  readonly containerPort: number;

  /**
   * The port the Service listens on.
   * @default - the container port
   */
  readonly servicePort?: number;
}

/**
 * A stateless backend: a hardened Deployment with probes, explicit resources, a rolling update, a disruption
 * budget and spread across nodes, behind a Service wired to its pods.
 *
 * Names: every object is named after `name`, else after the construct id when it is a valid Service name (a DNS-1035
 * label), so that the Service of `new ScalableBackend(chart, 'cartservice', …)` is reachable at
 * `cartservice:<servicePort>` from its namespace. Two objects of one kind and name in one namespace are refused at
 * synth, naming both construct paths.
 *
 * @example
 * const backend = new ScalableBackend(chart, 'calculator-backend', {
 *   image: 'itdesign/calculator-backend:v1',
 *   containerPort: 8080,
 *   servicePort: 80,
 *   replicas: 3,
 * });
 */
export class ScalableBackend extends Construct {
  /** The Deployment. */
  public readonly deployment: ResilientDeployment;
  /** The Service in front of it. */
  public readonly service: kplus.Service;
  /** The construct that owns the Service. */
  public readonly loadBalancer: LoadBalancedService;
  /** The kube-monkey enrollment, when `chaos` is given. */
  public readonly chaos?: ChaosTarget;
  /** The name of the objects, when known before synth (`name`, or the construct id). */
  public readonly name?: string;

  constructor(scope: Construct, id: string, props: ScalableBackendProps) {
    super(scope, id);
    const subject = subjectOf(this);
    requireProps(subject, props, 'image', 'containerPort');
    // The name is the Service's too: an RFC 1035 label (a construct id such as '2048' is not one).
    checkDns1035Label(subject, 'name', props.name);
    checkPort(subject, 'containerPort', props.containerPort);
    checkPort(subject, 'servicePort', props.servicePort);
    // The extra Service ports are container ports of the app too.
    const ports: kplus.ContainerPort[] = [{ number: props.containerPort }];
    if (props.extraPorts) {
      for (const extra of props.extraPorts) {
        const number = extra.targetPort ?? extra.port;
        if (!ports.some(p => p.number === number)) ports.push({ number, name: extra.name });
      }
    }
    // A backend without a readiness probe of its own gets a TCP check of its port.
    const container = ScalableWorker._containerProps(props, ports, props.readiness ? undefined : kplus.Probe.fromTcpSocket());
    ScalableWorker._validate(subject, props, container);
    LoadBalancedService._validateOptions(subject, props);

    // Named after the construct id only where that is a valid Service name; cdk8s generates the name otherwise.
    this.name = props.name ?? (isDns1035Label(id) ? id : undefined);
    const built = ScalableWorker._build(this, this.name, props, container);
    this.deployment = built.deployment;
    this.chaos = built.chaos;

    this.loadBalancer = new LoadBalancedService(this, 'Service', prevalidated({
      ...props,
      name: this.name,
      target: this.deployment,
      port: props.servicePort,
      targetPort: props.containerPort,
    }));
    this.service = this.loadBalancer.service;
    ScalableWorker._labelEverything(this, props);
  }

  /** The HorizontalPodAutoscaler, when `autoscaling` is set (and KEDA does not scale the Deployment). */
  public get autoscaler(): kplus.HorizontalPodAutoscaler | undefined {
    return this.deployment instanceof AutoscaledDeployment ? this.deployment.autoscaler : undefined;
  }

  /** The PodDisruptionBudget, when the Deployment has one. */
  public get disruptionBudget(): DisruptionBudget | undefined {
    return this.deployment.disruptionBudget;
  }

  /** The NetworkPolicy of the pods, unless `networkPolicy.enabled` is false. */
  public get networkPolicy(): WorkloadNetworkPolicy | undefined {
    return this.deployment.networkPolicy;
  }
}

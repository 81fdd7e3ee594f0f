import { ApiObjectMetadata, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { compact } from '../core/util';
import { requireProps, subjectOf } from '../core/validation';

/**
 * Options of the NetworkPolicy every workload of this library gets.
 */
export interface NetworkPolicyOptions {
  /**
   * Create the NetworkPolicy.
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * Allow the pods to open connections to anything (DNS, the API server, other Services, the internet). Without it
   * the pods can open none: add your own NetworkPolicy that allows what they need.
   * @default true
   */
  readonly allowEgress?: boolean;
}

/**
 * Props of `WorkloadNetworkPolicy`.
 */
export interface WorkloadNetworkPolicyProps extends NetworkPolicyOptions {
  /** The workload whose pods the policy isolates; the policy selects the same pods and lives in its namespace. */
  readonly target: kplus.Workload;

  /**
   * Metadata of the NetworkPolicy object (name, labels…); the namespace defaults to the target's.
   * @default - a generated name in the target's namespace
   */
  readonly metadata?: ApiObjectMetadata;
}

/**
 * A `networking.k8s.io/v1` NetworkPolicy that isolates a workload's pods for ingress and egress, then allows what the
 * workload declares: connections to the ports its containers expose (from any peer: a Service in front of the pods
 * needs nothing more) and, by default, every outgoing connection. A pod that exposes no port (a worker) accepts no
 * connection. Network plugins without NetworkPolicy support ignore it.
 *
 * Linters platform teams run (kube-score `pod-networkpolicy`, checkov `CKV2_K8S_6`) require such a policy for every
 * pod. Traffic from the node itself (kubelet probes) is allowed by the common network plugins regardless.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export class WorkloadNetworkPolicy extends Construct {
  /** The generated NetworkPolicy. */
  public readonly resource: kplus.k8s.KubeNetworkPolicy;
  /** Whether the pods may open connections to anything. */
  public readonly allowEgress: boolean;

  constructor(scope: Construct, id: string, props: WorkloadNetworkPolicyProps) {
    super(scope, id);
    const target = requireProps(subjectOf(this), props, 'target').target;
    this.allowEgress = props.allowEgress ?? true;
    this.resource = new kplus.k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: compact({ namespace: target.metadata.namespace, ...props.metadata }),
      spec: {
        podSelector: { matchLabels: podLabels(target) },
        policyTypes: ['Ingress', 'Egress'],
        // The containers' ports are read at synth: containers and ports may be added after this construct.
        ingress: Lazy.any({ produce: () => ingressRules(target) }),
        egress: this.allowEgress ? [{}] : [],
      },
    });
  }

  /** The name of the NetworkPolicy. */
  public get name(): string {
    return this.resource.name;
  }
}

/**
 * Labels that select exactly the target's pods: its selector's labels, or, for a workload without a selector of its
 * own (a cdk8s-plus Job: Kubernetes generates its selector), the address label cdk8s-plus puts on every pod template.
 * Never none: an empty podSelector would select every pod of the namespace.
 */
function podLabels(target: kplus.Workload): Record<string, string> {
  const labels = target.matchLabels;
  if (Object.keys(labels).length) return labels;
  return { [kplus.Pod.ADDRESS_LABEL]: target.podMetadata.getLabel(kplus.Pod.ADDRESS_LABEL)! };
}

/** One rule admitting connections to every port the target's containers expose (each once); none when they expose none. */
function ingressRules(target: kplus.Workload): kplus.k8s.NetworkPolicyIngressRule[] {
  const seen = new Set<string>();
  const ports: kplus.k8s.NetworkPolicyPort[] = [];
  for (const container of target.containers) {
    for (const port of container.ports) {
      const protocol = port.protocol ?? kplus.Protocol.TCP;
      const key = `${port.number}/${protocol}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ports.push({ port: kplus.k8s.IntOrString.fromNumber(port.number), protocol });
    }
  }
  return ports.length ? [{ ports }] : [];
}

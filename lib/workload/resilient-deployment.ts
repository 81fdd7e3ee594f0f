import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DisruptionBudget } from './disruption-budget';
import { PodSecurityOptions } from './pod-security';
import { ResilienceOptions, WorkloadDefaults } from './workload-defaults';
import { checkWholeNumber, Subject, subjectFor, subjectOf } from '../core/validation';

/**
 * Props of `ResilientDeployment`.
 */
export interface ResilientDeploymentProps extends kplus.DeploymentProps, ResilienceOptions {
  /**
   * How many old ReplicaSets to keep for `kubectl rollout undo`.
   * @default 10
   */
  readonly revisionHistoryLimit?: number;
}

/**
 * A cdk8s-plus Deployment with the defaults the workshops forgot: hardened containers (Pod Security "restricted"),
 * explicit requests and limits, a PodDisruptionBudget from 2 replicas, soft topology spread and an explicit
 * revision history. Every default has an opt-out in its props.
 *
 * @example
 * new ResilientDeployment(chart, 'web', {
 *   replicas: 3,
 *   containers: [{ image: 'nginxinc/nginx-unprivileged:1.27', portNumber: 8080 }],
 * });
 */
export class ResilientDeployment extends kplus.Deployment {
  /** @internal */
  public static _validate(subject: Subject, props: ResilientDeploymentProps): void {
    WorkloadDefaults._checkReplicas(subject, 'replicas', props.replicas);
    checkWholeNumber(subject, 'revisionHistoryLimit', props.revisionHistoryLimit, 0);
    WorkloadDefaults._validate(subject, props, props.replicas ?? 2);
  }

  /** The resolved security options. */
  public readonly security: PodSecurityOptions;
  /** The resolved revision history limit. */
  public readonly revisionHistoryLimit: number;
  /** The PodDisruptionBudget, when one was created. */
  public readonly disruptionBudget?: DisruptionBudget;
  private readonly resilience: ResilienceOptions;

  constructor(scope: Construct, id: string, props: ResilientDeploymentProps = {}) {
    const subject = subjectFor(new.target.name, scope, id);
    ResilientDeployment._validate(subject, props);
    // Containers are added below, once the security defaults are known, so that each one is hardened.
    super(scope, id, {
      ...props,
      containers: undefined,
      initContainers: undefined,
      securityContext: WorkloadDefaults._podSecurityContext(props, props.securityContext),
    });
    this.resilience = props;
    this.security = props.security ?? {};
    this.revisionHistoryLimit = props.revisionHistoryLimit ?? 10;

    (props.initContainers ?? []).forEach(c => this.addInitContainer(c));
    (props.containers ?? []).forEach(c => this.addContainer(c));

    WorkloadDefaults._setSpecField(this, 'revisionHistoryLimit', this.revisionHistoryLimit);
    this.disruptionBudget = WorkloadDefaults._apply(this, props, props.replicas ?? 2, props.metadata?.name);
  }

  /**
   * Adds a container, hardened with this workload's security options and given the default resources if it sets
   * none.
   */
  public addContainer(cont: kplus.ContainerProps): kplus.Container {
    return super.addContainer(WorkloadDefaults._container(subjectOf(this), `containers[${this.containers.length}].`, cont, this.resilience));
  }

  /**
   * Adds an init container, hardened like `addContainer`.
   */
  public addInitContainer(cont: kplus.ContainerProps): kplus.Container {
    return super.addInitContainer(WorkloadDefaults._container(subjectOf(this), `initContainers[${this.initContainers.length}].`, cont, this.resilience));
  }

}

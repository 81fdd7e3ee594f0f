import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DisruptionBudget } from './disruption-budget';
import { PodSecurityOptions } from './pod-security';
import { ResilienceOptions, WorkloadDefaults } from './workload-defaults';
import { DEFAULTS } from '../core/defaults';
import { needsValidation } from '../core/validated';
import { checkLabels, checkWholeNumber, Subject, subjectFor, subjectOf } from '../core/validation';

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
  public static _validate(subject: Subject, props: ResilientDeploymentProps, budgetFloor: number): void {
    WorkloadDefaults._checkReplicas(subject, 'replicas', props.replicas);
    checkLabels(subject, 'metadata.labels', props.metadata?.labels);
    checkLabels(subject, 'podMetadata.labels', props.podMetadata?.labels);
    checkWholeNumber(subject, 'revisionHistoryLimit', props.revisionHistoryLimit, 0);
    WorkloadDefaults._validate(subject, props, budgetFloor);
  }

  /** The resolved security options. */
  public readonly security: PodSecurityOptions;
  /** The resolved revision history limit. */
  public readonly revisionHistoryLimit: number;
  /** The PodDisruptionBudget, when one was created. */
  public readonly disruptionBudget?: DisruptionBudget;
  private readonly resilience: ResilienceOptions;
  private readonly checkContainers: boolean;

  constructor(scope: Construct, id: string, props: ResilientDeploymentProps = {}) {
    const subject = subjectFor(new.target.name, scope, id);
    const validate = needsValidation(props);
    if (validate) ResilientDeployment._validate(subject, props, props.replicas ?? DEFAULTS.replicas);
    // Containers are added below, once the security defaults are known, so that each one is hardened.
    super(scope, id, {
      ...props,
      containers: undefined,
      initContainers: undefined,
      securityContext: WorkloadDefaults._podSecurityContext(props, props.securityContext),
    });
    this.resilience = props;
    this.security = props.security ?? {};
    this.revisionHistoryLimit = props.revisionHistoryLimit ?? DEFAULTS.revisionHistoryLimit;

    // Containers of the props were checked with them (here or by the composite); those added later always are.
    this.checkContainers = false;
    (props.initContainers ?? []).forEach(c => this.addInitContainer(c));
    (props.containers ?? []).forEach(c => this.addContainer(c));
    this.checkContainers = true;

    WorkloadDefaults._setSpecField(this, 'revisionHistoryLimit', this.revisionHistoryLimit);
    WorkloadDefaults._requireContainers(this);
    this.disruptionBudget = WorkloadDefaults._apply(this, props, this.budgetFloor(props), props.metadata?.name);
  }

  /**
   * Adds a container, hardened with this workload's security options and given the default resources if it sets
   * none.
   */
  public addContainer(cont: kplus.ContainerProps): kplus.Container {
    return super.addContainer(WorkloadDefaults._container(subjectOf(this), `containers[${this.containers.length}].`, cont, this.resilience, this.checkContainers,
      WorkloadDefaults._containerNames(this)));
  }

  /**
   * Adds an init container, hardened like `addContainer`.
   */
  public addInitContainer(cont: kplus.ContainerProps): kplus.Container {
    return super.addInitContainer(WorkloadDefaults._container(subjectOf(this), `initContainers[${this.initContainers.length}].`, cont, this.resilience, this.checkContainers,
      WorkloadDefaults._containerNames(this)));
  }

  /**
   * The fewest replicas the Deployment runs, which sizes (and checks) its disruption budget: `replicas`. A subclass
   * whose replica count is owned by something else (an autoscaler) returns that floor instead.
   */
  protected budgetFloor(props: ResilientDeploymentProps): number {
    return props.replicas ?? DEFAULTS.replicas;
  }
}

import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DisruptionBudget } from './disruption-budget';
import { WorkloadNetworkPolicy } from './network-policy';
import { PodSecurityOptions } from './pod-security';
import { ResilienceOptions, WorkloadDefaults } from './workload-defaults';
import { DEFAULTS } from '../core/defaults';
import { refuseDuplicateNames } from '../core/unique-names';
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

  /**
   * Select the pods by these labels (e.g. `{ app: 'cartservice' }`) instead of cdk8s-plus's label derived from the
   * construct path: renaming a chart or construct then leaves the immutable `spec.selector` alone, and an existing
   * Deployment that selects `app: cartservice` can be adopted. The labels are added to the pod template; the
   * Service and disruption budget of this library select the same labels. Keep them unique per namespace.
   * @default - cdk8s-plus's `cdk8s.io/metadata.addr` label, which changes with the construct path
   */
  readonly selectorLabels?: { [key: string]: string };
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
  public static _validate(subject: Subject, props: ResilientDeploymentProps, budgetFloor: number, budgetCeiling = budgetFloor): void {
    WorkloadDefaults._checkReplicas(subject, 'replicas', props.replicas);
    checkLabels(subject, 'metadata.labels', props.metadata?.labels);
    checkLabels(subject, 'podMetadata.labels', props.podMetadata?.labels);
    checkWholeNumber(subject, 'revisionHistoryLimit', props.revisionHistoryLimit, 0);
    WorkloadDefaults._validateSelectorLabels(subject, 'selectorLabels', props.selectorLabels);
    WorkloadDefaults._validate(subject, props, budgetFloor, budgetCeiling);
  }

  /** The resolved security options. */
  public readonly security: PodSecurityOptions;
  /** The resolved revision history limit. */
  public readonly revisionHistoryLimit: number;
  /** The labels the pods are selected by, when given (`selectorLabels`). */
  public readonly selectorLabels?: { [key: string]: string };
  /** The PodDisruptionBudget, when one was created. */
  public readonly disruptionBudget?: DisruptionBudget;
  /** The NetworkPolicy, unless `networkPolicy.enabled` is false. */
  public readonly networkPolicy?: WorkloadNetworkPolicy;
  private readonly resilience: ResilienceOptions;
  private readonly checkContainers: boolean;

  constructor(scope: Construct, id: string, props: ResilientDeploymentProps = {}) {
    if (needsValidation(props)) ResilientDeployment._validate(subjectFor(new.target.name, scope, id), props, props.replicas ?? DEFAULTS.replicas);
    // Containers are added below, once the security defaults are known, so that each one is hardened.
    super(scope, id, {
      ...props,
      select: props.selectorLabels ? false : props.select,
      containers: undefined,
      initContainers: undefined,
      securityContext: WorkloadDefaults._podSecurityContext(props, props.securityContext),
    });
    this.selectorLabels = props.selectorLabels;
    if (props.selectorLabels) {
      this.select(kplus.LabelSelector.of({ labels: props.selectorLabels }));
      for (const [key, value] of Object.entries(props.selectorLabels)) this.podMetadata.addLabel(key, value);
    }
    refuseDuplicateNames(this);
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
    const applied = WorkloadDefaults._apply(this, props, this.budgetFloor(props), props.metadata?.name, this.budgetCeiling(props));
    this.disruptionBudget = applied.disruptionBudget;
    this.networkPolicy = applied.networkPolicy;
  }

  /**
   * Adds a container, hardened with this workload's security options and given the default resources if it sets
   * none.
   */
  public addContainer(cont: kplus.ContainerProps): kplus.Container {
    if (this.checkContainers) WorkloadDefaults._checkAdded(subjectOf(this), `containers[${this.containers.length}].`, cont, this.resilience, this);
    return super.addContainer(WorkloadDefaults._harden(cont, this.resilience, false));
  }

  /**
   * How Services, network policies and affinities select this Deployment's pods: by `selectorLabels` when given,
   * else by cdk8s-plus's address label.
   */
  public toPodSelectorConfig(): kplus.PodSelectorConfig {
    const config = super.toPodSelectorConfig();
    return this.selectorLabels ? { ...config, labelSelector: kplus.LabelSelector.of({ labels: this.selectorLabels }) } : config;
  }

  /**
   * Adds an init container, hardened like `addContainer`.
   */
  public addInitContainer(cont: kplus.ContainerProps): kplus.Container {
    if (this.checkContainers) WorkloadDefaults._checkAdded(subjectOf(this), `initContainers[${this.initContainers.length}].`, cont, this.resilience, this);
    return super.addInitContainer(WorkloadDefaults._harden(cont, this.resilience, true));
  }

  /**
   * The fewest replicas the Deployment runs, which sizes (and checks) its disruption budget: `replicas`. A subclass
   * whose replica count is owned by something else (an autoscaler) returns that floor instead.
   */
  protected budgetFloor(props: ResilientDeploymentProps): number {
    return props.replicas ?? DEFAULTS.replicas;
  }

  /**
   * The most replicas the Deployment runs, which decides whether it gets a disruption budget (from 2): `replicas`.
   * A subclass scaled by an autoscaler returns its maximum.
   */
  protected budgetCeiling(props: ResilientDeploymentProps): number {
    return this.budgetFloor(props);
  }
}

import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Autoscaler, AutoscalingOptions } from './autoscaler';
import { VerticalAutoscaler } from './vertical-autoscaler';
import { DEFAULTS } from '../core/defaults';
import { needsValidation, prevalidated } from '../core/validated';
import { propError, requireProps, Subject, subjectFor, subjectOf, verbatim } from '../core/validation';
import * as keda from '../imports/keda.sh';
import { ResilientDeployment, ResilientDeploymentProps } from '../workload/resilient-deployment';
import { WorkloadDefaults } from '../workload/workload-defaults';

/**
 * Props of `AutoscaledDeployment`: a `ResilientDeployment` without `replicas`, plus its autoscaling.
 */
export interface AutoscaledDeploymentProps extends ResilientDeploymentProps, AutoscalingOptions {}

/**
 * A `ResilientDeployment` that owns its `autoscaling/v2` HorizontalPodAutoscaler (or KEDA ScaledObject): the
 * Deployment never carries `replicas`, and its PodDisruptionBudget follows `minReplicas` (which the inherited
 * `replicas` field reports).
 *
 * @example
 * const web = new AutoscaledDeployment(chart, 'php-apache', {
 *   containers: [{ image: 'codeurjc/hpa-example:v1', portNumber: 80 }],
 *   minReplicas: 1,
 *   maxReplicas: 10,
 *   cpuUtilizationPercent: 10,
 * });
 * web.autoscaler; // the HPA
 */
export class AutoscaledDeployment extends ResilientDeployment {
  /**
   * Validates the props before anything is built: `replicas` is refused, the autoscaling options are checked
   * against the containers' effective requests.
   * @internal
   */
  public static _validateAutoscaling(subject: Subject, props: AutoscaledDeploymentProps): void {
    if (props.replicas !== undefined) {
      throw propError(subject, 'replicas', props.replicas,
        'cannot be set on an autoscaled workload: the autoscaler owns the replica count, and a fixed one would reset it on every apply (set \'minReplicas\' and \'maxReplicas\')');
    }
    const containers = (props.containers ?? []).map((c, i) => ({
      resourcesProp: `containers[${i}].resources`,
      name: c.name ?? 'main',
      resources: c.resources ?? props.defaultResources ?? WorkloadDefaults.RESOURCES,
    }));
    Autoscaler._validate(subject, '', props, containers);
    ResilientDeployment._validate(subject, props, props.minReplicas ?? DEFAULTS.minReplicas, props.maxReplicas);
  }

  /** The HorizontalPodAutoscaler, unless KEDA scales the Deployment. */
  public readonly autoscaler?: kplus.HorizontalPodAutoscaler;
  /** The KEDA ScaledObject, when `keda` is set. */
  public readonly scaledObject?: keda.ScaledObject;
  /** The VerticalPodAutoscaler, when `verticalAutoscaling` is set. */
  public readonly verticalAutoscaler?: VerticalAutoscaler;
  /** The construct that owns the autoscalers, with the resolved settings. */
  public readonly scaling: Autoscaler;
  private ownedByAutoscaler = false;

  constructor(scope: Construct, id: string, props: AutoscaledDeploymentProps) {
    requireProps(subjectFor(new.target.name, scope, id), props, 'maxReplicas');
    const validate = needsValidation(props);
    if (validate) AutoscaledDeployment._validateAutoscaling(subjectFor(new.target.name, scope, id), props);
    // Validated as a whole above (or by the composite that built these props). The Deployment never carries
    // `replicas`: the autoscaler owns the count (cdk8s-plus leaves it out once an autoscaler is attached), and the
    // disruption budget is sized for `minReplicas` (see `budgetFloor`).
    super(scope, id, validate ? prevalidated({ ...props }) : props);
    // The autoscaling options were validated above (or by the composite that built these props).
    this.scaling = new Autoscaler(this, 'Autoscaler', prevalidated({ ...props, target: this }));
    this.autoscaler = this.scaling.horizontalPodAutoscaler;
    this.scaledObject = this.scaling.scaledObject;
    this.verticalAutoscaler = this.scaling.verticalAutoscaler;
  }

  /** The resolved fewest replicas (the autoscaler's). */
  public get minReplicas(): number {
    return this.scaling.minReplicas;
  }

  /** The most replicas. */
  public get maxReplicas(): number {
    return this.scaling.maxReplicas;
  }

  /**
   * Adds a container, hardened like `ResilientDeployment.addContainer`; refused when it lacks a request a
   * utilization target needs.
   */
  public addContainer(cont: kplus.ContainerProps): kplus.Container {
    const index = this.containers.length;
    const added = super.addContainer(cont);
    // `scaling` is unset while the constructor adds the props' containers: those were checked before `super`.
    this.scaling?._checkContainer(subjectOf(this), `containers[${index}].resources`, added);
    return added;
  }

  /**
   * The fewest replicas the Deployment runs, for its disruption budget: `minReplicas`.
   */
  protected budgetFloor(props: ResilientDeploymentProps): number {
    return (props as AutoscaledDeploymentProps).minReplicas ?? DEFAULTS.minReplicas;
  }

  /**
   * The most replicas the Deployment runs, for its disruption budget: `maxReplicas` (a budget from 2, even when
   * `minReplicas` is 1).
   */
  protected budgetCeiling(props: ResilientDeploymentProps): number {
    return (props as AutoscaledDeploymentProps).maxReplicas;
  }

  /**
   * Refuses a second autoscaler (e.g. a `kplus.HorizontalPodAutoscaler` added later).
   */
  public markHasAutoscaler(): void {
    if (this.ownedByAutoscaler) {
      throw propError(subjectOf(this), 'autoscaler', verbatim(this.autoscaler ? 'HorizontalPodAutoscaler' : 'ScaledObject'),
        'is already set: a workload takes one HorizontalPodAutoscaler or one KEDA ScaledObject, never two (they would fight over the replica count)');
    }
    this.ownedByAutoscaler = true;
    super.markHasAutoscaler();
  }
}

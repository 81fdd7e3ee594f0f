import { Names } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { needsValidation } from '../core/validated';
import { checkLabelValue, checkWholeNumber, isLabelValue, propError, requireProps, Subject, subjectOf } from '../core/validation';

/**
 * How many pods kube-monkey kills each time it attacks a workload (`kube-monkey/kill-mode` and
 * `kube-monkey/kill-value`).
 */
export class KillMode {
  /**
   * Kill a fixed number of pods (all of them when fewer are running).
   * @param pods whole number >= 1
   */
  public static fixed(pods: number): KillMode {
    return new KillMode('fixed', pods);
  }

  /**
   * Kill every running pod: the workload is down until its controller replaces them.
   */
  public static killAll(): KillMode {
    return new KillMode('kill-all');
  }

  /**
   * Kill this percentage of the running pods (rounded).
   * @param percent whole number from 0 to 100 (0 kills nothing; recent kube-monkey versions log it as an error)
   */
  public static fixedPercent(percent: number): KillMode {
    return new KillMode('fixed-percent', percent);
  }

  /**
   * Kill a random percentage of the running pods, from 0 up to this one.
   * @param percent whole number from 0 to 100 (0 kills nothing; recent kube-monkey versions log it as an error)
   */
  public static randomMaxPercent(percent: number): KillMode {
    return new KillMode('random-max-percent', percent);
  }

  /**
   * @param mode the value of the `kube-monkey/kill-mode` label
   * @param value the value of the `kube-monkey/kill-value` label; none for `kill-all`, which kube-monkey kills
   * without reading it
   */
  private constructor(public readonly mode: string, public readonly value?: number) {}

  /**
   * Refuses values kube-monkey would reject at kill time, when it is too late to notice.
   * @internal
   */
  public _validate(subject: Subject, prop: string): void {
    if (this.value === undefined) return;
    if (this.mode === 'fixed') {
      checkWholeNumber(subject, `${prop}.value`, this.value, 1);
    } else {
      checkWholeNumber(subject, `${prop}.value`, this.value, 0, 100);
    }
  }
}

/**
 * How a workload takes part in kube-monkey's chaos. `ScalableBackend` accepts these as `chaos`.
 */
export interface ChaosOptions {
  /**
   * Mean time between failures, in whole days (`kube-monkey/mtbf`): kube-monkey attacks the workload on a weekday
   * with a probability of 1 / mtbfDays.
   */
  readonly mtbfDays: number;

  /**
   * How many pods each attack kills.
   * @default KillMode.fixed(1)
   */
  readonly killMode?: KillMode;

  /**
   * The `kube-monkey/identifier` label value, by which kube-monkey finds the workload's pods. Must be unique among
   * the workloads kube-monkey attacks in the namespace: workloads sharing it are killed as one pool of pods.
   * @default - the workload's name when it is a valid label value, else a unique value derived from its construct
   * path
   */
  readonly identifier?: string;
}

/**
 * Props of `ChaosTarget`.
 */
export interface ChaosTargetProps extends ChaosOptions {
  /**
   * The workload to enroll: a Deployment, StatefulSet or DaemonSet (the kinds kube-monkey attacks), for example a
   * `ScalableBackend`'s `deployment`.
   */
  readonly target: kplus.Workload;
}

/**
 * Enrolls a workload in kube-monkey: the labels kube-monkey reads go on the workload's own metadata
 * (`kube-monkey/enabled`, `identifier`, `mtbf`, `kill-mode`, `kill-value`) and the identifier on its pods too, so
 * that kube-monkey finds the pods to kill. (Labels on the pod template alone, as in many examples, are never read:
 * nothing is ever killed.)
 *
 * Nothing happens until kube-monkey runs in the cluster (see `KubeMonkey`) with `dryRun` off.
 *
 * @example
 * new ChaosTarget(chart, 'monkey', { target: deployment, mtbfDays: 2, killMode: KillMode.fixed(1) });
 */
export class ChaosTarget extends Construct {
  /** The label that enrolls a workload. */
  public static readonly ENABLED_LABEL = 'kube-monkey/enabled';
  /** The label that names the workload's pods. */
  public static readonly IDENTIFIER_LABEL = 'kube-monkey/identifier';
  /** The label with the mean time between failures, in days. */
  public static readonly MTBF_LABEL = 'kube-monkey/mtbf';
  /** The label with the kill mode. */
  public static readonly KILL_MODE_LABEL = 'kube-monkey/kill-mode';
  /** The label with the kill value. */
  public static readonly KILL_VALUE_LABEL = 'kube-monkey/kill-value';

  /**
   * Checks chaos options; `prefix` names where they came from (e.g. `chaos.` in `ScalableBackend`).
   * @internal
   */
  public static _validateOptions(subject: Subject, prefix: string, options: ChaosOptions): void {
    checkWholeNumber(subject, `${prefix}mtbfDays`, options.mtbfDays, 1);
    options.killMode?._validate(subject, `${prefix}killMode`);
    checkLabelValue(subject, `${prefix}identifier`, options.identifier);
  }

  /**
   * Checks the target and, unless a composite already did (`options` false), the chaos options.
   * @internal
   */
  public static _validate(subject: Subject, prefix: string, props: ChaosTargetProps, options = true): void {
    const target = props.target;
    if (!(target instanceof kplus.Deployment || target instanceof kplus.StatefulSet || target instanceof kplus.DaemonSet)) {
      throw propError(subject, `${prefix}target`, target.node.path,
        `must be a Deployment, StatefulSet or DaemonSet: kube-monkey attacks no other kind (got ${target.constructor.name})`);
    }
    if (target.metadata.getLabel(ChaosTarget.ENABLED_LABEL) !== undefined) {
      throw propError(subject, `${prefix}target`, target.node.path, 'is already enrolled in kube-monkey by another ChaosTarget');
    }
    if (options) ChaosTarget._validateOptions(subject, prefix, props);
  }

  private static defaultIdentifier(target: kplus.Workload): string {
    return target.name && isLabelValue(target.name) ? target.name : Names.toLabelValue(target);
  }

  /** The enrolled workload. */
  public readonly target: kplus.Workload;
  /** The resolved identifier. */
  public readonly identifier: string;
  /** The mean time between failures, in days. */
  public readonly mtbfDays: number;
  /** The resolved kill mode. */
  public readonly killMode: KillMode;

  constructor(scope: Construct, id: string, props: ChaosTargetProps) {
    super(scope, id);
    const subject = subjectOf(this);
    requireProps(subject, props, 'target', 'mtbfDays');
    ChaosTarget._validate(subject, '', props, needsValidation(props));
    this.target = props.target;
    this.mtbfDays = props.mtbfDays;
    this.killMode = props.killMode ?? KillMode.fixed(1);
    this.identifier = props.identifier ?? ChaosTarget.defaultIdentifier(props.target);

    const labels: Record<string, string> = {
      [ChaosTarget.ENABLED_LABEL]: 'enabled',
      [ChaosTarget.IDENTIFIER_LABEL]: this.identifier,
      [ChaosTarget.MTBF_LABEL]: String(this.mtbfDays),
      [ChaosTarget.KILL_MODE_LABEL]: this.killMode.mode,
    };
    if (this.killMode.value !== undefined) labels[ChaosTarget.KILL_VALUE_LABEL] = String(this.killMode.value);
    for (const [key, value] of Object.entries(labels)) props.target.metadata.addLabel(key, value);
    props.target.podMetadata.addLabel(ChaosTarget.IDENTIFIER_LABEL, this.identifier);
  }
}

import { ApiObjectMetadata } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { compact } from '../core/util';
import { needsValidation } from '../core/validated';
import { propError, subjectOf, checkWholeNumber, requireProps, Subject } from '../core/validation';

/**
 * What happens to pods that are running but not Ready when a node is drained.
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/#unhealthy-pod-eviction-policy
 */
export enum UnhealthyPodEvictionPolicy {
  /** Unhealthy pods may always be evicted: a crash-looping pod never blocks a node drain. */
  ALWAYS_ALLOW = 'AlwaysAllow',
  /** Unhealthy pods are evicted only while the budget is met (the Kubernetes default). */
  IF_HEALTHY_BUDGET = 'IfHealthyBudget',
}

/**
 * How much disruption a workload tolerates. Used by the workloads that create a budget for themselves.
 */
export interface DisruptionBudgetOptions {
  /**
   * Create the PodDisruptionBudget. Read by the workloads that create their own budget; a `DisruptionBudget`
   * construct always creates one.
   * @default - true when `maxUnavailable` or `minAvailable` is given, or when the workload can run 2 or more replicas
   * (its `replicas`, or an autoscaler's `maxReplicas`); false for a single replica, whose budget would block every drain
   */
  readonly enabled?: boolean;

  /**
   * How many pods may be down at once by voluntary disruptions (drains, evictions). Mutually exclusive with
   * `minAvailable`.
   * @default - PercentOrAbsolute.absolute(1) when `minAvailable` is not set
   */
  readonly maxUnavailable?: kplus.PercentOrAbsolute;

  /**
   * How many pods must stay available. Mutually exclusive with `maxUnavailable`; must leave room for at least one
   * eviction at the workload's minimum replica count.
   * @default - not set: `maxUnavailable` applies
   */
  readonly minAvailable?: kplus.PercentOrAbsolute;

  /**
   * Eviction of running pods that are not Ready.
   * @default UnhealthyPodEvictionPolicy.ALWAYS_ALLOW
   */
  readonly unhealthyPodEvictionPolicy?: UnhealthyPodEvictionPolicy;
}

/**
 * Props of `DisruptionBudget`.
 */
export interface DisruptionBudgetProps extends DisruptionBudgetOptions {
  /**
   * The workload whose pods the budget protects; the budget selects the same pods and lives in its namespace.
   */
  readonly target: kplus.Workload;

  /**
   * The fewest replicas the workload runs (its `replicas`, or `minReplicas` when autoscaled). The budget is refused
   * if it could never allow a single eviction at that count.
   * @default - not checked
   */
  readonly minReplicas?: number;

  /**
   * Metadata of the PodDisruptionBudget object (name, labels…); the namespace defaults to the target's.
   * @default - a generated name in the target's namespace
   */
  readonly metadata?: ApiObjectMetadata;
}

/**
 * A `policy/v1` PodDisruptionBudget for a cdk8s-plus workload (cdk8s-plus-27 has none), that refuses budgets which
 * would block every eviction.
 *
 * @example
 * new DisruptionBudget(chart, 'budget', { target: deployment, minReplicas: 3 });
 */
export class DisruptionBudget extends Construct {
  /**
   * Refuses budgets that can never allow an eviction. `prefix` names the prop the options came from
   * (e.g. `disruptionBudget.`) so that the message points at what the user wrote.
   * @internal
   */
  public static _validate(subject: Subject, prefix: string, options: DisruptionBudgetOptions & { minReplicas?: number }): void {
    const { maxUnavailable, minAvailable, minReplicas } = options;
    checkWholeNumber(subject, 'minReplicas', minReplicas, 0);
    if (maxUnavailable && minAvailable) {
      throw propError(subject, `${prefix}minAvailable`, minAvailable, `cannot be set together with '${prefix}maxUnavailable' (${JSON.stringify(maxUnavailable.value)})`);
    }
    if (maxUnavailable) checkAmount(subject, `${prefix}maxUnavailable`, maxUnavailable);
    if (minAvailable) checkAmount(subject, `${prefix}minAvailable`, minAvailable);
    if (maxUnavailable?.isZero()) {
      throw propError(subject, `${prefix}maxUnavailable`, maxUnavailable, 'must be > 0: a budget of 0 blocks every eviction and every node drain');
    }
    if (minAvailable && minReplicas !== undefined) {
      const v = minAvailable.value;
      // The disruption controller rounds a percentage of the replicas up: 90% of 3 is 3, which leaves no eviction.
      const blocks = typeof v === 'number' ? v >= minReplicas
        : percentOf(v) >= 100 || (minReplicas >= 1 && Math.ceil(percentOf(v) * minReplicas / 100) >= minReplicas);
      if (blocks) {
        throw propError(subject, `${prefix}minAvailable`, minAvailable,
          `must be below the minimum replica count (${minReplicas}): otherwise the budget can never allow an eviction`);
      }
    }
  }

  /** The generated PodDisruptionBudget. */
  public readonly resource: kplus.k8s.KubePodDisruptionBudget;
  /** The resolved `maxUnavailable`, or undefined when `minAvailable` is used. */
  public readonly maxUnavailable?: kplus.PercentOrAbsolute;
  /** The resolved `minAvailable`, or undefined when `maxUnavailable` is used. */
  public readonly minAvailable?: kplus.PercentOrAbsolute;
  /** The resolved eviction policy for unhealthy pods. */
  public readonly unhealthyPodEvictionPolicy: UnhealthyPodEvictionPolicy;
  /** The workload whose pods the budget protects. */
  public readonly target: kplus.Workload;

  constructor(scope: Construct, id: string, props: DisruptionBudgetProps) {
    super(scope, id);
    requireProps(subjectOf(this), props, 'target');
    if (needsValidation(props)) DisruptionBudget._validate(subjectOf(this), '', props);
    this.minAvailable = props.minAvailable;
    this.maxUnavailable = props.minAvailable ? undefined : props.maxUnavailable ?? ONE;
    this.unhealthyPodEvictionPolicy = props.unhealthyPodEvictionPolicy ?? UnhealthyPodEvictionPolicy.ALWAYS_ALLOW;

    this.resource = new kplus.k8s.KubePodDisruptionBudget(this, 'Resource', {
      metadata: compact({ namespace: props.target.metadata.namespace, ...props.metadata }),
      spec: {
        selector: { matchLabels: props.target.matchLabels },
        maxUnavailable: toIntOrString(this.maxUnavailable),
        minAvailable: toIntOrString(this.minAvailable),
        unhealthyPodEvictionPolicy: this.unhealthyPodEvictionPolicy,
      },
    });
    this.target = props.target;
    // Whatever the order in which the budgets were added: the eviction API refuses to evict a pod that two budgets
    // select, so a second budget on the same pods blocks every drain of their nodes.
    const budgets = budgetsOf(this);
    budgets.list.push(this);
    this.node.addValidation({ validate: () => this.overlaps(budgets) });
  }

  private overlaps(budgets: AppBudgets): string[] {
    // The overlaps found for this validation pass (by the app's own validation, which cdk8s runs first); computed
    // afresh when this budget is validated outside a pass, or again after it.
    let overlaps = budgets.overlaps;
    if (!overlaps || budgets.reported.has(this)) overlaps = overlappingBudgets(budgets.list);
    else budgets.reported.add(this);
    const other = overlaps.get(this);
    if (!other) return [];
    return [propError(subjectOf(this), 'target', verbatimPath(this.target),
      `must have one disruption budget only: '${other.node.path}' selects the same pods, and the eviction API refuses to evict a pod two budgets select, so every drain of its node would hang`).message];
  }

  /** The name of the PodDisruptionBudget. */
  public get name(): string {
    return this.resource.name;
  }
}

// The default budget: one pod at a time (a PercentOrAbsolute is immutable, so every budget can share it).
const ONE = kplus.PercentOrAbsolute.absolute(1);

/** The budgets of one app, and the overlaps among them found at the start of the current validation pass. */
interface AppBudgets {
  readonly list: DisruptionBudget[];
  overlaps?: Map<DisruptionBudget, DisruptionBudget>;
  reported: Set<DisruptionBudget>;
}

// The budgets of each construct tree, to find two that select the same pods.
const BUDGETS = new WeakMap<object, AppBudgets>();

function budgetsOf(budget: DisruptionBudget): AppBudgets {
  const root = budget.node.root;
  let budgets = BUDGETS.get(root);
  if (!budgets) {
    const created: AppBudgets = { list: [], reported: new Set() };
    BUDGETS.set(root, budgets = created);
    // cdk8s validates the app's constructs root first: the overlaps of every budget are found once per pass, here,
    // and each budget reports its own (a check per budget against every other made synthesis quadratic).
    root.node.addValidation({
      validate: () => {
        created.overlaps = overlappingBudgets(created.list);
        created.reported = new Set();
        return [];
      },
    });
  }
  return budgets;
}

/**
 * For every budget whose pods another budget of its namespace selects too, the first such budget in the order they
 * were added. Each budget is filed under the label of its selector that the fewest selectors share, and a budget is
 * compared only with those filed under one of its pods' labels: linear in the number of budgets whenever selectors
 * carry a label of their own (cdk8s-plus's address label, an `app` label), where comparing every pair was quadratic.
 */
function overlappingBudgets(budgets: DisruptionBudget[]): Map<DisruptionBudget, DisruptionBudget> {
  const labelKey = (namespace: string | undefined, key: string, value: string) => JSON.stringify([namespace ?? null, key, value]);
  const selectors = budgets.map(b => b.target.matchLabels);
  const keys = budgets.map((b, i) => Object.keys(selectors[i]).map(k => labelKey(b.resource.metadata.namespace, k, selectors[i][k])));
  const shared = new Map<string, number>();
  for (const list of keys) for (const key of list) shared.set(key, (shared.get(key) ?? 0) + 1);
  const filed = new Map<string, number[]>();
  for (let i = 0; i < budgets.length; i++) {
    // A target that selects by no label (a cdk8s-plus Job) overlaps nothing this check can see.
    if (!keys[i].length) continue;
    const rarest = keys[i].reduce((a, b) => (shared.get(b)! < shared.get(a)! ? b : a));
    const list = filed.get(rarest);
    if (list) list.push(i); else filed.set(rarest, [i]);
  }
  const found = new Map<DisruptionBudget, DisruptionBudget>();
  for (let i = 0; i < budgets.length; i++) {
    const namespace = budgets[i].resource.metadata.namespace;
    const podLabels = budgets[i].target.podMetadata.toJson().labels ?? {};
    let other: number | undefined;
    for (const key of Object.keys(podLabels)) {
      for (const j of filed.get(labelKey(namespace, key, podLabels[key])) ?? []) {
        if (j === i || (other !== undefined && j >= other)) continue;
        const selector = selectors[j];
        if (Object.keys(selector).every(k => podLabels[k] === selector[k])) other = j;
      }
    }
    if (other !== undefined) found.set(budgets[i], budgets[other]);
  }
  return found;
}

function verbatimPath(construct: Construct): { toString(): string } {
  return { toString: () => construct.node.path };
}

function percentOf(value: string): number {
  return Number(value.replace(/%$/, ''));
}

function checkAmount(subject: Subject, prop: string, amount: kplus.PercentOrAbsolute): void {
  const v = amount.value;
  const ok = typeof v === 'number'
    ? Number.isInteger(v) && v >= 0
    : /^\d+%$/.test(v) && percentOf(v) <= 100;
  if (!ok) throw propError(subject, prop, amount, 'must be a whole number >= 0 or a percentage from 0% to 100%');
}

function toIntOrString(value: kplus.PercentOrAbsolute | undefined): kplus.k8s.IntOrString | undefined {
  if (!value) return undefined;
  return typeof value.value === 'number'
    ? kplus.k8s.IntOrString.fromNumber(value.value)
    : kplus.k8s.IntOrString.fromString(value.value);
}

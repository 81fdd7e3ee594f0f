import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DisruptionBudget, DisruptionBudgetOptions } from './disruption-budget';
import { PodSecurity, PodSecurityOptions } from './pod-security';
import { TopologySpread, TopologySpreadOptions } from './topology-spread';
import { checkProbePorts, checkResources, checkWholeNumber, Subject, subjectFor, subjectOf } from './validation';

/**
 * Options that make a workload secure and resilient; shared by every workload construct of this library.
 */
export interface ResilienceOptions {
  /**
   * Security settings for every container (Pod Security "restricted" by default).
   * @default - runAsNonRoot as UID/GID 10001, no privilege escalation, ALL capabilities dropped, read-only root
   * filesystem, seccomp RuntimeDefault
   */
  readonly security?: PodSecurityOptions;

  /**
   * The PodDisruptionBudget.
   * @default - a budget with maxUnavailable 1 when the workload has 2 or more replicas
   */
  readonly disruptionBudget?: DisruptionBudgetOptions;

  /**
   * Topology spread of the replicas.
   * @default - spread across nodes and zones, maxSkew 1, ScheduleAnyway
   */
  readonly topologySpread?: TopologySpreadOptions;

  /**
   * Requests and limits for containers that do not set `resources` themselves. cdk8s-plus would otherwise apply
   * hidden defaults (1000m/512Mi requests); this library always writes its own explicit values.
   * @default - ResilientDeployment.DEFAULT_RESOURCES: requests cpu 100m, memory 128Mi; limits cpu 500m, memory 256Mi
   */
  readonly defaultResources?: kplus.ContainerResources;
}

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
  /**
   * The requests and limits of containers that set none.
   */
  public static readonly DEFAULT_RESOURCES: kplus.ContainerResources = {
    cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
    memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
  };

  /** The resolved security options. */
  public readonly security: PodSecurityOptions;
  /** The resources given to containers that set none. */
  public readonly defaultResources: kplus.ContainerResources;
  /** The resolved revision history limit. */
  public readonly revisionHistoryLimit: number;
  /** The PodDisruptionBudget, when one was created. */
  public readonly disruptionBudget?: DisruptionBudget;

  constructor(scope: Construct, id: string, props: ResilientDeploymentProps = {}) {
    const subject = subjectFor(new.target.name, scope, id);
    ResilientDeployment._validate(subject, props);
    // Containers are added below, once the security defaults are known, so that each one is hardened.
    super(scope, id, { ...props, containers: undefined, initContainers: undefined, securityContext: {
      ...PodSecurity.podSecurityContext(props.security),
      ...props.securityContext,
    } });
    this.security = props.security ?? {};
    this.defaultResources = props.defaultResources ?? ResilientDeployment.DEFAULT_RESOURCES;
    this.revisionHistoryLimit = props.revisionHistoryLimit ?? 10;

    (props.initContainers ?? []).forEach(c => this.addInitContainer(c));
    (props.containers ?? []).forEach(c => this.addContainer(c));

    PodSecurity.applySeccompProfile(this, this.security);
    TopologySpread.apply(this, props.topologySpread);
    ApiObject.of(this).addJsonPatch(JsonPatch.add('/spec/revisionHistoryLimit', this.revisionHistoryLimit));

    const replicas = props.replicas ?? 2;
    const budget = props.disruptionBudget ?? {};
    if (budget.enabled ?? replicas >= 2) {
      this.disruptionBudget = new DisruptionBudget(this, 'DisruptionBudget', {
        ...budget,
        target: this,
        minReplicas: replicas,
        metadata: props.metadata?.name ? { name: props.metadata.name } : undefined,
      });
    }
  }

  /**
   * Adds a container, hardened with this workload's security options and given the default resources if it sets
   * none.
   */
  public addContainer(cont: kplus.ContainerProps): kplus.Container {
    return super.addContainer(this.harden(cont, `containers[${this.containers.length}].`));
  }

  /**
   * Adds an init container, hardened like `addContainer`.
   */
  public addInitContainer(cont: kplus.ContainerProps): kplus.Container {
    return super.addInitContainer(this.harden(cont, `initContainers[${this.initContainers.length}].`));
  }

  private harden(cont: kplus.ContainerProps, prop: string): kplus.ContainerProps {
    const subject = subjectOf(this);
    checkResources(subject, `${prop}resources`, cont.resources);
    checkProbePorts(subject, prop, cont);
    return {
      ...cont,
      resources: cont.resources ?? this.defaultResources,
      securityContext: { ...PodSecurity.containerSecurityContext(this.security), ...cont.securityContext },
    };
  }

  /** @internal */
  public static _validate(subject: Subject, props: ResilientDeploymentProps): void {
    checkWholeNumber(subject, 'replicas', props.replicas, 0);
    checkWholeNumber(subject, 'revisionHistoryLimit', props.revisionHistoryLimit, 0);
    checkResources(subject, 'defaultResources', props.defaultResources);
    PodSecurity._validate(subject, props.security);
    TopologySpread._validate(subject, props.topologySpread);
    const replicas = props.replicas ?? 2;
    if (props.disruptionBudget?.enabled ?? replicas >= 2) {
      DisruptionBudget._validate(subject, 'disruptionBudget.', { ...props.disruptionBudget, minReplicas: replicas });
    }
  }
}

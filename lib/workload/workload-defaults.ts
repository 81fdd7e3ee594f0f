import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { DisruptionBudget, DisruptionBudgetOptions } from './disruption-budget';
import { NetworkPolicyOptions, WorkloadNetworkPolicy } from './network-policy';
import { PodSecurity, PodSecurityOptions } from './pod-security';
import { TopologySpread, TopologySpreadOptions } from './topology-spread';
import { prevalidated } from '../core/validated';
import { checkProbePorts, checkResources, checkWholeNumber, Subject } from '../core/validation';

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
   * hidden defaults (1000m/512Mi requests); this library always writes its own explicit values. A container whose own
   * `resources` leave ephemeral storage out gets these defaults' ephemeral storage: the kubelet evicts a pod that
   * fills its node's disk, and without a limit any pod can.
   * @default - WorkloadDefaults.RESOURCES: requests cpu 100m, memory 128Mi, ephemeral storage 1Gi; limits cpu 500m,
   * memory 256Mi, ephemeral storage 2Gi (cdk8s-plus-27 writes ephemeral storage in whole GiB)
   */
  readonly defaultResources?: kplus.ContainerResources;

  /**
   * The NetworkPolicy that isolates the pods: connections only to the ports their containers expose, and (by default)
   * every outgoing connection.
   * @default - a policy allowing ingress to the containers' ports and all egress
   */
  readonly networkPolicy?: NetworkPolicyOptions;
}

/**
 * What `WorkloadDefaults._apply` adds to a workload.
 * @internal
 */
export interface AppliedDefaults {
  readonly disruptionBudget?: DisruptionBudget;
  readonly networkPolicy?: WorkloadNetworkPolicy;
}

/**
 * The defaults every workload of this library applies, in one place: ResilientDeployment, the StatefulSet
 * building block and the chaos tools all call these.
 */
export class WorkloadDefaults {
  /**
   * The requests and limits of containers that set none.
   */
  public static readonly RESOURCES: kplus.ContainerResources = {
    cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
    memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
    ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(2) },
  };

  /**
   * A container hardened with the security options, given the default resources when it sets none. Its resources
   * and probes are checked first; `prop` names it in errors (e.g. `containers[0].`).
   * @internal
   */
  public static _container(subject: Subject, prop: string, cont: kplus.ContainerProps, options: ResilienceOptions,
    check = true): kplus.ContainerProps {
    if (check) WorkloadDefaults._validateContainer(subject, prop, cont);
    const defaults = options.defaultResources ?? WorkloadDefaults.RESOURCES;
    const own = cont.resources;
    return {
      ...cont,
      resources: !own ? defaults : own.ephemeralStorage || !defaults.ephemeralStorage ? own : { ...own, ephemeralStorage: defaults.ephemeralStorage },
      securityContext: { ...PodSecurity.containerSecurityContext(options.security), ...cont.securityContext },
    };
  }

  /**
   * Checks a container's own resources and probes; `prop` names it in errors (e.g. `containers[0].`).
   * @internal
   */
  public static _validateContainer(subject: Subject, prop: string, cont: kplus.ContainerProps): void {
    checkResources(subject, `${prop}resources`, cont.resources);
    checkProbePorts(subject, prop, cont);
  }

  /**
   * Pod-level security context props for cdk8s-plus, merged under the user's own.
   * @internal
   */
  public static _podSecurityContext(options: ResilienceOptions, own?: kplus.PodSecurityContextProps): kplus.PodSecurityContextProps {
    return { ...PodSecurity.podSecurityContext(options.security), ...own };
  }

  /**
   * Seccomp, topology spread, the NetworkPolicy and, from 2 replicas (or when enabled), a disruption budget.
   * `minReplicas` is the fewest replicas the workload runs.
   * @internal
   */
  public static _apply(workload: kplus.Workload, options: ResilienceOptions, minReplicas: number, name?: string): AppliedDefaults {
    PodSecurity.applySeccompProfile(workload, options.security);
    TopologySpread.apply(workload, options.topologySpread);
    const metadata = name ? { name } : undefined;
    const network = options.networkPolicy ?? {};
    const networkPolicy = (network.enabled ?? true)
      ? new WorkloadNetworkPolicy(workload, 'NetworkPolicy', { ...network, target: workload, metadata })
      : undefined;
    const budget = options.disruptionBudget ?? {};
    if (!(budget.enabled ?? minReplicas >= 2)) return { networkPolicy };
    // The budget options were checked with the workload's (`_validate`), against the same floor.
    const disruptionBudget = new DisruptionBudget(workload, 'DisruptionBudget', prevalidated({
      ...budget,
      target: workload,
      minReplicas,
      metadata,
    }));
    return { disruptionBudget, networkPolicy };
  }

  /**
   * Validates the options before anything is built.
   * @internal
   */
  public static _validate(subject: Subject, options: ResilienceOptions, minReplicas: number): void {
    checkResources(subject, 'defaultResources', options.defaultResources);
    PodSecurity._validate(subject, options.security);
    TopologySpread._validate(subject, options.topologySpread);
    if (options.disruptionBudget?.enabled ?? minReplicas >= 2) {
      DisruptionBudget._validate(subject, 'disruptionBudget.', { ...options.disruptionBudget, minReplicas });
    }
  }

  /**
   * Sets a field cdk8s-plus cannot express on the workload's spec (e.g. `revisionHistoryLimit`).
   * @internal
   */
  public static _setSpecField(workload: kplus.Workload, field: string, value: unknown): void {
    ApiObject.of(workload).addJsonPatch(JsonPatch.add(`/spec/${field}`, value));
  }

  /** @internal */
  public static _checkReplicas(subject: Subject, prop: string, value: number | undefined): void {
    checkWholeNumber(subject, prop, value, 0);
  }
}

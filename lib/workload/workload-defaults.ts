import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { DisruptionBudget, DisruptionBudgetOptions } from './disruption-budget';
import { PodSecurity, PodSecurityOptions } from './pod-security';
import { TopologySpread, TopologySpreadOptions } from './topology-spread';
import { prevalidated } from '../core/validated';
import {
  checkDnsLabel, checkEnvName, checkImage, checkPort, checkPortName, checkProbePorts, checkResources, checkWholeNumber, propError, Subject,
  subjectOf, verbatim,
} from '../core/validation';

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
   * @default - WorkloadDefaults.RESOURCES: requests cpu 100m, memory 128Mi; limits cpu 500m, memory 256Mi
   */
  readonly defaultResources?: kplus.ContainerResources;

  /**
   * Accept container images tagged `:latest` or not tagged at all (which means `:latest`). Such an image changes
   * under a running workload: two replicas can run different code, and a rollback restores nothing.
   * @default false - every image must be pinned by a tag other than `latest` or by a digest
   */
  readonly allowLatestImage?: boolean;
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
  };

  /**
   * A container hardened with the security options, given the default resources when it sets none. Its resources
   * and probes are checked first; `prop` names it in errors (e.g. `containers[0].`).
   * @internal
   */
  public static _container(subject: Subject, prop: string, cont: kplus.ContainerProps, options: ResilienceOptions,
    check = true, taken: readonly string[] = []): kplus.ContainerProps {
    if (check) {
      WorkloadDefaults._validateContainer(subject, prop, cont, options.allowLatestImage);
      WorkloadDefaults._checkUniqueName(subject, prop, cont, taken);
    }
    return {
      ...cont,
      resources: cont.resources ?? options.defaultResources ?? WorkloadDefaults.RESOURCES,
      securityContext: { ...PodSecurity.containerSecurityContext(options.security), ...cont.securityContext },
    };
  }

  /**
   * Checks a container's own resources and probes; `prop` names it in errors (e.g. `containers[0].`).
   * @internal
   */
  public static _validateContainer(subject: Subject, prop: string, cont: kplus.ContainerProps, allowLatestImage = false): void {
    checkImage(subject, `${prop}image`, cont.image ?? '', allowLatestImage);
    checkDnsLabel(subject, `${prop}name`, cont.name);
    checkResources(subject, `${prop}resources`, cont.resources);
    checkPort(subject, `${prop}portNumber`, cont.portNumber ?? cont.port);
    const portNames = new Map<string, number>();
    for (const [i, port] of (cont.ports ?? []).entries()) {
      checkPort(subject, `${prop}ports[${i}].number`, port.number);
      checkPortName(subject, `${prop}ports[${i}].name`, port.name);
      if (port.name !== undefined) {
        if (portNames.has(port.name)) {
          throw propError(subject, `${prop}ports[${i}].name`, port.name, `must be unique in the container: 'ports[${portNames.get(port.name)}].name' is the same`);
        }
        portNames.set(port.name, i);
      }
    }
    for (const name of Object.keys(cont.envVariables ?? {})) checkEnvName(subject, `${prop}envVariables`, name);
    checkProbePorts(subject, prop, cont);
  }

  /**
   * The name a container gets (cdk8s-plus names an unnamed one `main`) must differ from every other container's and
   * init container's of the pod: the API server refuses two of the same name.
   * @internal
   */
  public static _checkUniqueName(subject: Subject, prop: string, cont: kplus.ContainerProps, taken: readonly string[]): void {
    const name = cont.name ?? 'main';
    if (taken.includes(name)) {
      throw propError(subject, `${prop}name`, cont.name ?? name,
        `must be unique in the pod: another container is already named ${JSON.stringify(name)}${cont.name === undefined ? ' (cdk8s-plus\'s name for an unnamed container)' : ''}`);
    }
  }

  /**
   * A pod needs a container: checked at synth (containers may be added after construction), in this library's words.
   * @internal
   */
  public static _requireContainers(workload: kplus.Workload): void {
    workload.node.addValidation({
      validate: () => (workload.containers.length > 0 ? [] : [propError(subjectOf(workload), 'containers', verbatim('[]'),
        'must hold at least one container (or add one with addContainer before synthesis)').message]),
    });
  }

  /** The names the pod's containers and init containers already use. @internal */
  public static _containerNames(workload: { readonly containers: kplus.Container[]; readonly initContainers: kplus.Container[] }): string[] {
    return [...workload.containers, ...workload.initContainers].map(c => c.name);
  }

  /**
   * Pod-level security context props for cdk8s-plus, merged under the user's own.
   * @internal
   */
  public static _podSecurityContext(options: ResilienceOptions, own?: kplus.PodSecurityContextProps): kplus.PodSecurityContextProps {
    return { ...PodSecurity.podSecurityContext(options.security), ...own };
  }

  /**
   * Seccomp, topology spread and, from 2 replicas (or when enabled), a disruption budget. `minReplicas` is the
   * fewest replicas the workload runs.
   * @internal
   */
  public static _apply(workload: kplus.Workload, options: ResilienceOptions, minReplicas: number, name?: string): DisruptionBudget | undefined {
    PodSecurity.applySeccompProfile(workload, options.security);
    TopologySpread.apply(workload, options.topologySpread);
    const budget = options.disruptionBudget ?? {};
    if (!(budget.enabled ?? minReplicas >= 2)) return undefined;
    // The budget options were checked with the workload's (`_validate`), against the same floor.
    return new DisruptionBudget(workload, 'DisruptionBudget', prevalidated({
      ...budget,
      target: workload,
      minReplicas,
      metadata: name ? { name } : undefined,
    }));
  }

  /**
   * Validates the options before anything is built.
   * @internal
   */
  public static _validate(subject: Subject, options: ResilienceOptions, minReplicas: number): void {
    checkResources(subject, 'defaultResources', options.defaultResources);
    WorkloadDefaults._checkContainers(subject, options as kplus.WorkloadProps, options.allowLatestImage);
    PodSecurity._validate(subject, options.security);
    TopologySpread._validate(subject, options.topologySpread);
    if (options.disruptionBudget?.enabled ?? minReplicas >= 2) {
      DisruptionBudget._validate(subject, 'disruptionBudget.', { ...options.disruptionBudget, minReplicas });
    }
  }

  /**
   * The containers and init containers of workload props: each valid, and no two of the same name.
   * @internal
   */
  public static _checkContainers(subject: Subject, props: kplus.WorkloadProps, allowLatestImage?: boolean): void {
    const taken: string[] = [];
    for (const [group, list] of [['initContainers', props.initContainers], ['containers', props.containers]] as const) {
      for (const [i, cont] of (list ?? []).entries()) {
        const prop = `${group}[${i}].`;
        WorkloadDefaults._validateContainer(subject, prop, cont, allowLatestImage);
        WorkloadDefaults._checkUniqueName(subject, prop, cont, taken);
        taken.push(cont.name ?? 'main');
      }
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

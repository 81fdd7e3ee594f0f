import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { DisruptionBudget, DisruptionBudgetOptions } from './disruption-budget';
import { NetworkPolicyOptions, WorkloadNetworkPolicy } from './network-policy';
import { PodSecurity, PodSecurityOptions } from './pod-security';
import { TopologySpread, TopologySpreadOptions } from './topology-spread';
import { NO_PROBE } from '../core/plus-internals';
import { prevalidated } from '../core/validated';
import {
  checkDnsLabel, checkEnvName, checkImage, checkLabelKey, checkLabelValue, checkPort, checkPortName, checkProbePorts, checkResources,
  checkWholeNumber,
  checkWholeSeconds, propError, Subject, subjectOf, verbatim,
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
   * @default - a budget with maxUnavailable 1 when the workload can run 2 or more replicas (its `replicas`, or an
   * autoscaler's `maxReplicas`); a budget whenever `maxUnavailable` or `minAvailable` is given
   */
  readonly disruptionBudget?: DisruptionBudgetOptions;

  /**
   * Topology spread of the replicas.
   * @default - spread across nodes and zones, maxSkew 1, ScheduleAnyway
   */
  readonly topologySpread?: TopologySpreadOptions;

  /**
   * Requests and limits for containers that do not set `resources` themselves. cdk8s-plus would otherwise apply
   * hidden defaults (1000m/512Mi requests); this library always writes its own explicit values. Init containers take
   * these only when given here: without them an init container must set its own `resources`. A container whose own
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

  /**
   * Graceful shutdown: before a container is sent SIGTERM, it sleeps this long in a `preStop` hook (`sleep N`), so
   * that the Service's endpoints, kube-proxy and the mesh stop sending it new connections before the app stops
   * listening. Must be shorter than the pod's `terminationGracePeriod` (30 s unless set), which the sleep counts
   * against. Kubernetes 1.27 runs the hook as an `exec`: the image needs a `sleep` binary (distroless and scratch
   * images have none; the `sleep` lifecycle action that needs no binary exists from Kubernetes 1.30). Containers with
   * their own `lifecycle.preStop` keep it.
   * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/
   * @default - no pre-stop delay
   */
  readonly preStopDelay?: Duration;

  /**
   * Accept container images tagged `:latest` or not tagged at all (which means `:latest`). Such an image changes
   * under a running workload: two replicas can run different code, and a rollback restores nothing.
   * @default false - every image must be pinned by a tag other than `latest` or by a digest
   */
  readonly allowLatestImage?: boolean;
}

/**
 * What `WorkloadDefaults._apply` adds to a workload.
 * @internal
 */
export interface AppliedDefaults {
  readonly disruptionBudget?: DisruptionBudget;
  readonly networkPolicy?: WorkloadNetworkPolicy;
}

/** Kubernetes' grace period when a pod sets none. */
const DEFAULT_GRACE_SECONDS = 30;

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
   * and probes are checked first; `prop` names it in errors (e.g. `containers[0].`). An init container (`prop`
   * starting with `init`) must set its resources unless `defaultResources` is given, and gets no pre-stop hook.
   * @internal
   */
  public static _container(subject: Subject, prop: string, cont: kplus.ContainerProps, options: ResilienceOptions): kplus.ContainerProps {
    WorkloadDefaults.checkContainer(subject, prop, cont, options, []);
    return WorkloadDefaults._harden(cont, options, prop.startsWith('init'));
  }

  /**
   * A container (an init container when `init`) hardened with the security options and given the default resources
   * when it sets none, unchecked: `_container` checks it first.
   * @internal
   */
  public static _harden(cont: kplus.ContainerProps, options: ResilienceOptions, init: boolean): kplus.ContainerProps {
    const delay = options.preStopDelay?.toSeconds();
    const preStop = cont.lifecycle?.preStop ?? (!init && delay ? kplus.Handler.fromCommand(['sleep', String(delay)]) : undefined);
    const defaults = options.defaultResources ?? WorkloadDefaults.RESOURCES;
    const own = cont.resources;
    const security = PodSecurity.containerSecurityContext(options.security);
    return {
      ...cont,
      resources: !own ? defaults : own.ephemeralStorage || !defaults.ephemeralStorage ? own : { ...own, ephemeralStorage: defaults.ephemeralStorage },
      securityContext: cont.securityContext ? { ...security, ...cont.securityContext } : security,
      imagePullPolicy: cont.imagePullPolicy ?? WorkloadDefaults.pullPolicy(cont.image),
      // No startup probe unless asked for: cdk8s-plus would add a TCP check of `portNumber` with a 30 s budget
      // (3 failures, 10 s apart), which crash-loops services that start slower.
      startup: init ? cont.startup : cont.startup ?? NO_PROBE,
      lifecycle: preStop ? { ...cont.lifecycle, preStop } : cont.lifecycle,
    };
  }

  /**
   * Checks a container before it is added to a workload: valid, named apart from the workload's other containers,
   * and, for an init container (`prop` starting with `init`), with its own resources unless `defaultResources` is
   * given. `prop` names it in errors (e.g. `containers[0].`).
   * @internal
   */
  public static _checkAdded(subject: Subject, prop: string, cont: kplus.ContainerProps, options: ResilienceOptions,
    workload: { readonly containers: kplus.Container[]; readonly initContainers: kplus.Container[] }): void {
    WorkloadDefaults.checkContainer(subject, prop, cont, options, WorkloadDefaults.containerNames(workload));
  }

  /**
   * The pull policy for an image: `IfNotPresent` when it names a digest or a tag other than `latest` (what the
   * node has is what was asked for), `Always` for `:latest` or no tag (the tag may have moved).
   */
  public static pullPolicy(image: string): kplus.ImagePullPolicy {
    if (image.includes('@')) return kplus.ImagePullPolicy.IF_NOT_PRESENT;
    const last = image.slice(image.lastIndexOf('/') + 1);
    const colon = last.lastIndexOf(':');
    const tag = colon >= 0 ? last.slice(colon + 1) : undefined;
    return tag === undefined || tag === 'latest' ? kplus.ImagePullPolicy.ALWAYS : kplus.ImagePullPolicy.IF_NOT_PRESENT;
  }

  /**
   * Checks the graceful-shutdown options: a whole number of seconds, and a pre-stop delay shorter than the grace
   * period (which it counts against).
   * @internal
   */
  public static _validateShutdown(subject: Subject, preStopDelay: Duration | undefined, gracePeriod: Duration | undefined,
    graceProp = 'terminationGracePeriod'): void {
    checkWholeSeconds(subject, 'preStopDelay', preStopDelay, 1);
    checkWholeSeconds(subject, graceProp, gracePeriod, 0);
    const grace = gracePeriod?.toSeconds() ?? DEFAULT_GRACE_SECONDS;
    if (preStopDelay && preStopDelay.toSeconds() >= grace) {
      throw propError(subject, 'preStopDelay', verbatim(`${preStopDelay.toSeconds()}s`),
        `must be shorter than '${graceProp}' (${grace}s${gracePeriod ? '' : ', the Kubernetes default'}): the pod is killed when the grace period ends, sleep included, leaving the app no time to stop`);
    }
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
   * A pod needs a container: checked at synth (containers may be added after construction), in this library's words.
   * @internal
   */
  public static _requireContainers(workload: kplus.Workload): void {
    workload.node.addValidation({
      validate: () => (workload.containers.length > 0 ? [] : [propError(subjectOf(workload), 'containers', verbatim('[]'),
        'must hold at least one container (or add one with addContainer before synthesis)').message]),
    });
  }

  /**
   * Pod-level security context props for cdk8s-plus, merged under the user's own.
   * @internal
   */
  public static _podSecurityContext(options: ResilienceOptions, own?: kplus.PodSecurityContextProps): kplus.PodSecurityContextProps {
    return { ...PodSecurity.podSecurityContext(options.security), ...own };
  }

  /**
   * Seccomp, topology spread, the NetworkPolicy and, when `_wantsBudget` says so, a disruption budget.
   * `minReplicas` is the fewest replicas the workload runs.
   * @internal
   */
  public static _apply(workload: kplus.Workload, options: ResilienceOptions, minReplicas: number, name?: string,
    maxReplicas = minReplicas): AppliedDefaults {
    PodSecurity.applySeccompProfile(workload, options.security);
    TopologySpread.apply(workload, options.topologySpread);
    WorkloadDefaults.dropFsGroupChangePolicy(workload);
    const metadata = name ? { name } : undefined;
    const network = options.networkPolicy ?? {};
    const networkPolicy = (network.enabled ?? true)
      ? new WorkloadNetworkPolicy(workload, 'NetworkPolicy', { ...network, target: workload, metadata })
      : undefined;
    const budget = options.disruptionBudget ?? {};
    if (!WorkloadDefaults._wantsBudget(options, maxReplicas)) return { networkPolicy };
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
  public static _validate(subject: Subject, options: ResilienceOptions, minReplicas: number, maxReplicas = minReplicas): void {
    checkResources(subject, 'defaultResources', options.defaultResources);
    WorkloadDefaults._checkContainers(subject, options);
    PodSecurity._validate(subject, options.security);
    TopologySpread._validate(subject, options.topologySpread);
    // Every workload's props carry cdk8s-plus's pod props (ScalableBackend's its own field of the same name).
    WorkloadDefaults._validateShutdown(subject, options.preStopDelay, (options as kplus.AbstractPodProps).terminationGracePeriod);
    if (WorkloadDefaults._wantsBudget(options, maxReplicas)) {
      DisruptionBudget._validate(subject, 'disruptionBudget.', { ...options.disruptionBudget, minReplicas });
    }
  }

  /**
   * Selector labels: valid keys and values, and at least one.
   * @internal
   */
  public static _validateSelectorLabels(subject: Subject, prop: string, labels: { [key: string]: string } | undefined): void {
    if (!labels) return;
    if (Object.keys(labels).length === 0) {
      throw propError(subject, prop, verbatim('{}'), 'must hold at least one label: an empty selector would select every pod in the namespace');
    }
    for (const [key, value] of Object.entries(labels)) {
      checkLabelKey(subject, prop, key);
      checkLabelValue(subject, `${prop}.${key}`, value);
    }
  }

  /**
   * The containers and init containers of workload props: each valid, and no two of the same name.
   * @internal
   */
  public static _checkContainers(subject: Subject, options: ResilienceOptions): void {
    // Every workload's props carry cdk8s-plus's containers and init containers.
    const props = options as ResilienceOptions & kplus.WorkloadProps;
    if (!props.initContainers && !props.containers) return;
    const taken: string[] = [];
    for (const [group, list] of [['initContainers', props.initContainers], ['containers', props.containers]] as const) {
      for (const [i, cont] of (list ?? []).entries()) {
        WorkloadDefaults.checkContainer(subject, `${group}[${i}].`, cont, options, taken);
        taken.push(cont.name ?? 'main');
      }
    }
  }

  /**
   * Whether the workload gets a disruption budget: when `enabled` says so; else when the user gave a budget
   * (`maxUnavailable` or `minAvailable`: never dropped silently, whatever the replica count); else when the workload
   * can run 2 or more replicas (`maxReplicas` of an autoscaled one, even from `minReplicas` 1).
   * @internal
   */
  public static _wantsBudget(options: ResilienceOptions, maxReplicas: number): boolean {
    const budget = options.disruptionBudget ?? {};
    if (budget.enabled !== undefined) return budget.enabled;
    return budget.maxUnavailable !== undefined || budget.minAvailable !== undefined || maxReplicas >= 2;
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

  /**
   * One container: valid, named apart from `taken`, and, for an init container (`prop` starting with `init`), with
   * its own resources unless `defaultResources` is given.
   */
  private static checkContainer(subject: Subject, prop: string, cont: kplus.ContainerProps, options: ResilienceOptions,
    taken: readonly string[]): void {
    WorkloadDefaults._validateContainer(subject, prop, cont, options.allowLatestImage);
    WorkloadDefaults.checkUniqueName(subject, prop, cont, taken);
    if (prop.startsWith('init') && !cont.resources && !options.defaultResources) {
      throw propError(subject, `${prop}resources`, undefined,
        'must be given (or \'defaultResources\'): an init container never gets the library\'s default requests and limits silently, and its requests count toward the pod\'s');
    }
  }

  /**
   * cdk8s-plus writes `fsGroupChangePolicy: Always` on every pod, with or without an `fsGroup`; the field means
   * nothing without one, so it is written only beside an `fsGroup`.
   */
  private static dropFsGroupChangePolicy(workload: kplus.Workload): void {
    if (workload.securityContext.fsGroup !== undefined) return;
    const podSpecPath = workload instanceof kplus.Pod ? '/spec' : '/spec/template/spec';
    ApiObject.of(workload).addJsonPatch(JsonPatch.remove(`${podSpecPath}/securityContext/fsGroupChangePolicy`));
  }

  /**
   * The name a container gets (cdk8s-plus names an unnamed one `main`) must differ from every other container's and
   * init container's of the pod: the API server refuses two of the same name.
   */
  private static checkUniqueName(subject: Subject, prop: string, cont: kplus.ContainerProps, taken: readonly string[]): void {
    const name = cont.name ?? 'main';
    if (taken.includes(name)) {
      throw propError(subject, `${prop}name`, cont.name ?? name,
        `must be unique in the pod: another container is already named ${JSON.stringify(name)}${cont.name === undefined ? ' (cdk8s-plus\'s name for an unnamed container)' : ''}`);
    }
  }

  /** The names the pod's containers and init containers already use. */
  private static containerNames(workload: { readonly containers: kplus.Container[]; readonly initContainers: kplus.Container[] }): string[] {
    return [...workload.containers, ...workload.initContainers].map(c => c.name);
  }
}

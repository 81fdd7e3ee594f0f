import { Chart, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DEFAULTS } from '../core/defaults';
import { rewriteStatefulSetSpec } from '../core/plus-internals';
import { refuseDuplicateNames } from '../core/unique-names';
import {
  checkDnsLabel, checkGeneratedName, checkLabels, checkQuantity, checkWholeNumber, isDns1035Label, isStatefulSetName,
  propError, STATEFUL_SET_NAME_RULE, Subject, subjectFor, subjectOf,
} from '../core/validation';
import { DisruptionBudget } from '../workload/disruption-budget';
import { WorkloadNetworkPolicy } from '../workload/network-policy';
import { PodSecurity, PodSecurityOptions } from '../workload/pod-security';
import { ResilienceOptions, WorkloadDefaults } from '../workload/workload-defaults';

/**
 * What happens to the PersistentVolumeClaims of a StatefulSet's pods.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#persistentvolumeclaim-retention
 */
export enum ClaimRetention {
  /** Keep the claims (and the data): a pod that comes back gets its old volume again. */
  RETAIN = 'Retain',
  /** Delete the claims (and, with a Delete reclaim policy, the data). */
  DELETE = 'Delete',
}

/**
 * A per-pod volume: each pod of the StatefulSet gets its own PersistentVolumeClaim from this template, named
 * `<name>-<statefulset>-<ordinal>`, which follows the pod when it is rescheduled.
 */
export interface VolumeClaimTemplate {
  /**
   * The name of the claim template and of the pod volume (a DNS label).
   */
  readonly name: string;

  /**
   * The storage each pod's claim requests.
   */
  readonly storage: Size;

  /**
   * Where the volume is mounted in every container of the pod (init containers excluded).
   * @default - not mounted; mount it yourself with `claimVolume(name)`
   */
  readonly mountPath?: string;

  /**
   * The sub-directory of the volume mounted at `mountPath`.
   * @default - the volume's root
   */
  readonly subPath?: string;

  /**
   * How the volume can be mounted.
   * @default [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE]
   */
  readonly accessModes?: kplus.PersistentVolumeAccessMode[];

  /**
   * The StorageClass that provisions the volume.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
}

/**
 * Props of `ResilientStatefulSet`.
 */
export interface ResilientStatefulSetProps extends kplus.StatefulSetProps, ResilienceOptions {
  /**
   * Per-pod volumes (`volumeClaimTemplates`). With claims, the pod's `fsGroup` defaults to the containers' group and
   * `fsGroupChangePolicy` to OnRootMismatch, so that non-root containers can write their volumes; set
   * `securityContext` to change either.
   * @default - none
   */
  readonly volumeClaims?: VolumeClaimTemplate[];

  /**
   * What happens to the claims when the StatefulSet is deleted.
   * @default ClaimRetention.RETAIN
   */
  readonly claimRetentionWhenDeleted?: ClaimRetention;

  /**
   * What happens to the claims of the pods removed when the StatefulSet is scaled down.
   * @default ClaimRetention.RETAIN
   */
  readonly claimRetentionWhenScaled?: ClaimRetention;

  /**
   * How many old revisions to keep for `kubectl rollout undo`.
   * @default 10
   */
  readonly revisionHistoryLimit?: number;
}

/**
 * A cdk8s-plus StatefulSet with what cdk8s-plus-27 cannot express (`volumeClaimTemplates`, claim retention,
 * revision history) and the same defaults as `ResilientDeployment`: hardened containers (Pod Security
 * "restricted"), explicit requests and limits, a PodDisruptionBudget from 2 replicas and soft topology spread.
 *
 * Its governing Service (`spec.serviceName`) is always headless and in the same chart and namespace: the one given
 * as `service`, else a headless Service cdk8s-plus creates from the containers' ports.
 *
 * @example
 * new ResilientStatefulSet(chart, 'db', {
 *   security: { user: 999, group: 999 },
 *   containers: [{ image: 'postgres:16.4', portNumber: 5432 }],
 *   volumeClaims: [{ name: 'data', storage: Size.gibibytes(1), mountPath: '/var/lib/postgresql/data' }],
 * });
 */
export class ResilientStatefulSet extends kplus.StatefulSet {
  /**
   * Refuses a storage size that is not a positive quantity (NaN, infinite or zero).
   * @internal
   */
  public static _checkStorage(subject: Subject, prop: string, size: Size | undefined): void {
    if (size === undefined) return;
    const kib = size.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!(Number.isFinite(kib) && kib > 0)) {
      throw propError(subject, prop, size, 'must be a positive quantity, such as Size.gibibytes(1)');
    }
    checkQuantity(subject, prop, size);
  }

  /** @internal */
  public static _validate(subject: Subject, scope: Construct, props: ResilientStatefulSetProps): void {
    WorkloadDefaults._checkReplicas(subject, 'replicas', props.replicas);
    checkWholeNumber(subject, 'revisionHistoryLimit', props.revisionHistoryLimit, 0);
    const name = props.metadata?.name;
    if (name !== undefined && !isStatefulSetName(name)) throw propError(subject, 'metadata.name', name, STATEFUL_SET_NAME_RULE);
    checkLabels(subject, 'metadata.labels', props.metadata?.labels);
    checkLabels(subject, 'podMetadata.labels', props.podMetadata?.labels);
    const seen = new Map<string, number>();
    for (const [i, claim] of (props.volumeClaims ?? []).entries()) {
      const prop = `volumeClaims[${i}].`;
      checkDnsLabel(subject, `${prop}name`, claim.name);
      if (seen.has(claim.name)) {
        throw propError(subject, `${prop}name`, claim.name, `must be unique: 'volumeClaims[${seen.get(claim.name)}].name' is the same`);
      }
      seen.set(claim.name, i);
      ResilientStatefulSet._checkStorage(subject, `${prop}storage`, claim.storage);
      if (claim.mountPath !== undefined && !claim.mountPath.startsWith('/')) {
        throw propError(subject, `${prop}mountPath`, claim.mountPath, 'must be an absolute path');
      }
      if (claim.accessModes && claim.accessModes.length === 0) {
        throw propError(subject, `${prop}accessModes`, '[]', 'must hold at least one access mode');
      }
    }
    ResilientStatefulSet.checkService(subject, scope, props);
    WorkloadDefaults._validate(subject, props, props.replicas ?? DEFAULTS.statefulReplicas);
  }

  private static checkService(subject: Subject, scope: Construct, props: ResilientStatefulSetProps): void {
    const service = props.service;
    if (!service) {
      // cdk8s-plus gives the headless Service one port per container port, named as the container port is: a Service
      // of several ports needs a name on each (and distinct ones).
      const ports: Array<{ prop: string; name?: string; number: number }> = [];
      for (const [i, c] of (props.containers ?? []).entries()) {
        const portNumber = c.portNumber ?? c.port;
        if (portNumber !== undefined) ports.push({ prop: `containers[${i}].portNumber`, number: portNumber });
        for (const [j, p] of (c.ports ?? []).entries()) ports.push({ prop: `containers[${i}].ports[${j}].name`, name: p.name, number: p.number });
      }
      const numbers = new Map<number, string>();
      for (const port of ports) {
        const prop = port.prop.replace(/\.name$/, '.number');
        const first = numbers.get(port.number);
        if (first !== undefined) {
          throw propError(subject, prop, port.number,
            `must differ from '${first}': the headless Service built from the containers' ports cannot list a port twice`);
        }
        numbers.set(port.number, prop);
      }
      if (ports.length === 0) {
        throw propError(subject, 'service', undefined,
          'must be given when no container exposes a port: the headless governing Service is built from the containers\' ports');
      }
      if (ports.length > 1) {
        const names = new Set<string>();
        for (const port of ports) {
          if (port.name === undefined) {
            throw propError(subject, port.prop, undefined,
              `must be a named port in 'ports' when the containers expose ${ports.length} ports: the headless Service built from them needs a name on each port (or give 'service')`);
          }
          if (names.has(port.name)) {
            throw propError(subject, port.prop, port.name, 'must be unique across the containers: the headless Service built from them needs distinct port names');
          }
          names.add(port.name);
        }
      }
      return;
    }
    if (!isDns1035Label(service.name)) {
      throw propError(subject, 'service', service.name,
        'must have a DNS-1035 name (a DNS label starting with a letter): the API server refuses any other Service name');
    }
    if (service.clusterIP !== 'None') {
      throw propError(subject, 'service', service.name,
        'must be headless (clusterIP "None"): it governs the pods\' DNS names; put a separate Service in front for clients');
    }
    const namespace = props.metadata?.namespace ?? Chart.of(scope).namespace;
    if (service.metadata.namespace !== namespace) {
      throw propError(subject, 'service', service.name,
        `must be in the StatefulSet's namespace (${namespace ?? 'none: the namespace kubectl applies to'}), not in ${service.metadata.namespace ?? 'none'}`);
    }
    if (Chart.of(service) !== Chart.of(scope)) {
      throw propError(subject, 'service', service.name, `must be in the StatefulSet's chart '${Chart.of(scope).node.path}'`);
    }
  }

  /** The resolved security options. */
  public readonly security: PodSecurityOptions;
  /** The resolved revision history limit. */
  public readonly revisionHistoryLimit: number;
  /** The resolved retention of the claims when the StatefulSet is deleted. */
  public readonly claimRetentionWhenDeleted: ClaimRetention;
  /** The resolved retention of the claims when the StatefulSet is scaled down. */
  public readonly claimRetentionWhenScaled: ClaimRetention;
  /** The PodDisruptionBudget, when one was created. */
  public readonly disruptionBudget?: DisruptionBudget;
  /** The NetworkPolicy, unless `networkPolicy.enabled` is false. */
  public readonly networkPolicy?: WorkloadNetworkPolicy;
  private readonly resilience: ResilienceOptions;
  private readonly claims: VolumeClaimTemplate[];
  private readonly claimVolumes = new Map<string, kplus.Volume>();

  constructor(scope: Construct, id: string, props: ResilientStatefulSetProps = {}) {
    const subject = subjectFor(new.target.name, scope, id);
    ResilientStatefulSet._validate(subject, scope, props);
    const claims = props.volumeClaims ?? [];
    const group = PodSecurity.podSecurityContext(props.security).group;
    // Unlike ResilientDeployment, the containers are hardened before `super`: cdk8s-plus builds the headless Service
    // from their ports inside its constructor.
    super(scope, id, {
      ...props,
      // Checked with the props (`_validate`).
      containers: (props.containers ?? []).map(c => WorkloadDefaults._harden(c, props, false)),
      initContainers: (props.initContainers ?? []).map(c => WorkloadDefaults._harden(c, props, true)),
      securityContext: WorkloadDefaults._podSecurityContext(props, {
        ...(claims.length ? { fsGroup: group, fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH } : {}),
        ...props.securityContext,
      }),
    });
    refuseDuplicateNames(this);
    // A name cdk8s generated from the chart id and construct path must suit a StatefulSet, and its Service a Service.
    if (props.metadata?.name === undefined) {
      checkGeneratedName(subject, 'metadata.name', this.name, isStatefulSetName(this.name), STATEFUL_SET_NAME_RULE);
    }
    if (!props.service) {
      checkGeneratedName(subject, 'service', this.service.name, isDns1035Label(this.service.name),
        'must be a DNS-1035 label (starting with a letter) to name the headless Service');
    }
    this.resilience = props;
    this.claims = claims;
    this.security = props.security ?? {};
    this.revisionHistoryLimit = props.revisionHistoryLimit ?? DEFAULTS.revisionHistoryLimit;
    this.claimRetentionWhenDeleted = props.claimRetentionWhenDeleted ?? ClaimRetention.RETAIN;
    this.claimRetentionWhenScaled = props.claimRetentionWhenScaled ?? ClaimRetention.RETAIN;

    for (const container of this.containers) this.mountClaims(container);
    const applied = WorkloadDefaults._apply(this, props, props.replicas ?? DEFAULTS.statefulReplicas, props.metadata?.name);
    this.disruptionBudget = applied.disruptionBudget;
    this.networkPolicy = applied.networkPolicy;
    rewriteStatefulSetSpec(this, spec => this.completeSpec(spec));
  }

  /**
   * Adds a container, hardened with this workload's security options and given the default resources if it sets
   * none; the claims with a `mountPath` are mounted into it.
   */
  public addContainer(cont: kplus.ContainerProps): kplus.Container {
    // During `super` the containers of the props arrive already hardened (and are mounted after it).
    if (!this.resilience) return super.addContainer(cont);
    WorkloadDefaults._checkAdded(subjectOf(this), `containers[${this.containers.length}].`, cont, this.resilience, this);
    const container = super.addContainer(WorkloadDefaults._harden(cont, this.resilience, false));
    this.mountClaims(container);
    return container;
  }

  /**
   * Adds an init container, hardened like `addContainer`. Claims are not mounted into it: mount what it needs with
   * `claimVolume(name)`.
   */
  public addInitContainer(cont: kplus.ContainerProps): kplus.Container {
    if (!this.resilience) return super.addInitContainer(cont);
    WorkloadDefaults._checkAdded(subjectOf(this), `initContainers[${this.initContainers.length}].`, cont, this.resilience, this);
    return super.addInitContainer(WorkloadDefaults._harden(cont, this.resilience, true));
  }

  /**
   * The pod volume of a claim template, to mount it where `mountPath` does not (an init container, a second path).
   *
   * @param name the name of one of `volumeClaims`
   */
  public claimVolume(name: string): kplus.Volume {
    if (!this.claims.some(c => c.name === name)) {
      throw propError(subjectOf(this), 'claimVolume', name,
        `must name one of the volume claims (${this.claims.map(c => JSON.stringify(c.name)).join(', ') || 'none'})`);
    }
    let volume = this.claimVolumes.get(name);
    if (!volume) {
      // A stand-in that gives the mounts their volume name; `completeSpec` drops it from the pod's volumes, because the
      // StatefulSet controller supplies each pod's own claim under that name.
      const claim = kplus.PersistentVolumeClaim.fromClaimName(this, `ClaimRef-${name}`, name);
      volume = kplus.Volume.fromPersistentVolumeClaim(this, `Claim-${name}`, claim, { name });
      this.claimVolumes.set(name, volume);
    }
    return volume;
  }

  /**
   * The one place where the spec gets what cdk8s-plus-27 cannot express: the claim templates (replacing their
   * stand-in pod volumes), their retention policy and the revision history.
   */
  private completeSpec(spec: kplus.k8s.StatefulSetSpec): kplus.k8s.StatefulSetSpec {
    const claimNames = new Set(this.claims.map(c => c.name));
    const podSpec = spec.template.spec!;
    const volumes = podSpec.volumes?.filter(v => !claimNames.has(v.name));
    return {
      ...spec,
      template: { ...spec.template, spec: { ...podSpec, volumes: volumes?.length ? volumes : undefined } },
      revisionHistoryLimit: this.revisionHistoryLimit,
      persistentVolumeClaimRetentionPolicy: {
        whenDeleted: this.claimRetentionWhenDeleted,
        whenScaled: this.claimRetentionWhenScaled,
      },
      volumeClaimTemplates: this.claims.length ? this.claims.map(c => ({
        metadata: { name: c.name },
        spec: {
          accessModes: c.accessModes ?? [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
          storageClassName: c.storageClassName,
          resources: { requests: { storage: kplus.k8s.Quantity.fromString(c.storage.asString()) } },
        },
      })) : undefined,
    };
  }

  private mountClaims(container: kplus.Container): void {
    for (const claim of this.claims) {
      if (claim.mountPath) container.mount(claim.mountPath, this.claimVolume(claim.name), { subPath: claim.subPath });
    }
  }
}

import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { checkWholeNumber, propError, Subject } from '../core/validation';

/**
 * The seccomp profile of every container in the pod.
 */
export enum SeccompProfileType {
  /** The container runtime's default profile (what Pod Security "restricted" asks for). */
  RUNTIME_DEFAULT = 'RuntimeDefault',
  /** A profile on the node; see `localhostProfile`. Also accepted by "restricted". */
  LOCALHOST = 'Localhost',
  /** No seccomp filtering. Rejected by Pod Security "baseline" and "restricted". */
  UNCONFINED = 'Unconfined',
}

/**
 * Security settings applied to every container of a workload. The defaults pass the Pod Security Standard
 * "restricted"; each one can be switched off for images that need it.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export interface PodSecurityOptions {
  /**
   * Refuse to start containers as root (UID 0).
   *
   * Set to `false` only for images that must run as root: the pods then no longer pass Pod Security "restricted",
   * and `user`/`group` are not set, so the image's own user applies.
   * @default true
   */
  readonly runAsNonRoot?: boolean;

  /**
   * The UID containers run as. A fixed non-root UID lets images whose Dockerfile has no numeric `USER` start under
   * `runAsNonRoot`; set it to the UID your image expects.
   * @default 10001 (ignored when `runAsNonRoot` is false)
   */
  readonly user?: number;

  /**
   * The GID containers run as.
   * @default 10001 (ignored when `runAsNonRoot` is false)
   */
  readonly group?: number;

  /**
   * Mount the container's root filesystem read-only. Give the paths your app writes to as `writablePaths` (where the
   * construct offers it) or as volumes.
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;

  /**
   * Linux capabilities added back after dropping ALL, as Kubernetes names them (`NET_BIND_SERVICE`, `CHOWN`…, no
   * `CAP_` prefix). "restricted" allows only `NET_BIND_SERVICE`.
   * @default - none: every capability is dropped
   */
  readonly addCapabilities?: string[];

  /**
   * The seccomp profile of the pod.
   * @default SeccompProfileType.RUNTIME_DEFAULT
   */
  readonly seccompProfile?: SeccompProfileType;

  /**
   * The profile file on the node, relative to the kubelet's seccomp directory; required with `LOCALHOST`.
   * @default - none
   */
  readonly localhostProfile?: string;

  /**
   * The pod's `fsGroup`: volumes that support ownership management (emptyDir, most persistent volumes) are made
   * group-owned by this GID, so that a non-root app can write them. `fsGroupChangePolicy` is written only with it.
   * @default - none
   */
  readonly fsGroup?: number;
}

/** Default UID and GID for containers that run as non-root. */
const DEFAULT_NON_ROOT_ID = 10001;

/**
 * Resolves `PodSecurityOptions` into cdk8s-plus security contexts, and fills what cdk8s-plus cannot express
 * (seccomp) in one place.
 */
export class PodSecurity {
  /**
   * The pod-level security context for cdk8s-plus.
   */
  public static podSecurityContext(options: PodSecurityOptions = {}): kplus.PodSecurityContextProps {
    const nonRoot = options.runAsNonRoot ?? true;
    return {
      ensureNonRoot: nonRoot,
      user: nonRoot ? options.user ?? DEFAULT_NON_ROOT_ID : undefined,
      group: nonRoot ? options.group ?? DEFAULT_NON_ROOT_ID : undefined,
      fsGroup: options.fsGroup,
    };
  }

  /**
   * The container security context for cdk8s-plus: no privilege escalation, ALL capabilities dropped, read-only root.
   */
  public static containerSecurityContext(options: PodSecurityOptions = {}): kplus.ContainerSecurityContextProps {
    const nonRoot = options.runAsNonRoot ?? true;
    return {
      ensureNonRoot: nonRoot,
      user: nonRoot ? options.user ?? DEFAULT_NON_ROOT_ID : undefined,
      group: nonRoot ? options.group ?? DEFAULT_NON_ROOT_ID : undefined,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: options.readOnlyRootFilesystem ?? true,
      // cdk8s-plus-27's Capability enum has no ALL and spells names with CAP_, which Pod Security does not accept;
      // the names go through unchanged, so pass the Kubernetes spelling.
      capabilities: {
        drop: ['ALL' as kplus.Capability],
        add: options.addCapabilities?.length ? options.addCapabilities as kplus.Capability[] : undefined,
      },
    };
  }

  /**
   * Sets the pod's seccomp profile on a workload's pod template (cdk8s-plus-27 has no field for it).
   *
   * @param workload the Deployment, StatefulSet, Job… whose pod template gets the profile
   * @param options the security options; only `seccompProfile` and `localhostProfile` are read
   */
  public static applySeccompProfile(workload: kplus.AbstractPod, options: PodSecurityOptions = {}): void {
    const type = options.seccompProfile ?? SeccompProfileType.RUNTIME_DEFAULT;
    const profile: Record<string, string> = { type };
    if (type === SeccompProfileType.LOCALHOST && options.localhostProfile) {
      profile.localhostProfile = options.localhostProfile;
    }
    const podSpecPath = workload instanceof kplus.Pod ? '/spec' : '/spec/template/spec';
    ApiObject.of(workload).addJsonPatch(JsonPatch.add(`${podSpecPath}/securityContext/seccompProfile`, profile));
  }

  /** @internal */
  public static _validate(subject: Subject, options: PodSecurityOptions = {}): void {
    checkWholeNumber(subject, 'security.user', options.user, 1, 2147483647);
    checkWholeNumber(subject, 'security.group', options.group, 0, 2147483647);
    checkWholeNumber(subject, 'security.fsGroup', options.fsGroup, 0, 2147483647);
    for (const cap of options.addCapabilities ?? []) {
      if (!/^[A-Z][A-Z_]*$/.test(cap) || cap.startsWith('CAP_')) {
        throw propError(subject, 'security.addCapabilities', cap, 'must be a capability name as Kubernetes spells it, without CAP_ (e.g. "NET_BIND_SERVICE")');
      }
    }
    if ((options.seccompProfile === SeccompProfileType.LOCALHOST) !== (options.localhostProfile !== undefined)) {
      throw propError(subject, 'security.localhostProfile', options.localhostProfile,
        'must be set exactly when \'security.seccompProfile\' is LOCALHOST');
    }
  }
}

/**
 * The Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards), as the API server's
 * PodSecurity admission applies them to a pod template: "baseline" forbids known privilege escalations, "restricted"
 * adds the hardening best practices.
 */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'none';

/** Capabilities that baseline allows a container to add (the container runtime's default set). */
const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD',
  'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
/** Namespaced sysctls that baseline allows. */
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range']);
/** Volume sources that restricted allows. */
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const SELINUX_TYPES = new Set([undefined, '', 'container_t', 'container_init_t', 'container_kvm_t']);

/** The pod template of a workload (or the pod itself), if the object runs pods. */
export function podTemplateOf(manifest: any): { metadata?: any; spec?: any } | undefined {
  if (!manifest?.spec) return undefined;
  switch (manifest.kind) {
    case 'Pod': return { metadata: manifest.metadata, spec: manifest.spec };
    case 'CronJob': return manifest.spec.jobTemplate?.spec?.template;
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job': case 'ReplicationController':
      return manifest.spec.template;
    default: return undefined;
  }
}

/** Every control of the level that this pod spec violates, one line each. */
export function podSecurityViolations(pod: any, level: PodSecurityLevel): string[] {
  if (level === 'none') return [];
  const found: string[] = [];
  const podContext = pod.securityContext ?? {};
  const seLinuxForbidden = (o: any) => o !== undefined && (!SELINUX_TYPES.has(o.type) || o.user !== undefined || o.role !== undefined);
  const seccompAllowed = (p: any) => p?.type === 'RuntimeDefault' || p?.type === 'Localhost';

  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (pod[field] === true) found.push(`spec.${field} must be false`);
  }
  if (podContext.windowsOptions?.hostProcess === true) found.push('pod windowsOptions.hostProcess must not be true');
  if (seLinuxForbidden(podContext.seLinuxOptions)) found.push('pod seLinuxOptions not allowed');
  if (podContext.seccompProfile?.type === 'Unconfined') found.push('pod seccompProfile Unconfined');
  for (const sysctl of podContext.sysctls ?? []) {
    if (!SAFE_SYSCTLS.has(sysctl.name)) found.push(`sysctl ${sysctl.name} not allowed`);
  }
  for (const volume of pod.volumes ?? []) {
    if (volume.hostPath) {found.push(`volume ${volume.name}: hostPath not allowed`);} else if (level === 'restricted' && !RESTRICTED_VOLUMES.some(source => volume[source] !== undefined)) {
      found.push(`volume ${volume.name}: volume type not allowed`);
    }
  }

  for (const container of [...pod.initContainers ?? [], ...pod.containers ?? [], ...pod.ephemeralContainers ?? []]) {
    const context = container.securityContext ?? {};
    const who = `container ${container.name}`;
    const added: string[] = context.capabilities?.add ?? [];
    if (context.privileged === true) found.push(`${who}: privileged`);
    if (context.windowsOptions?.hostProcess === true) found.push(`${who}: windowsOptions.hostProcess must not be true`);
    for (const port of container.ports ?? []) if (port.hostPort) found.push(`${who}: hostPort ${port.hostPort}`);
    if (context.procMount !== undefined && context.procMount !== 'Default') found.push(`${who}: procMount must be Default`);
    if (seLinuxForbidden(context.seLinuxOptions)) found.push(`${who}: seLinuxOptions not allowed`);
    if (context.seccompProfile?.type === 'Unconfined') found.push(`${who}: seccompProfile Unconfined`);
    for (const capability of added) {
      if (!BASELINE_CAPABILITIES.has(capability)) found.push(`${who}: adds capability ${capability}`);
    }
    if (level !== 'restricted') continue;

    for (const capability of added) {
      if (BASELINE_CAPABILITIES.has(capability) && capability !== 'NET_BIND_SERVICE') {
        found.push(`${who}: may add only NET_BIND_SERVICE, adds ${capability}`);
      }
    }
    if (!(context.capabilities?.drop ?? []).includes('ALL')) found.push(`${who}: must drop ALL capabilities`);
    if (context.allowPrivilegeEscalation !== false) found.push(`${who}: allowPrivilegeEscalation must be false`);
    const runAsNonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
    if (runAsNonRoot !== true) found.push(`${who}: runAsNonRoot must be true`);
    if ((context.runAsUser ?? podContext.runAsUser) === 0) found.push(`${who}: runAsUser 0`);
    if (!seccompAllowed(context.seccompProfile ?? podContext.seccompProfile)) {
      found.push(`${who}: seccompProfile RuntimeDefault or Localhost required`);
    }
  }
  return found;
}

import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { KubeMonkey, KubeMonkeyProps } from '../../lib';
import { DEFAULT_RESOURCES_JSON, only, podSpec, synthValid } from '../util';

function synth(props: KubeMonkeyProps = {}, chartNamespace?: string) {
  const chart = new Chart(Testing.app(), 'test', { namespace: chartNamespace });
  const monkey = new KubeMonkey(chart, 'kube-monkey', props);
  const manifests = synthValid(chart);
  const deployment = only(manifests, 'Deployment');
  return {
    monkey,
    manifests,
    deployment,
    container: podSpec(deployment).containers[0],
    toml: only(manifests, 'ConfigMap').data['config.toml'] as string,
  };
}

function tomlLine(toml: string, key: string): string | undefined {
  return toml.split('\n').find(l => l.startsWith(`${key} = `));
}

describe('KubeMonkey', () => {
  test('installs kube-monkey: ConfigMap, ServiceAccount, ClusterRole, binding and a one-replica Deployment', () => {
    const { manifests, deployment } = synth();
    expect(manifests.map(m => m.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Deployment', 'NetworkPolicy', 'ServiceAccount']);
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
  });

  test('writes the whole config.toml from the defaults', () => {
    expect(synth().toml).toBe([
      '[kubemonkey]',
      'dry_run = true',
      'run_hour = 8',
      'start_hour = 10',
      'end_hour = 16',
      'time_zone = "UTC"',
      'whitelisted_namespaces = [""]',
      'blacklisted_namespaces = ["kube-system"]',
      'graceperiod_sec = 5',
      '',
    ].join('\n'));
  });

  test('grants exactly what kube-monkey uses, cluster-wide', () => {
    const { manifests } = synth();
    const rules = only(manifests, 'ClusterRole').rules.map((r: any) => ({ apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs }));
    const read = ['get', 'list', 'watch'];
    expect(rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], verbs: read },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: read },
      { apiGroups: ['apps'], resources: ['statefulsets'], verbs: read },
      { apiGroups: ['apps'], resources: ['daemonsets'], verbs: read },
      { apiGroups: [''], resources: ['namespaces'], verbs: read },
      { apiGroups: [''], resources: ['pods'], verbs: [...read, 'delete'] },
    ]);
  });

  test('binds the ClusterRole to its own ServiceAccount, which the pod uses with its token mounted', () => {
    const { manifests, deployment } = synth();
    const sa = only(manifests, 'ServiceAccount');
    const binding = only(manifests, 'ClusterRoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: only(manifests, 'ClusterRole').metadata.name });
    expect(binding.subjects).toEqual([{ apiGroup: '', kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'kube-system' }]);
    expect(podSpec(deployment).serviceAccountName).toBe(sa.metadata.name);
    expect(podSpec(deployment).automountServiceAccountToken).toBe(true);
  });

  test('mounts config.toml read-only at /etc/kube-monkey', () => {
    const { container, deployment, manifests } = synth();
    expect(container.volumeMounts).toEqual([{ mountPath: '/etc/kube-monkey', name: 'config', readOnly: true }]);
    expect(podSpec(deployment).volumes).toEqual([{ name: 'config', configMap: { name: only(manifests, 'ConfigMap').metadata.name } }]);
  });

  test('runs hardened for Pod Security "restricted"', () => {
    const { container, deployment } = synth();
    expect(container.securityContext)
      .toEqual(expect.objectContaining({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }));
    expect(podSpec(deployment).securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });

  test('rolls the pod when config.toml changes', () => {
    const hash = (props: KubeMonkeyProps) => synth(props).deployment.spec.template.metadata.annotations['cdk8s-resilience/config-hash'];
    expect(hash({})).toMatch(/^[0-9a-f]{16}$/);
    expect(hash({ dryRun: false })).not.toBe(hash({}));
  });
});

describe('KubeMonkey defaults', () => {
  test('is a dry run by default', () => {
    const { toml, monkey } = synth();
    expect(tomlLine(toml, 'dry_run')).toBe('dry_run = true');
    expect(monkey.dryRun).toBe(true);
  });

  test('kills for real with dryRun false', () => {
    expect(tomlLine(synth({ dryRun: false }).toml, 'dry_run')).toBe('dry_run = false');
  });

  test('schedules at 8 and kills between 10 and 16 by default', () => {
    const { toml } = synth();
    expect([tomlLine(toml, 'run_hour'), tomlLine(toml, 'start_hour'), tomlLine(toml, 'end_hour')])
      .toEqual(['run_hour = 8', 'start_hour = 10', 'end_hour = 16']);
  });

  test('reads the hours in UTC by default', () => {
    expect(tomlLine(synth().toml, 'time_zone')).toBe('time_zone = "UTC"');
  });

  test('may kill in every namespace by default', () => {
    expect(tomlLine(synth().toml, 'whitelisted_namespaces')).toBe('whitelisted_namespaces = [""]');
  });

  test('never kills in kube-system by default', () => {
    expect(tomlLine(synth().toml, 'blacklisted_namespaces')).toBe('blacklisted_namespaces = ["kube-system"]');
  });

  test('gives killed pods 5 seconds to shut down by default', () => {
    expect(tomlLine(synth().toml, 'graceperiod_sec')).toBe('graceperiod_sec = 5');
  });

  test('has no debug section by default', () => {
    expect(synth().toml).not.toContain('[debug]');
  });

  test('runs in kube-system when the chart has no namespace', () => {
    const { manifests, monkey } = synth();
    expect(monkey.namespace).toBe('kube-system');
    for (const m of manifests.filter(o => o.kind !== 'ClusterRole' && o.kind !== 'ClusterRoleBinding')) {
      expect(m.metadata.namespace).toBe('kube-system');
    }
  });

  test('runs in the chart\'s namespace when it has one', () => {
    const { manifests } = synth({}, 'chaos');
    expect(only(manifests, 'Deployment').metadata.namespace).toBe('chaos');
    expect(only(manifests, 'ClusterRoleBinding').subjects[0].namespace).toBe('chaos');
  });

  test('gives its cluster-scoped objects no namespace, even in a chart that has one', () => {
    const { manifests } = synth({}, 'chaos');
    expect(only(manifests, 'ClusterRole').metadata.namespace).toBeUndefined();
    expect(only(manifests, 'ClusterRoleBinding').metadata.namespace).toBeUndefined();
  });

  test('pins the image of kube-monkey\'s example manifest', () => {
    expect(synth().container.image).toBe('ayushsobti/kube-monkey:v0.4.0');
    expect(KubeMonkey.DEFAULT_IMAGE).toBe('ayushsobti/kube-monkey:v0.4.0');
  });

  test('logs at verbosity 5 to stderr by default', () => {
    const { container } = synth();
    expect(container.command).toEqual(['/kube-monkey']);
    expect(container.args).toEqual(['-v=5', '-logtostderr=true']);
  });

  test('requests and limits WorkloadDefaults.RESOURCES by default', () => {
    expect(synth().container.resources).toEqual(DEFAULT_RESOURCES_JSON);
  });
});

describe('KubeMonkey props', () => {
  test('writes the schedule, time zone, namespaces and grace period given', () => {
    const { toml } = synth({
      runHour: 7,
      startHour: 9,
      endHour: 17,
      timeZone: 'Europe/Madrid',
      namespaces: ['shop', 'team-*'],
      excludedNamespaces: ['kube-system', 'istio-system'],
      gracePeriod: Duration.seconds(30),
    });
    expect(toml).toBe([
      '[kubemonkey]',
      'dry_run = true',
      'run_hour = 7',
      'start_hour = 9',
      'end_hour = 17',
      'time_zone = "Europe/Madrid"',
      'whitelisted_namespaces = ["shop", "team-*"]',
      'blacklisted_namespaces = ["kube-system", "istio-system"]',
      'graceperiod_sec = 30',
      '',
    ].join('\n'));
  });

  test('writes the debug section with kube-monkey\'s defaults', () => {
    expect(synth({ debug: {} }).toml).toContain('\n[debug]\nenabled = true\nschedule_delay = 30\nforce_should_kill = false\nschedule_immediate_kill = false\n');
  });

  test('writes the debug settings given', () => {
    const { toml } = synth({ debug: { scheduleDelay: Duration.seconds(10), forceShouldKill: true, scheduleImmediateKill: true } });
    expect(toml).toContain('\n[debug]\nenabled = true\nschedule_delay = 10\nforce_should_kill = true\nschedule_immediate_kill = true\n');
  });

  test('takes an explicit namespace, image, verbosity and resources', () => {
    const { deployment, container } = synth({
      namespace: 'chaos',
      image: 'registry.example.com/kube-monkey:v0.5.3',
      logVerbosity: 2,
      resources: {
        cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(100) },
        memory: { request: Size.mebibytes(32), limit: Size.mebibytes(64) },
      },
    });
    expect(deployment.metadata.namespace).toBe('chaos');
    expect(container.image).toBe('registry.example.com/kube-monkey:v0.5.3');
    expect(container.args).toEqual(['-v=2', '-logtostderr=true']);
    expect(container.resources).toEqual({
      requests: { 'cpu': '10m', 'memory': '32Mi', 'ephemeral-storage': '1Gi' },
      limits: { 'cpu': '100m', 'memory': '64Mi', 'ephemeral-storage': '2Gi' },
    });
  });
});

describe('KubeMonkey validation', () => {
  const create = (props: KubeMonkeyProps) => () => new KubeMonkey(Testing.chart(), 'km', props);

  test('refuses an hour outside 0–23', () => {
    expect(create({ endHour: 24 })).toThrow("KubeMonkey 'test/km': 'endHour' (24) must be a whole number from 0 to 23");
  });

  test('refuses a fractional hour', () => {
    expect(create({ runHour: 7.5 })).toThrow("KubeMonkey 'test/km': 'runHour' (7.5) must be a whole number from 0 to 23");
  });

  test('refuses a run hour not before the start hour', () => {
    expect(create({ startHour: 8 }))
      .toThrow("KubeMonkey 'test/km': 'runHour' (8) must be before 'startHour' (8): kube-monkey refuses to start otherwise");
  });

  test('refuses a start hour not before the end hour', () => {
    expect(create({ startHour: 16 }))
      .toThrow("KubeMonkey 'test/km': 'startHour' (16) must be before 'endHour' (16): kube-monkey refuses to start otherwise");
  });

  test('refuses a time zone that is not a tz database name', () => {
    expect(create({ timeZone: 'Europe/Madrid"\n[debug]' }))
      .toThrow(/^KubeMonkey 'test\/km': 'timeZone' \(.*\) must be a tz database name such as "Europe\/Madrid" or "UTC"$/);
  });

  test('refuses a namespace entry that is neither a name nor a pattern', () => {
    expect(create({ namespaces: ['Shop'] }))
      .toThrow("KubeMonkey 'test/km': 'namespaces' (\"Shop\") must hold namespace names or shell patterns of them (lower-case letters, digits, '-', '*', '?')");
    expect(create({ excludedNamespaces: [''] }))
      .toThrow("KubeMonkey 'test/km': 'excludedNamespaces' (\"\") must hold namespace names or shell patterns of them");
  });

  test('refuses a grace period that is not whole seconds', () => {
    expect(create({ gracePeriod: Duration.millis(1500) }))
      .toThrow("KubeMonkey 'test/km': 'gracePeriod' (1.5s) must be a whole number of seconds >= 0s");
  });

  test('refuses a debug schedule delay that is not whole seconds', () => {
    expect(create({ debug: { scheduleDelay: Duration.millis(500) } }))
      .toThrow("KubeMonkey 'test/km': 'debug.scheduleDelay' (0.5s) must be a whole number of seconds >= 0s");
  });

  test('refuses a namespace that is not a DNS label', () => {
    expect(create({ namespace: 'Chaos' })).toThrow(/^KubeMonkey 'test\/km': 'namespace' \("Chaos"\) must be a DNS label/);
  });

  test('refuses an empty image', () => {
    expect(create({ image: '' })).toThrow("KubeMonkey 'test/km': 'image' (\"\") must be a container image reference such as \"registry/name:tag\"");
  });

  test('refuses a verbosity above 10', () => {
    expect(create({ logVerbosity: 11 })).toThrow("KubeMonkey 'test/km': 'logVerbosity' (11) must be a whole number from 0 to 10");
  });

  test('refuses a memory limit below its request', () => {
    expect(create({ resources: { memory: { request: Size.mebibytes(64), limit: Size.mebibytes(32) } } }))
      .toThrow("KubeMonkey 'test/km': 'resources.memory.limit' (32Mi) must be >= 'resources.memory.request' (64Mi)");
  });
});

test('KubeMonkey refuses a :latest image unless allowLatestImage is set', () => {
  expect(() => new KubeMonkey(Testing.chart(), 'km', { image: 'ayushsobti/kube-monkey:latest' })).toThrow(
    'KubeMonkey \'test/km\': \'image\' ("ayushsobti/kube-monkey:latest") must be pinned with a tag other than "latest" or a digest (or set \'allowLatestImage\')');
  const chart = Testing.chart();
  new KubeMonkey(chart, 'km', { image: 'ayushsobti/kube-monkey:latest', allowLatestImage: true });
  expect(podSpec(only(synthValid(chart), 'Deployment')).containers[0].image).toBe('ayushsobti/kube-monkey:latest');
});

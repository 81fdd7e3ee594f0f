import { spawn } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PodChaosMonkey, PodChaosMonkeyProps, ResilientDeployment } from '../../lib';
import { DEFAULT_RESOURCES_JSON, only, podSpec, synthValid } from '../util';

function synth(props: Partial<PodChaosMonkeyProps> = {}, chartNamespace?: string) {
  const chart = new Chart(Testing.app(), 'test', { namespace: chartNamespace });
  const monkey = new PodChaosMonkey(chart, 'killer', { selector: { app: 'webapp' }, ...props });
  const manifests = synthValid(chart);
  const deployment = only(manifests, 'Deployment');
  const container = podSpec(deployment).containers[0];
  const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
  return { monkey, manifests, deployment, container, env };
}

describe('PodChaosMonkey', () => {
  test('kills a pod labelled app=webapp every 15 seconds, as in the talk', () => {
    const { env, deployment } = synth({ selector: { app: 'webapp' }, interval: Duration.seconds(15) });
    expect(env.SELECTOR).toBe('app=webapp');
    expect(env.INTERVAL_SECONDS).toBe('15');
    expect(env.NAMESPACE).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
    expect(deployment.spec.replicas).toBe(1);
  });

  test('joins several labels into one selector that must all match', () => {
    expect(synth({ selector: { app: 'webapp', tier: 'web' } }).env.SELECTOR).toBe('app=webapp,tier=web');
  });

  test('may only get, list and delete pods, in its namespace', () => {
    const { manifests } = synth({}, 'shop');
    const role = only(manifests, 'Role');
    expect(role.metadata.namespace).toBe('shop');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'delete'] }]);
    expect(manifests.filter(m => m.kind.startsWith('Cluster'))).toEqual([]);
  });

  test('binds the Role to its own ServiceAccount, which the pod uses with its token mounted', () => {
    const { manifests, deployment } = synth({}, 'shop');
    const sa = only(manifests, 'ServiceAccount');
    const binding = only(manifests, 'RoleBinding');
    expect(binding.metadata.namespace).toBe('shop');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: only(manifests, 'Role').metadata.name });
    expect(binding.subjects).toEqual([{ apiGroup: '', kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'shop' }]);
    expect(sa.automountServiceAccountToken).toBe(true);
    expect(podSpec(deployment).serviceAccountName).toBe(sa.metadata.name);
    expect(podSpec(deployment).automountServiceAccountToken).toBe(true);
  });

  test('labels its own pods so that they never match its selector', () => {
    const { deployment } = synth();
    const labels = deployment.spec.template.metadata.labels;
    expect(labels['app.kubernetes.io/name']).toBe('pod-chaos-monkey');
    expect(labels.app).toBeUndefined();
  });

  test('never runs two monkeys at once (Recreate)', () => {
    expect(synth().deployment.spec.strategy).toEqual({ type: 'Recreate' });
  });

  test('runs hardened for Pod Security "restricted", with a writable /tmp as HOME for kubectl', () => {
    const { container, deployment, env } = synth();
    expect(container.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, readOnlyRootFilesystem: true }));
    expect(env.HOME).toBe('/tmp');
    expect(container.volumeMounts).toEqual([{ mountPath: '/tmp', name: 'tmp' }]);
    expect(podSpec(deployment).volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
  });

  test('selects the victim\'s pods and not its own, even by the same name label', () => {
    const chart = Testing.chart();
    const web = new ResilientDeployment(chart, 'web', {
      podMetadata: { labels: { 'app.kubernetes.io/name': 'web' } },
      containers: [{ image: 'nginxinc/nginx-unprivileged:1.27.2', portNumber: 8080 }],
    });
    const selector = { 'app.kubernetes.io/name': 'web' };
    new PodChaosMonkey(chart, 'killer', { selector });
    const manifests = synthValid(chart);
    const podLabels = (d: any) => d.spec.template.metadata.labels;
    const matches = (labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    const [victim, monkey] = [web.name, undefined].map(name => manifests.find(m => m.kind === 'Deployment' && (name ? m.metadata.name === name : m.metadata.name !== web.name)));
    expect(matches(podLabels(victim))).toBe(true);
    expect(matches(podLabels(monkey))).toBe(false);
  });
});

describe('PodChaosMonkey defaults', () => {
  test('kills every 30 seconds by default (the pod chaos monkey\'s DELAY)', () => {
    const { env, monkey } = synth();
    expect(env.INTERVAL_SECONDS).toBe('30');
    expect(monkey.interval.toSeconds()).toBe(30);
  });

  test('lives in the chart\'s namespace by default', () => {
    const { manifests } = synth({}, 'shop');
    for (const m of manifests) expect(m.metadata.namespace).toBe('shop');
  });

  test('leaves the namespace to kubectl apply when the chart has none, and reads it from the pod', () => {
    const { manifests, env } = synth();
    for (const m of manifests) expect(m.metadata.namespace).toBeUndefined();
    expect(only(manifests, 'RoleBinding').subjects[0].namespace).toBeUndefined();
    expect(env.NAMESPACE).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
  });

  test('uses a pinned kubectl image by default', () => {
    expect(synth().container.image).toBe('alpine/k8s:1.30.4');
    expect(PodChaosMonkey.DEFAULT_IMAGE).toBe('alpine/k8s:1.30.4');
  });

  test('runs a shell loop that deletes one random running pod per interval by default', () => {
    const [shell, flag, script] = synth().container.command;
    expect([shell, flag]).toEqual(['/bin/sh', '-c']);
    expect(script).toContain('sleep "$INTERVAL_SECONDS"');
    expect(script).toContain('kubectl get pods -n "$NAMESPACE" -l "$SELECTOR" --field-selector=status.phase=Running -o name | shuf -n 1');
    expect(script).toContain('kubectl delete -n "$NAMESPACE" "$pod" --wait=false');
  });

  test('requests and limits WorkloadDefaults.RESOURCES by default', () => {
    expect(synth().container.resources).toEqual(DEFAULT_RESOURCES_JSON);
  });
});

describe('PodChaosMonkey props', () => {
  test('takes an explicit namespace for every object', () => {
    const { manifests } = synth({ namespace: 'shop' });
    for (const m of manifests) expect(m.metadata.namespace).toBe('shop');
  });

  test('takes its own image, command and resources', () => {
    const { container } = synth({
      image: 'registry.example.com/chaos:1.0.0',
      command: ['/chaos.sh'],
      resources: {
        cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(50) },
        memory: { request: Size.mebibytes(32), limit: Size.mebibytes(64) },
      },
    });
    expect(container.image).toBe('registry.example.com/chaos:1.0.0');
    expect(container.command).toEqual(['/chaos.sh']);
    expect(container.resources).toEqual({
      requests: { 'cpu': '10m', 'memory': '32Mi', 'ephemeral-storage': '1Gi' },
      limits: { 'cpu': '50m', 'memory': '64Mi', 'ephemeral-storage': '2Gi' },
    });
  });
});

describe('PodChaosMonkey validation', () => {
  const create = (props: Partial<PodChaosMonkeyProps>) => () =>
    new PodChaosMonkey(Testing.chart(), 'killer', { selector: { app: 'webapp' }, ...props });

  test('refuses an interval below 1 second', () => {
    expect(create({ interval: Duration.millis(500) }))
      .toThrow("PodChaosMonkey 'test/killer': 'interval' (0.5s) must be a whole number of seconds >= 1s");
  });

  test('refuses an interval of fractional seconds', () => {
    expect(create({ interval: Duration.millis(1500) }))
      .toThrow("PodChaosMonkey 'test/killer': 'interval' (1.5s) must be a whole number of seconds >= 1s");
  });

  test('refuses an empty selector', () => {
    expect(create({ selector: {} }))
      .toThrow("PodChaosMonkey 'test/killer': 'selector' (\"{}\") must name at least one label: an empty selector would kill every pod of the namespace");
  });

  test('refuses a selector that matches its own pods', () => {
    expect(create({ selector: { 'app.kubernetes.io/name': 'pod-chaos-monkey' } }))
      .toThrow("PodChaosMonkey 'test/killer': 'selector' (\"app.kubernetes.io/name=pod-chaos-monkey\") must not match the monkey's own pods");
  });

  test('refuses an invalid label key', () => {
    expect(create({ selector: { 'my app': 'web' } })).toThrow(/^PodChaosMonkey 'test\/killer': 'selector' \("my app"\) must have valid label keys/);
  });

  test('refuses an invalid label value', () => {
    expect(create({ selector: { app: 'web app' } })).toThrow(/^PodChaosMonkey 'test\/killer': 'selector.app' \("web app"\) must be a valid label value/);
  });

  test('refuses a namespace that is not a DNS label', () => {
    expect(create({ namespace: 'Shop' })).toThrow(/^PodChaosMonkey 'test\/killer': 'namespace' \("Shop"\) must be a DNS label/);
  });

  test('refuses an image with whitespace', () => {
    expect(create({ image: 'alpine/k8s 1.30' }))
      .toThrow("PodChaosMonkey 'test/killer': 'image' (\"alpine/k8s 1.30\") must be a container image reference such as \"registry/name:tag\"");
  });

  test('refuses an empty command', () => {
    expect(create({ command: [] })).toThrow("PodChaosMonkey 'test/killer': 'command' (\"[]\") must not be empty");
  });

  test('reports bad security options on the PodChaosMonkey', () => {
    expect(create({ security: { user: 0 } }))
      .toThrow("PodChaosMonkey 'test/killer': 'security.user' (0) must be a whole number from 1 to 2147483647");
  });

  test('refuses a CPU limit below its request', () => {
    expect(create({ resources: { cpu: { request: kplus.Cpu.millis(200), limit: kplus.Cpu.millis(100) } } }))
      .toThrow("PodChaosMonkey 'test/killer': 'resources.cpu.limit' (\"100m\") must be >= 'resources.cpu.request' (\"200m\")");
  });
});

describe('PodChaosMonkey default script', () => {
  test('deletes one random running pod of the selector each interval, using kubectl', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pod-chaos-monkey-'));
    const log = join(dir, 'kubectl.log');
    // A stand-in kubectl that records its arguments and lists two pods.
    writeFileSync(join(dir, 'kubectl'), '#!/bin/sh\necho "$@" >> "$LOG"\nif [ "$1" = get ]; then printf "pod/a\\npod/b\\n"; fi\n', { mode: 0o755 });
    const [shell, flag, script] = synth({ interval: Duration.seconds(1) }).container.command;
    const child = spawn(shell, [flag, script], {
      env: { PATH: `${dir}:${process.env.PATH}`, LOG: log, NAMESPACE: 'shop', SELECTOR: 'app=webapp', INTERVAL_SECONDS: '1' },
      stdio: 'ignore',
    });
    await new Promise(resolve => setTimeout(resolve, 2500));
    child.kill();
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls[0]).toBe('get pods -n shop -l app=webapp --field-selector=status.phase=Running -o name');
    expect(calls[1]).toMatch(/^delete -n shop pod\/[ab] --wait=false$/);
    rmSync(dir, { recursive: true, force: true });
  }, 10_000);
});

test('PodChaosMonkey refuses an untagged image unless allowLatestImage is set', () => {
  expect(() => new PodChaosMonkey(Testing.chart(), 'pcm', { selector: { app: 'web' }, image: 'alpine/k8s' })).toThrow(
    'PodChaosMonkey \'test/pcm\': \'image\' ("alpine/k8s") must be pinned with a tag or a digest');
  const chart = Testing.chart();
  new PodChaosMonkey(chart, 'pcm', { selector: { app: 'web' }, image: 'alpine/k8s', allowLatestImage: true });
  expect(podSpec(only(synthValid(chart), 'Deployment')).containers[0].image).toBe('alpine/k8s');
});

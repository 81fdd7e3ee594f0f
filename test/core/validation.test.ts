import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  checkDns1035Label, checkDnsLabel, checkEnvName, checkImage, checkLabelKey, checkLabels, checkLabelValue, checkPort, checkPortName, checkProbePorts,
  checkQuantity, checkResources, checkWholeNumber, checkWholeSeconds, cpuMillis, kib, propError, subjectFor, subjectOf,
} from '../../lib/core/validation';

const subject = { kind: 'ScalableBackend', path: 'app/web' };
const prefix = 'ScalableBackend \'app/web\':';

describe('the one error format', () => {
  test('names the construct kind and path, the prop, the value received and what is allowed', () => {
    expect(propError(subject, 'replicas', -1, 'must be >= 0').message).toBe(`${prefix} 'replicas' (-1) must be >= 0`);
  });

  test('shows strings quoted, sizes, durations, CPU and amounts as the user wrote them', () => {
    expect(propError(subject, 'p', 'x', 'a').message).toBe(`${prefix} 'p' ("x") a`);
    expect(propError(subject, 'p', Size.mebibytes(64), 'a').message).toBe(`${prefix} 'p' (64Mi) a`);
    expect(propError(subject, 'p', Duration.seconds(90), 'a').message).toBe(`${prefix} 'p' (1 minute 30 seconds) a`);
    expect(propError(subject, 'p', kplus.Cpu.millis(250), 'a').message).toBe(`${prefix} 'p' ("250m") a`);
    expect(propError(subject, 'p', kplus.PercentOrAbsolute.percent(50), 'a').message).toBe(`${prefix} 'p' ("50%") a`);
  });

  test('knows the path of a construct before it exists, and after', () => {
    const chart = Testing.chart();
    const pending = subjectFor('ScalableBackend', chart, 'web');
    expect({ kind: pending.kind, path: pending.path }).toEqual({ kind: 'ScalableBackend', path: 'test/web' });
    const existing = subjectOf(chart);
    expect({ kind: existing.kind, path: existing.path }).toEqual({ kind: 'Chart', path: 'test' });
  });
});

describe('the shared checks', () => {
  test('whole numbers, with and without an upper bound', () => {
    expect(() => checkWholeNumber(subject, 'n', 2, 0)).not.toThrow();
    expect(() => checkWholeNumber(subject, 'n', 0.5, 0)).toThrow(`${prefix} 'n' (0.5) must be a whole number >= 0`);
    expect(() => checkWholeNumber(subject, 'n', 11, 1, 10)).toThrow(`${prefix} 'n' (11) must be a whole number from 1 to 10`);
  });

  test('ports', () => {
    expect(() => checkPort(subject, 'containerPort', 65535)).not.toThrow();
    expect(() => checkPort(subject, 'containerPort', 0)).toThrow(`${prefix} 'containerPort' (0) must be a port number: a whole number from 1 to 65535`);
  });

  test('DNS labels', () => {
    expect(() => checkDnsLabel(subject, 'name', 'web-1')).not.toThrow();
    for (const bad of ['Web', '-web', 'web-', 'a'.repeat(64), 'we_b']) {
      expect(() => checkDnsLabel(subject, 'name', bad)).toThrow(`${prefix} 'name' (${JSON.stringify(bad)}) must be a DNS label`);
    }
  });

  test('label keys and values', () => {
    expect(() => checkLabelValue(subject, 'identifier', 'web.v1_a')).not.toThrow();
    expect(() => checkLabelValue(subject, 'identifier', 'a'.repeat(64))).toThrow(`${prefix} 'identifier'`);
    expect(() => checkLabelKey(subject, 'labels', 'app.kubernetes.io/name')).not.toThrow();
    expect(() => checkLabelKey(subject, 'labels', 'Bad Prefix/name')).toThrow(`${prefix} 'labels' ("Bad Prefix/name") must have valid label keys`);
  });

  test('image references', () => {
    expect(() => checkImage(subject, 'image', 'nginx:1.27')).not.toThrow();
    expect(() => checkImage(subject, 'image', 'nginx 1.27')).toThrow(`${prefix} 'image' ("nginx 1.27") must be a container image reference`);
  });

  test('whole seconds', () => {
    expect(() => checkWholeSeconds(subject, 't', Duration.seconds(30), 1)).not.toThrow();
    expect(() => checkWholeSeconds(subject, 't', Duration.millis(1500), 1)).toThrow(`${prefix} 't' (1.5s) must be a whole number of seconds >= 1s`);
    expect(() => checkWholeSeconds(subject, 't', Duration.hours(2), 0, 3600)).toThrow(`${prefix} 't' (7200s) must be a whole number of seconds from 0s to 3600s`);
  });

  test('quantities in one unit: CPU in millicores, sizes in KiB', () => {
    expect(cpuMillis(kplus.Cpu.units(1.5))).toBe(1500);
    expect(cpuMillis(kplus.Cpu.millis(250))).toBe(250);
    expect(kib(Size.mebibytes(1))).toBe(1024);
  });

  test('resources: positive amounts, limits not below requests', () => {
    expect(() => checkResources(subject, 'resources', { cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(100) } })).not.toThrow();
    expect(() => checkResources(subject, 'resources', { memory: { request: Size.mebibytes(256), limit: Size.mebibytes(128) } })).toThrow(
      `${prefix} 'resources.memory.limit' (128Mi) must be >= 'resources.memory.request' (256Mi): a limit below its request is rejected by the API server`);
    expect(() => checkResources(subject, 'resources', { cpu: { request: kplus.Cpu.millis(0) } })).toThrow(
      `${prefix} 'resources.cpu.request' ("0m") must be a positive quantity`);
  });

  test('probes must target a port the container exposes', () => {
    const container = { image: 'nginx:1.27', portNumber: 8080, ports: [{ number: 9090, name: 'metrics' }] };
    expect(() => checkProbePorts(subject, '', { ...container, readiness: kplus.Probe.fromHttpGet('/', { port: 9090 }) })).not.toThrow();
    expect(() => checkProbePorts(subject, '', { ...container, readiness: kplus.Probe.fromTcpSocket() })).not.toThrow();
    expect(() => checkProbePorts(subject, '', { ...container, liveness: kplus.Probe.fromHttpGet('/', { port: 7070 }) })).toThrow(
      `${prefix} 'liveness' (7070) must probe a port the container exposes (exposed: 8080, 9090, "metrics")`);
  });
});

describe('rules of the API server (issue 12)', () => {
  const dns1035 = 'must be a DNS-1035 label: at most 63 characters, lower-case letters, digits and \'-\', starting with a letter and ending with a letter or digit';

  test('refuses whole numbers beyond the API\'s 32-bit integers when no maximum is given', () => {
    expect(() => checkWholeNumber(subject, 'replicas', 2 ** 31, 0)).toThrow(
      `${prefix} 'replicas' (2147483648) must be at most 2147483647: the API server stores it as a 32-bit integer`);
    expect(() => checkWholeNumber(subject, 'replicas', 2 ** 31 - 1, 0)).not.toThrow();
    expect(() => checkWholeNumber(subject, 'percent', 2 ** 31, 0, 4294967295)).not.toThrow();
  });

  test('refuses durations in seconds beyond the API\'s 32-bit integers (1e21 s would be written 1e+21)', () => {
    expect(() => checkWholeSeconds(subject, 'gracePeriod', Duration.seconds(1e21), 0)).toThrow(
      `${prefix} 'gracePeriod' (1e+21s) must be a whole number of seconds from 0s to 2147483647s`);
    expect(() => checkWholeSeconds(subject, 'gracePeriod', Duration.seconds(2147483647), 0)).not.toThrow();
  });

  test('refuses sizes and CPU amounts that would be written in a form the API server does not parse', () => {
    expect(() => checkQuantity(subject, 'storage', Size.gibibytes(1e30))).toThrow(
      `${prefix} 'storage' (1e+30Gi) must be written as a plain quantity such as "512Mi" or "250m" (not "1e+30Gi"), at most 2^63-1 bytes or millicores`);
    expect(() => checkQuantity(subject, 'cpu', kplus.Cpu.millis(1e30))).toThrow(`${prefix} 'cpu' ("1e+30m") must be written as a plain quantity`);
    expect(() => checkQuantity(subject, 'storage', Size.pebibyte(8192))).toThrow(`${prefix} 'storage' (8192Pi) must be written as a plain quantity`);
    expect(() => checkQuantity(subject, 'storage', Size.gibibytes(1.5))).not.toThrow();
    expect(() => checkQuantity(subject, 'cpu', kplus.Cpu.units(1.5))).not.toThrow();
  });

  test('refuses resources written in a non-canonical form', () => {
    expect(() => checkResources(subject, 'resources', { memory: { request: Size.gibibytes(1e30) } })).toThrow(
      `${prefix} 'resources.memory.request' (1e+30Gi) must be written as a plain quantity`);
  });

  test('checks Service names as RFC 1035 labels: no leading digit', () => {
    expect(() => checkDns1035Label(subject, 'name', '2048')).toThrow(`${prefix} 'name' ("2048") ${dns1035}`);
    expect(() => checkDns1035Label(subject, 'name', 'a'.repeat(64))).toThrow(`${prefix} 'name' ("${'a'.repeat(64)}") ${dns1035}`);
    expect(() => checkDns1035Label(subject, 'name', 'web-2048')).not.toThrow();
  });

  test.each([['a'.repeat(16)], ['8080'], ['-http'], ['http-'], ['h--p'], ['HTTP'], ['']])('refuses the port name %p (IANA_SVC_NAME)', (name) => {
    expect(() => checkPortName(subject, 'portName', name)).toThrow(`${prefix} 'portName' (${JSON.stringify(name)}) must be an IANA service name: `
      + 'at most 15 lower-case letters, digits and \'-\', with at least one letter, no \'--\', starting and ending with a letter or digit');
  });

  test('accepts port names of up to 15 characters with a letter', () => {
    for (const name of ['http', 'h2c', 'a'.repeat(15), 'metrics-9090']) expect(() => checkPortName(subject, 'p', name)).not.toThrow();
  });

  test.each([['MY VAR'], ['A=B'], ['1ST'], ['é']])('refuses the environment variable name %p', (name) => {
    expect(() => checkEnvName(subject, 'env', name)).toThrow(`${prefix} 'env' (${JSON.stringify(name)}) must be an environment variable name: `
      + 'letters, digits, \'_\', \'-\' and \'.\', not starting with a digit');
  });

  test('accepts the environment variable names every supported server accepts', () => {
    for (const name of ['PATH', '_x', 'spring.profiles.active', 'my-var']) expect(() => checkEnvName(subject, 'env', name)).not.toThrow();
  });

  test('refuses label values of 64 characters or with non-ASCII letters', () => {
    const rule = 'must be a valid label value: at most 63 characters of letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit';
    expect(() => checkLabels(subject, 'labels', { app: 'a'.repeat(64) })).toThrow(`${prefix} 'labels.app' ("${'a'.repeat(64)}") ${rule}`);
    expect(() => checkLabels(subject, 'labels', { app: 'café' })).toThrow(`${prefix} 'labels.app' ("café") ${rule}`);
    expect(() => checkLabels(subject, 'labels', { app: 'a'.repeat(63) })).not.toThrow();
  });

  const badReference = 'must be a container image reference such as "registry/name:tag": lower-case name components, an optional tag of letters, '
    + 'digits, \'_\', \'.\' and \'-\', an optional digest';
  test.each([['Nginx:1.27'], ['MyOrg/web:1.0'], ['web:1.0 '], ['web::1'], ['web:-1']])('refuses the image reference %p', (image) => {
    expect(() => checkImage(subject, 'image', image)).toThrow(`${prefix} 'image' (${JSON.stringify(image)}) ${badReference}`);
  });

  test('refuses untagged and :latest images unless allowed', () => {
    expect(() => checkImage(subject, 'image', 'nginx')).toThrow(
      `${prefix} 'image' ("nginx") must be pinned with a tag or a digest: an untagged image means ":latest", which changes under a running Deployment`);
    expect(() => checkImage(subject, 'image', 'nginx:latest')).toThrow(
      `${prefix} 'image' ("nginx:latest") must be pinned with a tag other than "latest" or a digest (or set 'allowLatestImage'): ":latest" changes under a running Deployment`);
    expect(() => checkImage(subject, 'image', 'nginx:latest', true)).not.toThrow();
    expect(() => checkImage(subject, 'image', 'nginx', true)).not.toThrow();
  });

  test('accepts registries with ports, upper-case registry hosts and digests', () => {
    for (const image of ['k3d-registry.localhost:5000/backend:1.0.0', 'Registry.Example.com/team/web:v1', 'localhost/web:1',
      `web@sha256:${'a'.repeat(64)}`, `web:latest@sha256:${'a'.repeat(64)}`]) {
      expect(() => checkImage(subject, 'image', image)).not.toThrow();
    }
  });
});

test('refuses a probe whose durations the API cannot hold in 32 bits', () => {
  const container = { image: 'web:1', portNumber: 8080, liveness: kplus.Probe.fromTcpSocket({ periodSeconds: Duration.seconds(1e21) }) };
  expect(() => checkProbePorts(subject, 'containers[0].', container)).toThrow(
    `${prefix} 'containers[0].liveness' (periodSeconds 1e+21) must have a whole periodSeconds from 0 to 2147483647`);
});

import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  checkDnsLabel, checkImage, checkLabelKey, checkLabelValue, checkPort, checkProbePorts, checkResources, checkWholeNumber, checkWholeSeconds,
  cpuMillis, kib, propError, subjectFor, subjectOf,
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
    expect(subjectFor('ScalableBackend', chart, 'web')).toEqual({ kind: 'ScalableBackend', path: 'test/web' });
    expect(subjectOf(chart)).toEqual({ kind: 'Chart', path: 'test' });
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

import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PodSecurity, SeccompProfileType } from '../../lib';
import { HARDENED_CONTAINER_CONTEXT, only, podSpec, synthValid } from '../util';

const subject = { kind: 'ResilientDeployment', path: 'test/web' };
const IMAGE = 'nginxinc/nginx-unprivileged:1.27.2';

function hardened(options: Parameters<typeof PodSecurity.containerSecurityContext>[0] = {}) {
  const chart = Testing.chart();
  const deployment = new kplus.Deployment(chart, 'web', {
    securityContext: PodSecurity.podSecurityContext(options),
    containers: [{ image: IMAGE, portNumber: 8080, securityContext: PodSecurity.containerSecurityContext(options), resources: {} }],
  });
  PodSecurity.applySeccompProfile(deployment, options);
  return { chart, deployment };
}

describe('PodSecurity', () => {
  test('hardens a container for Pod Security "restricted" by default (UID/GID 10001)', () => {
    const spec = podSpec(only(synthValid(hardened().chart), 'Deployment'));
    expect(spec.containers[0].securityContext).toEqual(HARDENED_CONTAINER_CONTEXT);
  });

  test('runs the pod as non-root UID/GID 10001 by default', () => {
    expect(PodSecurity.podSecurityContext()).toEqual({ ensureNonRoot: true, user: 10001, group: 10001 });
  });

  test('sets the seccomp profile RuntimeDefault by default', () => {
    const spec = podSpec(only(synthValid(hardened().chart), 'Deployment'));
    expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });

  test('writes a Localhost profile with its file', () => {
    const { chart } = hardened({ seccompProfile: SeccompProfileType.LOCALHOST, localhostProfile: 'profiles/web.json' });
    expect(podSpec(only(synthValid(chart), 'Deployment')).securityContext.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: 'profiles/web.json' });
  });

  test('opts out of non-root and of the read-only root filesystem', () => {
    const context = PodSecurity.containerSecurityContext({ runAsNonRoot: false, readOnlyRootFilesystem: false });
    expect(context).toMatchObject({ ensureNonRoot: false, user: undefined, group: undefined, readOnlyRootFilesystem: false });
  });

  test('adds the capabilities asked for, in the Kubernetes spelling, after dropping ALL', () => {
    expect(PodSecurity.containerSecurityContext({ addCapabilities: ['NET_BIND_SERVICE'] }).capabilities).toEqual({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] });
  });

  describe('refuses', () => {
    test('UID 0 and user ids out of range', () => {
      expect(() => PodSecurity._validate(subject, { user: 0 })).toThrow(
        'ResilientDeployment \'test/web\': \'security.user\' (0) must be a whole number from 1 to 2147483647');
      expect(() => PodSecurity._validate(subject, { group: -1 })).toThrow(
        'ResilientDeployment \'test/web\': \'security.group\' (-1) must be a whole number from 0 to 2147483647');
    });

    test('a capability spelled with CAP_', () => {
      expect(() => PodSecurity._validate(subject, { addCapabilities: ['CAP_NET_ADMIN'] })).toThrow(
        'ResilientDeployment \'test/web\': \'security.addCapabilities\' ("CAP_NET_ADMIN") must be a capability name as Kubernetes spells it, without CAP_ (e.g. "NET_BIND_SERVICE")');
    });

    test('a Localhost profile without its file, and a file without a Localhost profile', () => {
      const message = 'must be set exactly when \'security.seccompProfile\' is LOCALHOST';
      expect(() => PodSecurity._validate(subject, { seccompProfile: SeccompProfileType.LOCALHOST })).toThrow(
        `ResilientDeployment 'test/web': 'security.localhostProfile' (undefined) ${message}`);
      expect(() => PodSecurity._validate(subject, { localhostProfile: 'x.json' })).toThrow(
        `ResilientDeployment 'test/web': 'security.localhostProfile' ("x.json") ${message}`);
    });
  });
});

describe('PodSecurity fsGroup', () => {
  test('sets the fsGroup when given', () => {
    expect(PodSecurity.podSecurityContext({ fsGroup: 2000 }).fsGroup).toBe(2000);
    expect(PodSecurity.podSecurityContext({}).fsGroup).toBeUndefined();
  });
});

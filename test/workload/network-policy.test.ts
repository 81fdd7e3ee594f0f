import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PodSecurity, ResilientDeployment, ScalableBackend, WorkloadNetworkPolicy } from '../../lib';
import { ofKind, only, synthValid } from '../util';

const IMAGE = 'nginxinc/nginx-unprivileged:1.27.2';

describe('WorkloadNetworkPolicy', () => {
  test('every workload gets a NetworkPolicy that admits its container ports and allows egress', () => {
    const chart = Testing.chart();
    const web = new ResilientDeployment(chart, 'web', { metadata: { name: 'web', namespace: 'shop' }, containers: [{ image: IMAGE, portNumber: 8080 }] });
    const policy = only(synthValid(chart), 'NetworkPolicy');
    expect(policy).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        podSelector: { matchLabels: web.matchLabels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ ports: [{ port: 8080, protocol: 'TCP' }] }],
        egress: [{}],
      },
    });
    expect(web.networkPolicy).toBeInstanceOf(WorkloadNetworkPolicy);
  });

  test('reads the ports at synth, so containers added later are admitted too', () => {
    const chart = Testing.chart();
    const web = new ResilientDeployment(chart, 'web', { containers: [{ image: IMAGE, portNumber: 8080 }] });
    web.addContainer({ name: 'metrics', image: 'prom/statsd-exporter:v0.27.1', ports: [{ number: 9102 }, { number: 9125, protocol: kplus.Protocol.UDP }] });
    expect(only(synthValid(chart), 'NetworkPolicy').spec.ingress).toEqual([{
      ports: [{ port: 8080, protocol: 'TCP' }, { port: 9102, protocol: 'TCP' }, { port: 9125, protocol: 'UDP' }],
    }]);
  });

  test('a worker that exposes no port accepts no connection', () => {
    const chart = Testing.chart();
    new ResilientDeployment(chart, 'worker', { containers: [{ image: 'busybox:1.36' }] });
    expect(only(synthValid(chart), 'NetworkPolicy').spec.ingress).toEqual([]);
  });

  test('egress can be closed, leaving it to the user\'s own policies', () => {
    const chart = Testing.chart();
    new ResilientDeployment(chart, 'web', { containers: [{ image: IMAGE, portNumber: 8080 }], networkPolicy: { allowEgress: false } });
    expect(only(synthValid(chart), 'NetworkPolicy').spec.egress).toEqual([]);
  });

  test('opts out with networkPolicy.enabled false', () => {
    const chart = Testing.chart();
    const backend = new ScalableBackend(chart, 'web', { image: IMAGE, containerPort: 8080, networkPolicy: { enabled: false } });
    expect(ofKind(synthValid(chart), 'NetworkPolicy')).toHaveLength(0);
    expect(backend.networkPolicy).toBeUndefined();
  });

  test('selects a Job\'s pods by the address label cdk8s-plus puts on them, never every pod: a Job has no selector of its own', () => {
    const chart = Testing.chart();
    const job = new kplus.Job(chart, 'job', {
      securityContext: PodSecurity.podSecurityContext(),
      containers: [{ image: 'busybox:1.36', securityContext: PodSecurity.containerSecurityContext() }],
    });
    PodSecurity.applySeccompProfile(job);
    new WorkloadNetworkPolicy(chart, 'policy', { target: job });
    expect(job.matchLabels).toEqual({});
    const manifests = synthValid(chart);
    expect(only(manifests, 'NetworkPolicy').spec.podSelector).toEqual({ matchLabels: { 'cdk8s.io/metadata.addr': 'test-job-c8a36c90' } });
    expect(only(manifests, 'Job').spec.template.metadata.labels).toEqual({ 'cdk8s.io/metadata.addr': 'test-job-c8a36c90' });
  });

  test('a ScalableBackend\'s policy selects exactly the pods of its Service', () => {
    const chart = Testing.chart();
    new ScalableBackend(chart, 'web', { image: IMAGE, containerPort: 8080, servicePort: 80 });
    const manifests = synthValid(chart);
    expect(only(manifests, 'NetworkPolicy').spec.podSelector.matchLabels).toEqual(only(manifests, 'Service').spec.selector);
  });
});

describe('WorkloadNetworkPolicy: stable selectors', () => {
  test('selects the pods by the workload\'s own selector labels when it has them', () => {
    const chart = Testing.chart();
    new ResilientDeployment(chart, 'web', { containers: [{ image: IMAGE, portNumber: 8080 }], selectorLabels: { app: 'web' } });
    const manifests = synthValid(chart);
    expect(only(manifests, 'NetworkPolicy').spec.podSelector).toEqual(only(manifests, 'Deployment').spec.selector);
  });
});

import { Testing } from 'cdk8s';
import { APPS } from '../apps';
import { ofKind, podSpec, synthAppValid } from './util';

describe('the microservices example app', () => {
  const app = Testing.app();
  APPS.microservices(app);
  const manifests = synthAppValid(app);

  test('resolves every address env var to a Service name and port of the same app', () => {
    const ports = new Set(ofKind(manifests, 'Service').flatMap(s => s.spec.ports.map((p: any) => `${s.metadata.name}:${p.port}`)));
    const addresses = ofKind(manifests, 'Deployment')
      .flatMap(d => podSpec(d).containers.flatMap((c: any) => c.env ?? []))
      .filter((e: any) => e.name.endsWith('_ADDR'));
    expect(addresses.length).toBeGreaterThanOrEqual(15);
    for (const env of addresses) expect([env.name, ports.has(env.value)]).toEqual([env.name, true]);
  });

  test('names every gRPC port grpc with appProtocol grpc and checks it with a gRPC probe', () => {
    const grpc = ofKind(manifests, 'Service').filter(s => s.spec.ports[0].appProtocol === 'grpc');
    expect(grpc).toHaveLength(8);
    for (const svc of grpc) {
      expect(svc.spec.ports[0].name).toBe('grpc');
      const deployment = ofKind(manifests, 'Deployment').find(d => d.metadata.name === svc.metadata.name);
      expect(podSpec(deployment).containers[0].readinessProbe.grpc).toEqual({ port: svc.spec.ports[0].targetPort });
    }
  });

  test('selects every workload by its app label, as the upstream YAML does', () => {
    for (const d of ofKind(manifests, 'Deployment')) expect(d.spec.selector.matchLabels).toEqual({ app: d.metadata.name });
  });
});

import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { backendSpec, FEATURES } from './scenarios';
import { ScalableBackend } from 'cdk8s-resilience';

/** Adds `count` backends written with the library: one `ScalableBackend` each. */
export function addBackends(scope: Construct, count: number, features: string[] = []): void {
  for (let i = 0; i < count; i++) {
    const spec = backendSpec(i);
    const env: { [name: string]: kplus.EnvValue } = {};
    for (const [k, v] of Object.entries(spec.env)) env[k] = kplus.EnvValue.fromValue(v);
    new ScalableBackend(scope, spec.name, {
      name: spec.name,
      image: spec.image,
      containerPort: spec.containerPort,
      servicePort: spec.servicePort,
      replicas: spec.replicas,
      resources: spec.resources,
      readiness: kplus.Probe.fromHttpGet(spec.probePath),
      liveness: kplus.Probe.fromHttpGet(spec.probePath),
      writablePaths: [spec.writablePath],
      labels: { app: spec.name },
      env,
      ...Object.assign({}, ...features.map(f => FEATURES[f].libraryProps(spec))),
    });
  }
}

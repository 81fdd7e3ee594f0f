import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { ScalableBackendProps } from 'cdk8s-resilience';

/**
 * What every benchmarked backend looks like: what a platform team writes for a typical HTTP service. The library
 * variant (bench/library.ts) and the hand-written variant (bench/handwritten.ts) both build exactly this, so that
 * their costs compare like with like (test/bench.test.ts holds them to equal manifests).
 *
 * This module loads only cdk8s and cdk8s-plus-27 (the library is imported for types only, the generated Istio module
 * only when the mesh feature is on), so that the hand-written variant's process never loads the library.
 */
export interface BackendSpec {
  readonly name: string;
  readonly image: string;
  readonly containerPort: number;
  readonly servicePort: number;
  readonly replicas: number;
  readonly resources: kplus.ContainerResources;
  readonly probePath: string;
  readonly writablePath: string;
  readonly env: { [name: string]: string };
}

/** The i-th backend of a benchmark chart. */
export function backendSpec(i: number): BackendSpec {
  return {
    name: `backend-${i}`,
    image: `registry.example.com/team/backend-${i}:1.4.2`,
    containerPort: 8080,
    servicePort: 80,
    replicas: 3,
    resources: {
      cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
      memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
      ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(2) },
    },
    probePath: '/healthz',
    writablePath: '/tmp',
    env: { LOG_LEVEL: 'info' },
  };
}

/** The objects a hand-written backend created; a feature may add its own next to them. */
export interface HandwrittenBackend {
  readonly scope: Construct;
  readonly spec: BackendSpec;
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;
}

/**
 * An option of `ScalableBackend` the benchmark can turn on (`--features autoscaling,mesh`): the props it adds to the
 * library variant, and the same objects written by hand for the other variant.
 */
export interface Feature {
  /** Props merged into every backend's `ScalableBackendProps`. */
  readonly libraryProps: (spec: BackendSpec) => Partial<ScalableBackendProps>;
  /** Props merged into the hand-written `kplus.Deployment`'s. */
  readonly handwrittenDeployment?: (spec: BackendSpec) => Partial<kplus.DeploymentProps>;
  /** Adds the objects the option generates, written with plain cdk8s-plus / k8s / imported CRD classes. */
  readonly handwritten: (backend: HandwrittenBackend) => void;
  /**
   * Loads the modules the hand-written objects need, so that the benchmark counts it as loading, not as work. Called
   * in the hand-written variant's process only: the library variant's process loads what the library needs with it.
   */
  readonly load?: () => void;
  /** Extra objects per backend (for the object-count checks). */
  readonly objectsPerBackend: number;
}

const POLICY_PERIOD = Duration.seconds(15);

/** The generated Istio classes, loaded on demand: runs without the mesh feature never pay for the large module. */
function istioModule(): typeof import('../lib/imports/networking.istio.io') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../lib/imports/networking.istio.io');
}

/**
 * The options that can be turned on, each with the same objects written by hand. To add one, give its props, its
 * objects and their count, and keep test/bench.test.ts (equal manifests) passing with it on.
 */
export const FEATURES: { [name: string]: Feature } = {
  /** A HorizontalPodAutoscaler on CPU, 3 to 10 replicas, its behavior written out as Kubernetes' defaults. */
  autoscaling: {
    libraryProps: () => ({ replicas: undefined, autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilizationPercent: 70 } }),
    // The autoscaler owns the replica count.
    handwrittenDeployment: () => ({ replicas: undefined }),
    handwritten: ({ spec, deployment }) => {
      new kplus.HorizontalPodAutoscaler(new Construct(deployment, 'Autoscaler'), 'Resource', {
        metadata: { name: spec.name, labels: { app: spec.name } },
        target: deployment,
        minReplicas: 3,
        maxReplicas: 10,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
        scaleUp: {
          strategy: kplus.ScalingStrategy.MAX_CHANGE,
          stabilizationWindow: Duration.seconds(0),
          policies: [
            { replicas: kplus.Replicas.percent(100), duration: POLICY_PERIOD },
            { replicas: kplus.Replicas.absolute(4), duration: POLICY_PERIOD },
          ],
        },
        scaleDown: {
          strategy: kplus.ScalingStrategy.MAX_CHANGE,
          stabilizationWindow: Duration.minutes(5),
          policies: [{ replicas: kplus.Replicas.percent(100), duration: POLICY_PERIOD }],
        },
      });
    },
    objectsPerBackend: 1,
  },

  /** Istio retries and a timeout (a VirtualService) and outlier detection (a DestinationRule). */
  mesh: {
    libraryProps: () => ({
      retries: { attempts: 3, perTryTimeout: Duration.seconds(2) },
      timeout: Duration.seconds(10),
      outlierDetection: { consecutive5xxErrors: 5 },
    }),
    load: () => { istioModule(); },
    handwritten: ({ spec, service }) => {
      const istio = istioModule();
      const scope = service.node.scope as Construct;
      const host = spec.name;
      new istio.VirtualService(scope, 'VirtualService', {
        metadata: { name: spec.name, labels: { app: spec.name } },
        spec: {
          hosts: [host],
          http: [{
            name: 'default',
            route: [{ destination: { host, port: { number: spec.servicePort } } }],
            retries: {
              attempts: 3,
              perTryTimeout: '2s',
              retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes,5xx',
            },
            timeout: '10s',
          }],
        },
      });
      new istio.DestinationRule(scope, 'DestinationRule', {
        metadata: { name: spec.name, labels: { app: spec.name } },
        spec: {
          host,
          trafficPolicy: {
            outlierDetection: { consecutive5XxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 10 },
          },
        },
      });
    },
    objectsPerBackend: 2,
  },
};

/** Deployment, Service, PodDisruptionBudget and NetworkPolicy. */
export const BASE_OBJECTS_PER_BACKEND = 4;

/** The features named in a `--features a,b` list (`none` for none), refusing unknown names. */
export function parseFeatures(list: string | undefined): string[] {
  const names = (list ?? '').split(',').map(s => s.trim()).filter(s => s && s !== 'none');
  for (const name of names) {
    if (!FEATURES[name]) {
      const known = Object.keys(FEATURES).join(', ') || 'none yet';
      throw new Error(`unknown feature '${name}' (known: ${known})`);
    }
  }
  return names;
}

/** Objects per backend with these features on. */
export function objectsPerBackend(features: string[]): number {
  return features.reduce((sum, f) => sum + FEATURES[f].objectsPerBackend, BASE_OBJECTS_PER_BACKEND);
}

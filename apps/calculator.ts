import { Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ScalableBackend } from '../lib';

/**
 * The itdesign Kubernetes workshop (steps 03 to 06): the calculator backend, 3 replicas on 8080 behind a ClusterIP
 * Service on 80, and the frontend, 3 replicas on 3000 behind a LoadBalancer on 80, which finds the backend through
 * its Service name.
 *
 * Better than the workshop's YAML: pinned images pulled IfNotPresent, a PodDisruptionBudget and spread for each
 * tier, hardened containers (the Node.js images run as UID 10001 with a writable /tmp only).
 */
export class CalculatorChart extends Chart {
  public readonly backend: ScalableBackend;
  public readonly frontend: ScalableBackend;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);

    // The workshop's requests and limits: a guaranteed 128Mi, bursting to a full core.
    const resources: kplus.ContainerResources = {
      cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
      memory: { request: Size.mebibytes(128), limit: Size.mebibytes(128) },
    };

    this.backend = new ScalableBackend(this, 'calculator-backend', {
      name: 'calculator-backend',
      image: 'quay.io/kubernetes-workshop/calculator-backend:v1',
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      containerPort: 8080,
      servicePort: 80,
      replicas: 3,
      resources,
      liveness: kplus.Probe.fromHttpGet('/'),
      readiness: kplus.Probe.fromHttpGet('/'),
      writablePaths: ['/tmp'],
      labels: { app: 'calculator-backend' },
    });

    this.frontend = new ScalableBackend(this, 'calculator-frontend', {
      name: 'calculator-frontend',
      image: 'quay.io/kubernetes-workshop/calculator-frontend:v2',
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      containerPort: 3000,
      servicePort: 80,
      serviceType: kplus.ServiceType.LOAD_BALANCER,
      replicas: 3,
      resources,
      liveness: kplus.Probe.fromHttpGet('/'),
      readiness: kplus.Probe.fromHttpGet('/'),
      writablePaths: ['/tmp'],
      labels: { app: 'calculator-frontend' },
      env: {
        // Port 80 is the Service's, so the URL needs none.
        CALCULATOR_BACKEND_BASE_URL: kplus.EnvValue.fromValue(`http://${this.backend.service.name}`),
      },
    });
  }
}

import { Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { HttpFault, LoadBalancedService, ResilientDeployment } from 'cdk8s-resilience';

/**
 * The talk's fault-injection example (`nginx-color-http-error`): an nginx behind an Istio Gateway, and half of the
 * requests to `/app` answered 503 by the mesh before they reach it, to test how clients cope with a failing API.
 *
 * Today's Istio API: `percentage: { value: 50 }` instead of the removed `percent: 50`, and `networking.istio.io/v1`.
 * Better than the slide: the fault has a route of its own, so every other path is still served, with Istio's
 * retries; nginx answers `/app` itself (200), so each 503 seen is the injected one; 2 hardened replicas with probes,
 * requests and limits, a PodDisruptionBudget and spread. Label the namespace `istio-injection=enabled`; where it
 * enforces Pod Security "restricted", install Istio with its CNI plugin (the default `istio-init` needs NET_ADMIN).
 */
export class FaultInjectionChart extends Chart {
  public readonly nginx: ResilientDeployment;
  public readonly service: LoadBalancedService;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);

    // nginx-unprivileged listens on 8080 (no root for port 80); it writes only to /tmp.
    const config = new kplus.ConfigMap(this, 'nginx-config', {
      metadata: { name: 'nginx-config' },
      data: {
        'default.conf': [
          'server {',
          '    listen 8080;',
          '    location / {',
          '        root /usr/share/nginx/html;',
          '        index index.html;',
          '    }',
          '    location /app {',
          '        default_type text/plain;',
          '        return 200 "app: ok\\n";',
          '    }',
          '}',
          '',
        ].join('\n'),
      },
    });

    this.nginx = new ResilientDeployment(this, 'nginx', {
      metadata: { name: 'nginx', labels: { app: 'nginx' } },
      podMetadata: { labels: { app: 'nginx' } },
      replicas: 2,
      containers: [{
        name: 'nginx',
        image: 'nginxinc/nginx-unprivileged:1.27.2',
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        portNumber: 8080,
        readiness: kplus.Probe.fromHttpGet('/app', { port: 8080 }),
        liveness: kplus.Probe.fromHttpGet('/', { port: 8080 }),
      }],
    });
    const nginx = this.nginx.containers[0];
    nginx.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp'));
    nginx.mount('/etc/nginx/conf.d', kplus.Volume.fromConfigMap(this, 'conf', config));

    this.service = new LoadBalancedService(this, 'nginx-service', {
      target: this.nginx,
      name: 'nginx',
      port: 80,
      targetPort: 8080,
      fault: HttpFault.abort({ percent: 50, httpStatus: 503, pathPrefix: '/app' }),
      gateway: {
        name: 'nginx-color-gateway',
        hosts: ['*'],
        // The ingress gateway as the talk installs it (Helm chart `istio/gateway`, release `istio-ingress`).
        selector: { istio: 'ingress' },
      },
    });
  }
}

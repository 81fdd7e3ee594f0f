import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { HealthCheck, PortProtocol, ScalableBackend, ScalableWorker } from 'cdk8s-resilience';

const REGISTRY = 'us-central1-docker.pkg.dev/google-samples/microservices-demo';
const VERSION = 'v0.10.1';

/** The address other services use: `<Service name>:<port>`. */
function address(backend: ScalableBackend): kplus.EnvValue {
  return kplus.EnvValue.fromValue(`${backend.service.name}:${backend.service.port}`);
}

/**
 * A shop modelled on Google's Online Boutique demo: an HTTP frontend, gRPC services that call each other by Service
 * name, a Redis cart store and a load generator as a worker. Written with the highest-level constructs only, no
 * JSON patch: gRPC health checks, port protocols (Istio sees gRPC, not HTTP/1), `app: <name>` selectors as in the
 * upstream YAML (so its Deployments can be adopted), readable names (the construct id), a pre-stop delay so that a
 * stopping pod leaves the endpoints before it stops listening.
 */
export class MicroservicesChart extends Chart {
  public readonly services: { [name: string]: ScalableBackend } = {};
  public readonly loadGenerator: ScalableWorker;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const labels = { 'app.kubernetes.io/part-of': 'boutique' };
    const small: kplus.ContainerResources = {
      cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(200) },
      memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
    };
    const grpc = (name: string, port: number, env: { [k: string]: kplus.EnvValue } = {}) => {
      const backend = new ScalableBackend(this, name, {
        image: `${REGISTRY}/${name}:${VERSION}`,
        containerPort: port,
        protocol: PortProtocol.GRPC,
        selectorLabels: { app: name },
        labels,
        readiness: HealthCheck.grpc(port, { periodSeconds: Duration.seconds(5) }),
        liveness: HealthCheck.grpc(port, { periodSeconds: Duration.seconds(10) }),
        env: { PORT: kplus.EnvValue.fromValue(String(port)), ...env },
        resources: small,
        preStopDelay: Duration.seconds(5),
      });
      this.services[name] = backend;
      return backend;
    };

    const redis = new ScalableBackend(this, 'redis-cart', {
      image: 'redis:7.2.5-alpine',
      containerPort: 6379,
      protocol: PortProtocol.REDIS,
      selectorLabels: { app: 'redis-cart' },
      labels,
      replicas: 1,
      writablePaths: ['/data'],
      // Readiness is the default TCP check; liveness asks Redis itself.
      liveness: kplus.Probe.fromCommand(['redis-cli', 'ping'], { periodSeconds: Duration.seconds(10) }),
      resources: {
        cpu: { request: kplus.Cpu.millis(70), limit: kplus.Cpu.millis(125) },
        memory: { request: Size.mebibytes(200), limit: Size.mebibytes(256) },
      },
    });
    this.services['redis-cart'] = redis;

    const catalog = grpc('productcatalogservice', 3550);
    const currency = grpc('currencyservice', 7000);
    const cart = grpc('cartservice', 7070, { REDIS_ADDR: address(redis) });
    const recommendation = grpc('recommendationservice', 8080, { PRODUCT_CATALOG_SERVICE_ADDR: address(catalog) });
    const shipping = grpc('shippingservice', 50051);
    const payment = grpc('paymentservice', 50052);
    const email = grpc('emailservice', 5000);
    const checkout = grpc('checkoutservice', 5050, {
      PRODUCT_CATALOG_SERVICE_ADDR: address(catalog),
      SHIPPING_SERVICE_ADDR: address(shipping),
      PAYMENT_SERVICE_ADDR: address(payment),
      EMAIL_SERVICE_ADDR: address(email),
      CURRENCY_SERVICE_ADDR: address(currency),
      CART_SERVICE_ADDR: address(cart),
    });

    const frontend = new ScalableBackend(this, 'frontend', {
      image: `${REGISTRY}/frontend:${VERSION}`,
      containerPort: 8080,
      servicePort: 80,
      protocol: PortProtocol.HTTP,
      selectorLabels: { app: 'frontend' },
      labels,
      readiness: HealthCheck.httpGet('/_healthz', { headers: { Cookie: 'shop_session-id=x-readiness-probe' } }),
      // Liveness asks less than readiness: that the server still accepts connections (a different check from
      // readiness, as kube-score requires, so that a slow health page never restarts a pod that only needs rest).
      liveness: HealthCheck.tcp({ periodSeconds: Duration.seconds(10) }),
      env: {
        PORT: kplus.EnvValue.fromValue('8080'),
        PRODUCT_CATALOG_SERVICE_ADDR: address(catalog),
        CURRENCY_SERVICE_ADDR: address(currency),
        CART_SERVICE_ADDR: address(cart),
        RECOMMENDATION_SERVICE_ADDR: address(recommendation),
        SHIPPING_SERVICE_ADDR: address(shipping),
        CHECKOUT_SERVICE_ADDR: address(checkout),
      },
      resources: small,
      preStopDelay: Duration.seconds(5),
      terminationGracePeriod: Duration.seconds(20),
      retries: { attempts: 3, retryOn: 'connect-failure,refused-stream,unavailable' },
    });
    this.services.frontend = frontend;

    this.loadGenerator = new ScalableWorker(this, 'loadgenerator', {
      image: `${REGISTRY}/loadgenerator:${VERSION}`,
      replicas: 1,
      selectorLabels: { app: 'loadgenerator' },
      labels,
      env: { FRONTEND_ADDR: address(frontend), USERS: kplus.EnvValue.fromValue('10') },
      resources: {
        cpu: { request: kplus.Cpu.millis(300), limit: kplus.Cpu.millis(500) },
        memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
      },
      writablePaths: ['/tmp'],
    });
  }
}

package com.example.calculator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.cdk8s.ApiObjectMetadata;
import org.cdk8s.App;
import org.cdk8s.AppProps;
import org.cdk8s.Chart;
import org.cdk8s.Duration;
import org.cdk8s.Size;
import org.cdk8s.YamlOutputType;
import org.cdk8s.plus27.CommandProbeOptions;
import org.cdk8s.plus27.ContainerPort;
import org.cdk8s.plus27.ContainerProps;
import org.cdk8s.plus27.ContainerResources;
import org.cdk8s.plus27.Cpu;
import org.cdk8s.plus27.CpuResources;
import org.cdk8s.plus27.EnvValue;
import org.cdk8s.plus27.ISecret;
import org.cdk8s.plus27.ImagePullPolicy;
import org.cdk8s.plus27.MemoryResources;
import org.cdk8s.plus27.Namespace;
import org.cdk8s.plus27.Probe;
import org.cdk8s.plus27.Secret;
import org.cdk8s.plus27.SecretValue;
import org.cdk8s.plus27.Service;
import org.cdk8s.plus27.ServicePort;
import org.cdk8s.plus27.ServiceType;
import org.cdk8s.plus27.PathMapping;
import org.cdk8s.plus27.SecretVolumeOptions;
import org.cdk8s.plus27.TcpSocketProbeOptions;
import org.cdk8s.plus27.Volume;
import org.cdk8s.plus27.VolumeMount;
import software.constructs.Construct;

import dev.cdk8sresilience.PodSecurityOptions;
import dev.cdk8sresilience.ResilientStatefulSet;
import dev.cdk8sresilience.ScalableBackend;
import dev.cdk8sresilience.ScalableBackendProps;
import dev.cdk8sresilience.SessionStore;
import dev.cdk8sresilience.SessionStoreEnvNames;
import dev.cdk8sresilience.VolumeClaimTemplate;

/** The calculator app of apps/calculator.ts: `cdk8s synth` (or `mvn exec:java`) writes one YAML file per chart. */
public final class Main {
    /** The workshop's requests and limits for both tiers: a guaranteed 128Mi, bursting to a full core. */
    static final ContainerResources RESOURCES = ContainerResources.builder()
            .cpu(CpuResources.builder().request(Cpu.millis(100)).limit(Cpu.millis(1000)).build())
            .memory(MemoryResources.builder().request(Size.mebibytes(128)).limit(Size.mebibytes(128)).build())
            .build();

    /** Where PostgreSQL's Secret is mounted, for the image's POSTGRES_PASSWORD_FILE. */
    static final String SECRETS_PATH = "/run/secrets/postgresql";

    /** The calculator backend as steps 03 to 07 run it: 3 replicas on 8080 behind a ClusterIP Service on 80. */
    static ScalableBackendProps.Builder backend() {
        return ScalableBackendProps.builder()
                .name("calculator-backend")
                .image("quay.io/kubernetes-workshop/calculator-backend:v1")
                .imagePullPolicy(ImagePullPolicy.IF_NOT_PRESENT)
                .containerPort(8080)
                .servicePort(80)
                .replicas(3)
                .resources(RESOURCES)
                .readiness(Probe.fromHttpGet("/"))
                .liveness(Probe.fromTcpSocket())
                .writablePaths(List.of("/tmp"))
                .labels(Map.of("app", "calculator-backend"));
    }

    /** Steps 03 to 06: the backend, and the frontend behind a LoadBalancer that finds it through its Service. */
    public static class CalculatorChart extends Chart {
        public final ScalableBackend backend;
        public final ScalableBackend frontend;

        public CalculatorChart(final Construct scope, final String id) {
            super(scope, id);
            this.backend = new ScalableBackend(this, "calculator-backend", backend().build());
            this.frontend = ScalableBackend.Builder.create(this, "calculator-frontend")
                    .name("calculator-frontend")
                    .image("quay.io/kubernetes-workshop/calculator-frontend:v2")
                    .imagePullPolicy(ImagePullPolicy.IF_NOT_PRESENT)
                    .containerPort(3000)
                    .servicePort(80)
                    .serviceType(ServiceType.LOAD_BALANCER)
                    .replicas(3)
                    .resources(RESOURCES)
                    .readiness(Probe.fromHttpGet("/"))
                    .liveness(Probe.fromTcpSocket())
                    .writablePaths(List.of("/tmp"))
                    .labels(Map.of("app", "calculator-frontend"))
                    // Port 80 is the Service's, so the URL needs none.
                    .env(Map.of("CALCULATOR_BACKEND_BASE_URL",
                            EnvValue.fromValue("http://" + this.backend.getService().getName())))
                    .build();
        }
    }

    /** Step 07: the backend with its PostgreSQL StatefulSet, in the namespace calculator-db. */
    public static class CalculatorDatabaseChart extends Chart {
        public final ResilientStatefulSet postgresql;
        public final Service postgresqlService;
        public final ScalableBackend backend;

        public CalculatorDatabaseChart(final Construct scope, final String id) {
            super(scope, id);
            final String namespace = "calculator-db";
            Namespace.Builder.create(this, "namespace")
                    .metadata(ApiObjectMetadata.builder()
                            .name(namespace)
                            .labels(Map.of("pod-security.kubernetes.io/enforce", "restricted"))
                            .build())
                    .build();
            final ISecret secret = Secret.fromSecretName(this, "postgresql-secret", "calculator-postgresql");

            this.postgresqlService = Service.Builder.create(this, "postgresql-service")
                    .metadata(ApiObjectMetadata.builder().name("postgresql").namespace(namespace).build())
                    .clusterIp("None")
                    .ports(List.of(ServicePort.builder().name("postgres").port(5432).targetPort(5432).build()))
                    .build();
            // pg_isready over TCP: while initdb runs, the entrypoint's temporary server listens on its socket only.
            final List<String> ready = List.of("pg_isready", "--host=127.0.0.1", "--port=5432", "--username=postgres",
                    "--dbname=calculator");
            // The order of the variables is the order in the manifest.
            final Map<String, EnvValue> env = new LinkedHashMap<>();
            env.put("POSTGRES_USER", EnvValue.fromValue("postgres"));
            // A file of the mounted Secret, not an environment variable: the image's entrypoint reads it.
            env.put("POSTGRES_PASSWORD_FILE", EnvValue.fromValue(SECRETS_PATH + "/password"));
            env.put("POSTGRES_DB", EnvValue.fromValue("calculator"));
            env.put("PGDATA", EnvValue.fromValue("/var/lib/postgresql/data/data"));
            this.postgresql = ResilientStatefulSet.Builder.create(this, "postgresql")
                    .metadata(ApiObjectMetadata.builder().name("postgresql").namespace(namespace).build())
                    .service(this.postgresqlService)
                    .security(PodSecurityOptions.builder().user(999).group(999).build())
                    .volumeClaims(List.of(VolumeClaimTemplate.builder()
                            .name("data-storage")
                            .storage(Size.gibibytes(1))
                            .mountPath("/var/lib/postgresql/data")
                            .build()))
                    .containers(List.of(ContainerProps.builder()
                            .name("server")
                            .image("postgres:16.4")
                            .imagePullPolicy(ImagePullPolicy.IF_NOT_PRESENT)
                            .ports(List.of(ContainerPort.builder().name("postgres").number(5432).build()))
                            .envVariables(env)
                            .resources(ContainerResources.builder()
                                    .cpu(CpuResources.builder().request(Cpu.millis(100)).limit(Cpu.millis(1000)).build())
                                    .memory(MemoryResources.builder().request(Size.mebibytes(256)).limit(Size.mebibytes(256)).build())
                                    .build())
                            .readiness(Probe.fromCommand(ready, CommandProbeOptions.builder()
                                    .periodSeconds(Duration.seconds(5)).timeoutSeconds(Duration.seconds(5)).build()))
                            .liveness(Probe.fromTcpSocket(TcpSocketProbeOptions.builder().port(5432)
                                    .periodSeconds(Duration.seconds(10)).failureThreshold(6).timeoutSeconds(Duration.seconds(5)).build()))
                            .startup(Probe.fromCommand(ready, CommandProbeOptions.builder()
                                    .periodSeconds(Duration.seconds(5)).failureThreshold(60).timeoutSeconds(Duration.seconds(5)).build()))
                            .volumeMounts(List.of(VolumeMount.builder()
                                    .path(SECRETS_PATH)
                                    .volume(Volume.fromSecret(this, "postgresql-secret-volume", secret, SecretVolumeOptions.builder()
                                            .name("secrets").defaultMode(0440).items(Map.of("password", PathMapping.builder().path("password").build()))
                                            .build()))
                                    .readOnly(true)
                                    .build()))
                            .build()))
                    .build();
            final List<String> writable = List.of("/var/run/postgresql", "/tmp");
            for (int i = 0; i < writable.size(); i++) {
                this.postgresql.getContainers().get(0)
                        .mount(writable.get(i), Volume.fromEmptyDir(this, "postgresql-writable-" + i, "writable-" + i));
            }

            final SessionStore database = SessionStore.Builder.create(this, "database")
                    .service(this.postgresqlService)
                    .passwordSecret(secret)
                    .user("postgres")
                    .database("calculator")
                    .envNames(SessionStoreEnvNames.builder()
                            .host("PG_HOST").port("PG_PORT").user("PG_USER").password("PG_PASSWORD").database("PG_DATABASE")
                            .build())
                    .build();
            this.backend = new ScalableBackend(this, "calculator-backend",
                    backend().namespace(namespace).env(database.getEnv()).build());
        }
    }

    public static void main(final String[] args) {
        final App app = new App(AppProps.builder()
                .outputFileExtension(".yaml")
                .yamlOutputType(YamlOutputType.FILE_PER_CHART)
                .build());
        new CalculatorChart(app, "calculator");
        new CalculatorDatabaseChart(app, "calculator-db");
        app.synth();
    }
}

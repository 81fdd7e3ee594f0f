#!/usr/bin/env python3
"""The calculator app of apps/calculator.ts, written in Python against the cdk8s-resilience wheel.

`cdk8s synth` (or `python app.py`) writes one YAML file per chart into $CDK8S_OUTDIR (default: dist).
"""
from constructs import Construct
from cdk8s import ApiObjectMetadata, App, Chart, Duration, Size, YamlOutputType
import cdk8s_plus_27 as kplus
from cdk8s_resilience import (
    PodSecurityOptions,
    ResilientStatefulSet,
    ScalableBackend,
    SessionStore,
    SessionStoreEnvNames,
    VolumeClaimTemplate,
)

# Where PostgreSQL's Secret is mounted, for the image's POSTGRES_PASSWORD_FILE.
SECRETS_PATH = "/run/secrets/postgresql"

# The workshop's requests and limits for both tiers: a guaranteed 128Mi, bursting to a full core.
RESOURCES = kplus.ContainerResources(
    cpu=kplus.CpuResources(request=kplus.Cpu.millis(100), limit=kplus.Cpu.millis(1000)),
    memory=kplus.MemoryResources(request=Size.mebibytes(128), limit=Size.mebibytes(128)),
)

# The calculator backend as steps 03 to 07 run it: 3 replicas on 8080 behind a ClusterIP Service on 80.
BACKEND = dict(
    name="calculator-backend",
    image="quay.io/kubernetes-workshop/calculator-backend:v1",
    image_pull_policy=kplus.ImagePullPolicy.IF_NOT_PRESENT,
    container_port=8080,
    service_port=80,
    replicas=3,
    resources=RESOURCES,
    readiness=kplus.Probe.from_http_get("/"),
    liveness=kplus.Probe.from_tcp_socket(),
    writable_paths=["/tmp"],
    labels={"app": "calculator-backend"},
)


class CalculatorChart(Chart):
    """Steps 03 to 06: the backend, and the frontend behind a LoadBalancer that finds it through its Service."""

    def __init__(self, scope: Construct, id: str, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        self.backend = ScalableBackend(self, "calculator-backend", **BACKEND)
        self.frontend = ScalableBackend(
            self,
            "calculator-frontend",
            name="calculator-frontend",
            image="quay.io/kubernetes-workshop/calculator-frontend:v2",
            image_pull_policy=kplus.ImagePullPolicy.IF_NOT_PRESENT,
            container_port=3000,
            service_port=80,
            service_type=kplus.ServiceType.LOAD_BALANCER,
            replicas=3,
            resources=RESOURCES,
            readiness=kplus.Probe.from_http_get("/"),
            liveness=kplus.Probe.from_tcp_socket(),
            writable_paths=["/tmp"],
            labels={"app": "calculator-frontend"},
            env={
                # Port 80 is the Service's, so the URL needs none.
                "CALCULATOR_BACKEND_BASE_URL": kplus.EnvValue.from_value(f"http://{self.backend.service.name}"),
            },
        )


class CalculatorDatabaseChart(Chart):
    """Step 07: the backend with its PostgreSQL StatefulSet, in the namespace calculator-db."""

    def __init__(self, scope: Construct, id: str, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        namespace = "calculator-db"
        kplus.Namespace(
            self,
            "namespace",
            metadata=ApiObjectMetadata(name=namespace, labels={"pod-security.kubernetes.io/enforce": "restricted"}),
        )
        secret = kplus.Secret.from_secret_name(self, "postgresql-secret", "calculator-postgresql")

        self.postgresql_service = kplus.Service(
            self,
            "postgresql-service",
            metadata=ApiObjectMetadata(name="postgresql", namespace=namespace),
            cluster_ip="None",
            ports=[kplus.ServicePort(name="postgres", port=5432, target_port=5432)],
        )
        # pg_isready over TCP: while initdb runs, the entrypoint's temporary server listens on its socket only.
        ready = ["pg_isready", "--host=127.0.0.1", "--port=5432", "--username=postgres", "--dbname=calculator"]
        self.postgresql = ResilientStatefulSet(
            self,
            "postgresql",
            metadata=ApiObjectMetadata(name="postgresql", namespace=namespace),
            service=self.postgresql_service,
            security=PodSecurityOptions(user=999, group=999),
            volume_claims=[
                VolumeClaimTemplate(name="data-storage", storage=Size.gibibytes(1), mount_path="/var/lib/postgresql/data"),
            ],
            containers=[
                kplus.ContainerProps(
                    name="server",
                    image="postgres:16.4",
                    image_pull_policy=kplus.ImagePullPolicy.IF_NOT_PRESENT,
                    ports=[kplus.ContainerPort(name="postgres", number=5432)],
                    env_variables={
                        "POSTGRES_USER": kplus.EnvValue.from_value("postgres"),
                        "POSTGRES_PASSWORD_FILE": kplus.EnvValue.from_value(f"{SECRETS_PATH}/password"),
                        "POSTGRES_DB": kplus.EnvValue.from_value("calculator"),
                        "PGDATA": kplus.EnvValue.from_value("/var/lib/postgresql/data/data"),
                    },
                    resources=kplus.ContainerResources(
                        cpu=kplus.CpuResources(request=kplus.Cpu.millis(100), limit=kplus.Cpu.millis(1000)),
                        memory=kplus.MemoryResources(request=Size.mebibytes(256), limit=Size.mebibytes(256)),
                    ),
                    readiness=kplus.Probe.from_command(ready, period_seconds=Duration.seconds(5), timeout_seconds=Duration.seconds(5)),
                    liveness=kplus.Probe.from_tcp_socket(
                        port=5432, period_seconds=Duration.seconds(10), failure_threshold=6, timeout_seconds=Duration.seconds(5)),
                    startup=kplus.Probe.from_command(
                        ready, period_seconds=Duration.seconds(5), failure_threshold=60, timeout_seconds=Duration.seconds(5)),
                    volume_mounts=[kplus.VolumeMount(
                        path=SECRETS_PATH,
                        volume=kplus.Volume.from_secret(
                            self, "postgresql-secret-volume", secret, name="secrets", default_mode=0o440,
                            items={"password": kplus.PathMapping(path="password")}),
                        read_only=True,
                    )],
                ),
            ],
        )
        for i, path in enumerate(["/var/run/postgresql", "/tmp"]):
            self.postgresql.containers[0].mount(
                path, kplus.Volume.from_empty_dir(self, f"postgresql-writable-{i}", f"writable-{i}"))

        database = SessionStore(
            self,
            "database",
            service=self.postgresql_service,
            password_secret=secret,
            user="postgres",
            database="calculator",
            env_names=SessionStoreEnvNames(
                host="PG_HOST", port="PG_PORT", user="PG_USER", password="PG_PASSWORD", database="PG_DATABASE"),
        )
        self.backend = ScalableBackend(self, "calculator-backend", **{**BACKEND, "namespace": namespace, "env": database.env})


app = App(output_file_extension=".yaml", yaml_output_type=YamlOutputType.FILE_PER_CHART)
CalculatorChart(app, "calculator")
CalculatorDatabaseChart(app, "calculator-db")
app.synth()

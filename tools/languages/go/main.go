// The calculator app of apps/calculator.ts, written in Go against the cdk8sresilience module.
// `cdk8s synth` (or `go run .`) writes one YAML file per chart into $CDK8S_OUTDIR (default: dist).
package main

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-resilience/cdk8s-resilience-go/cdk8sresilience"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	kplus "github.com/cdk8s-team/cdk8s-plus-go/cdk8splus27/v2"
)

// resources are the workshop's requests and limits for both tiers: a guaranteed 128Mi, bursting to a full core.
// Where PostgreSQL's Secret is mounted, for the image's POSTGRES_PASSWORD_FILE.
const secretsPath = "/run/secrets/postgresql"

func resources() *kplus.ContainerResources {
	return &kplus.ContainerResources{
		Cpu:    &kplus.CpuResources{Request: kplus.Cpu_Millis(jsii.Number(100)), Limit: kplus.Cpu_Millis(jsii.Number(1000))},
		Memory: &kplus.MemoryResources{Request: cdk8s.Size_Mebibytes(jsii.Number(128)), Limit: cdk8s.Size_Mebibytes(jsii.Number(128))},
	}
}

// backend is the calculator backend as steps 03 to 07 run it: 3 replicas on 8080 behind a ClusterIP Service on 80.
func backend() *cdk8sresilience.ScalableBackendProps {
	return &cdk8sresilience.ScalableBackendProps{
		Name:            jsii.String("calculator-backend"),
		Image:           jsii.String("quay.io/kubernetes-workshop/calculator-backend:v1"),
		ImagePullPolicy: kplus.ImagePullPolicy_IF_NOT_PRESENT,
		ContainerPort:   jsii.Number(8080),
		ServicePort:     jsii.Number(80),
		Replicas:        jsii.Number(3),
		Resources:       resources(),
		Readiness:       kplus.Probe_FromHttpGet(jsii.String("/"), nil),
		Liveness:        kplus.Probe_FromTcpSocket(nil),
		WritablePaths:   jsii.Strings("/tmp"),
		Labels:          &map[string]*string{"app": jsii.String("calculator-backend")},
	}
}

// NewCalculatorChart builds steps 03 to 06: the backend, and the frontend behind a LoadBalancer that finds it
// through its Service.
func NewCalculatorChart(scope constructs.Construct, id string) cdk8s.Chart {
	chart := cdk8s.NewChart(scope, jsii.String(id), nil)
	back := cdk8sresilience.NewScalableBackend(chart, jsii.String("calculator-backend"), backend())
	cdk8sresilience.NewScalableBackend(chart, jsii.String("calculator-frontend"), &cdk8sresilience.ScalableBackendProps{
		Name:            jsii.String("calculator-frontend"),
		Image:           jsii.String("quay.io/kubernetes-workshop/calculator-frontend:v2"),
		ImagePullPolicy: kplus.ImagePullPolicy_IF_NOT_PRESENT,
		ContainerPort:   jsii.Number(3000),
		ServicePort:     jsii.Number(80),
		ServiceType:     kplus.ServiceType_LOAD_BALANCER,
		Replicas:        jsii.Number(3),
		Resources:       resources(),
		Readiness:       kplus.Probe_FromHttpGet(jsii.String("/"), nil),
		Liveness:        kplus.Probe_FromTcpSocket(nil),
		WritablePaths:   jsii.Strings("/tmp"),
		Labels:          &map[string]*string{"app": jsii.String("calculator-frontend")},
		Env: &map[string]kplus.EnvValue{
			// Port 80 is the Service's, so the URL needs none.
			"CALCULATOR_BACKEND_BASE_URL": kplus.EnvValue_FromValue(jsii.String("http://" + *back.Service().Name())),
		},
	})
	return chart
}

// NewCalculatorDatabaseChart builds step 07: the backend with its PostgreSQL StatefulSet, in the namespace
// calculator-db.
func NewCalculatorDatabaseChart(scope constructs.Construct, id string) cdk8s.Chart {
	chart := cdk8s.NewChart(scope, jsii.String(id), nil)
	namespace := jsii.String("calculator-db")
	kplus.NewNamespace(chart, jsii.String("namespace"), &kplus.NamespaceProps{
		Metadata: &cdk8s.ApiObjectMetadata{
			Name:   namespace,
			Labels: &map[string]*string{"pod-security.kubernetes.io/enforce": jsii.String("restricted")},
		},
	})
	secret := kplus.Secret_FromSecretName(chart, jsii.String("postgresql-secret"), jsii.String("calculator-postgresql"))

	service := kplus.NewService(chart, jsii.String("postgresql-service"), &kplus.ServiceProps{
		Metadata:  &cdk8s.ApiObjectMetadata{Name: jsii.String("postgresql"), Namespace: namespace},
		ClusterIP: jsii.String("None"),
		Ports:     &[]*kplus.ServicePort{{Name: jsii.String("postgres"), Port: jsii.Number(5432), TargetPort: jsii.Number(5432)}},
	})
	// pg_isready over TCP: while initdb runs, the entrypoint's temporary server listens on its socket only.
	ready := jsii.Strings("pg_isready", "--host=127.0.0.1", "--port=5432", "--username=postgres", "--dbname=calculator")
	postgresql := cdk8sresilience.NewResilientStatefulSet(chart, jsii.String("postgresql"), &cdk8sresilience.ResilientStatefulSetProps{
		Metadata: &cdk8s.ApiObjectMetadata{Name: jsii.String("postgresql"), Namespace: namespace},
		Service:  service,
		Security: &cdk8sresilience.PodSecurityOptions{User: jsii.Number(999), Group: jsii.Number(999)},
		VolumeClaims: &[]*cdk8sresilience.VolumeClaimTemplate{{
			Name:      jsii.String("data-storage"),
			Storage:   cdk8s.Size_Gibibytes(jsii.Number(1)),
			MountPath: jsii.String("/var/lib/postgresql/data"),
		}},
		Containers: &[]*kplus.ContainerProps{{
			Name:            jsii.String("server"),
			Image:           jsii.String("postgres:16.4"),
			ImagePullPolicy: kplus.ImagePullPolicy_IF_NOT_PRESENT,
			Ports:           &[]*kplus.ContainerPort{{Name: jsii.String("postgres"), Number: jsii.Number(5432)}},
			Resources: &kplus.ContainerResources{
				Cpu:    &kplus.CpuResources{Request: kplus.Cpu_Millis(jsii.Number(100)), Limit: kplus.Cpu_Millis(jsii.Number(1000))},
				Memory: &kplus.MemoryResources{Request: cdk8s.Size_Mebibytes(jsii.Number(256)), Limit: cdk8s.Size_Mebibytes(jsii.Number(256))},
			},
			Readiness: kplus.Probe_FromCommand(ready, &kplus.CommandProbeOptions{
				PeriodSeconds: cdk8s.Duration_Seconds(jsii.Number(5)), TimeoutSeconds: cdk8s.Duration_Seconds(jsii.Number(5))}),
			Liveness: kplus.Probe_FromTcpSocket(&kplus.TcpSocketProbeOptions{Port: jsii.Number(5432),
				PeriodSeconds: cdk8s.Duration_Seconds(jsii.Number(10)), FailureThreshold: jsii.Number(6), TimeoutSeconds: cdk8s.Duration_Seconds(jsii.Number(5))}),
			Startup: kplus.Probe_FromCommand(ready, &kplus.CommandProbeOptions{
				PeriodSeconds: cdk8s.Duration_Seconds(jsii.Number(5)), FailureThreshold: jsii.Number(60), TimeoutSeconds: cdk8s.Duration_Seconds(jsii.Number(5))}),
			VolumeMounts: &[]*kplus.VolumeMount{{
				Path: jsii.String(secretsPath),
				Volume: kplus.Volume_FromSecret(chart, jsii.String("postgresql-secret-volume"), secret, &kplus.SecretVolumeOptions{
					Name: jsii.String("secrets"), DefaultMode: jsii.Number(0o440),
					Items: &map[string]*kplus.PathMapping{"password": {Path: jsii.String("password")}},
				}),
				ReadOnly: jsii.Bool(true),
			}},
		}},
	})
	server := (*postgresql.Containers())[0]
	// A Go map has no order (jsii passes it sorted by name): the variables are added one by one, in manifest order.
	server.Env().AddVariable(jsii.String("POSTGRES_USER"), kplus.EnvValue_FromValue(jsii.String("postgres")))
	// A file of the mounted Secret, not an environment variable: the image's entrypoint reads it.
	server.Env().AddVariable(jsii.String("POSTGRES_PASSWORD_FILE"), kplus.EnvValue_FromValue(jsii.String(secretsPath+"/password")))
	server.Env().AddVariable(jsii.String("POSTGRES_DB"), kplus.EnvValue_FromValue(jsii.String("calculator")))
	// The workshop's subPath `data`, as PGDATA: initdb never meets the volume's lost+found.
	server.Env().AddVariable(jsii.String("PGDATA"), kplus.EnvValue_FromValue(jsii.String("/var/lib/postgresql/data/data")))
	for i, path := range []string{"/var/run/postgresql", "/tmp"} {
		volume := kplus.Volume_FromEmptyDir(chart, jsii.String(fmt.Sprintf("postgresql-writable-%d", i)), jsii.String(fmt.Sprintf("writable-%d", i)), nil)
		server.Mount(jsii.String(path), volume, nil)
	}

	database := cdk8sresilience.NewSessionStore(chart, jsii.String("database"), &cdk8sresilience.SessionStoreProps{
		Service:        service,
		PasswordSecret: secret,
		User:           jsii.String("postgres"),
		Database:       jsii.String("calculator"),
		EnvNames: &cdk8sresilience.SessionStoreEnvNames{
			Host: jsii.String("PG_HOST"), Port: jsii.String("PG_PORT"), User: jsii.String("PG_USER"),
			Password: jsii.String("PG_PASSWORD"), Database: jsii.String("PG_DATABASE"),
		},
	})
	props := backend()
	props.Namespace = namespace
	back := cdk8sresilience.NewScalableBackend(chart, jsii.String("calculator-backend"), props)
	// Not `props.Env = database.Env()`: that map would reach the manifest sorted by name. Bind keeps the store's order.
	database.Bind((*back.Deployment().Containers())[0])
	return chart
}

func main() {
	app := cdk8s.NewApp(&cdk8s.AppProps{
		OutputFileExtension: jsii.String(".yaml"),
		YamlOutputType:      cdk8s.YamlOutputType_FILE_PER_CHART,
	})
	NewCalculatorChart(app, "calculator")
	NewCalculatorDatabaseChart(app, "calculator-db")
	app.Synth()
}

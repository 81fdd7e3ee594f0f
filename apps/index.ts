import { App } from 'cdk8s';
import { CalculatorChart, CalculatorDatabaseChart } from './calculator';
import { chaosExperiment } from './chaos-experiment';
import { FaultInjectionChart } from './fault-injection';
import { HighloadChart } from './highload';
import { KubeMonkeyChart } from './kube-monkey';
import { MicroservicesChart } from './microservices';
import { PhpApacheChart, PhpApacheKedaChart } from './php-apache';
import { AZURE_CLUSTER, GKE_CLUSTER, PlaygroundClusterChart } from './playground';
import { TodoApiChart } from './todoapi';
import { WebgatosChart } from './webgatos';
import { WebgatosHazelcastChart, WebgatosMysqlChart } from './webgatos-sessions';

/**
 * Every example app: its name (the folder under the synth output) and how to build its charts into an App.
 * `main.ts` synthesizes them all; the tests validate and snapshot each one.
 */
export const APPS: { [name: string]: (app: App) => void } = {
  'calculator': app => { new CalculatorChart(app, 'calculator'); new CalculatorDatabaseChart(app, 'calculator-db'); },
  'todoapi': app => { new TodoApiChart(app, 'todoapi'); },
  'php-apache': app => { new PhpApacheChart(app, 'php-apache'); new PhpApacheKedaChart(app, 'php-apache-keda'); },
  'playground': app => { new PlaygroundClusterChart(app, 'playground-gke', GKE_CLUSTER); new PlaygroundClusterChart(app, 'playground-azure', AZURE_CLUSTER); },
  'webgatos': app => { new WebgatosChart(app, 'webgatos'); },
  'fault-injection': app => { new FaultInjectionChart(app, 'fault-injection'); },
  'chaos-experiment': app => { chaosExperiment(app); },
  'kube-monkey': app => { new KubeMonkeyChart(app, 'kube-monkey'); },
  'highload': app => { new HighloadChart(app, 'highload'); },
  'microservices': app => { new MicroservicesChart(app, 'microservices', { namespace: 'boutique' }); },
  'webgatos-sessions': app => { new WebgatosMysqlChart(app, 'webgatos-mysql'); new WebgatosHazelcastChart(app, 'webgatos-hazelcast'); },
};

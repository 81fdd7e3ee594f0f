import { Chart, Duration, Size, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { compact } from '../core/util';
import {
  checkDnsLabel, checkImage, checkResources, checkWholeNumber, checkWholeSeconds, propError, requireProps, Subject, subjectOf,
} from '../core/validation';
import { NetworkPolicyOptions, WorkloadNetworkPolicy } from '../workload/network-policy';
import { PodSecurity, PodSecurityOptions } from '../workload/pod-security';
import { WorkloadDefaults } from '../workload/workload-defaults';

/**
 * One phase of a load test: for `duration`, new virtual users arrive at `arrivalRate` per second (ramping to
 * `rampTo`), or `arrivalCount` of them spread over the phase. Each virtual user runs the requests once.
 * @see https://www.artillery.io/docs/reference/test-script#phases---load-phases
 */
export interface LoadPhase {
  /**
   * How long the phase lasts; whole seconds, at least 1 s.
   */
  readonly duration: Duration;

  /**
   * New virtual users per second (a whole number; 0 with no `rampTo` is a pause). Exactly one of `arrivalRate`
   * and `arrivalCount`.
   * @default - none: `arrivalCount` is used
   */
  readonly arrivalRate?: number;

  /**
   * Ramp the arrival rate linearly from `arrivalRate` up (or down) to this rate by the end of the phase.
   * @default - a constant `arrivalRate`
   */
  readonly rampTo?: number;

  /**
   * The number of virtual users arriving over the whole phase. Exactly one of `arrivalRate` and `arrivalCount`.
   * @default - none: `arrivalRate` is used
   */
  readonly arrivalCount?: number;

  /**
   * The most virtual users active at once in this phase.
   * @default - no cap
   */
  readonly maxVusers?: number;

  /**
   * The name of the phase in artillery's report.
   * @default - unnamed
   */
  readonly name?: string;
}

/**
 * HTTP methods of load test requests.
 */
export enum LoadTestMethod {
  /** GET */
  GET = 'get',
  /** POST */
  POST = 'post',
  /** PUT */
  PUT = 'put',
  /** PATCH */
  PATCH = 'patch',
  /** DELETE */
  DELETE = 'delete',
  /** HEAD */
  HEAD = 'head',
}

/**
 * One request each virtual user sends.
 */
export interface LoadRequest {
  /**
   * The path (and query), relative to the target.
   * @default '/'
   */
  readonly path?: string;

  /**
   * The HTTP method.
   * @default LoadTestMethod.GET
   */
  readonly method?: LoadTestMethod;

  /**
   * The status code the response must have. Another status fails the virtual user (so it counts against
   * `maxErrorRate`), and artillery's expect plugin then also ends the run with a non-zero exit code: the Job fails
   * on any unexpected status.
   * @default - no check: only connection errors and timeouts fail a virtual user
   */
  readonly expectStatus?: number;
}

/**
 * Props of `LoadTest`.
 */
export interface LoadTestProps {
  /**
   * The base URL, e.g. `http://webapp.shop.svc.cluster.local:8080` (see `LoadTest.urlOf(service)`).
   */
  readonly target: string;

  /**
   * The load phases, run one after the other. At least one.
   */
  readonly phases: LoadPhase[];

  /**
   * The requests of each virtual user, in order.
   * @default - one GET of '/' expecting 200, as in the workshop's scenario
   */
  readonly requests?: LoadRequest[];

  /**
   * Reuse this many TCP connections for all virtual users (artillery's `http.pool`), as a browser-less client
   * pool would.
   * @default - a new connection per virtual user
   */
  readonly pool?: number;

  /**
   * The 95th percentile response time must be below this, or the Job fails. Whole milliseconds.
   * @default - not checked
   */
  readonly p95?: Duration;

  /**
   * The 99th percentile response time must be below this, or the Job fails. Whole milliseconds.
   * @default - not checked
   */
  readonly p99?: Duration;

  /**
   * The highest share of failed virtual users, in percent (0–100), or the Job fails. 0 fails the Job on any error.
   * @default - not checked
   */
  readonly maxErrorRate?: number;

  /**
   * The name of the scenario in artillery's report.
   * @default 'Load test'
   */
  readonly scenarioName?: string;

  /**
   * The namespace of the Job and its ConfigMap.
   * @default - the chart's namespace
   */
  readonly namespace?: string;

  /**
   * The artillery image. Its entrypoint must be `artillery`, and it must have `node` on its PATH for the wait for the
   * target (see `targetReadyTimeout`).
   * @default LoadTest.DEFAULT_IMAGE
   */
  readonly image?: string;

  /**
   * Accept an image tagged `:latest` or not tagged at all (which means `:latest`), which changes under a running
   * workload.
   * @default false - images must be pinned by a tag other than `latest` or by a digest
   */
  readonly allowLatestImage?: boolean;

  /**
   * Requests and limits of the artillery container. Artillery starts a worker thread per node CPU, and a CPU limit
   * that throttles the load generator shows up as latency of the service under test.
   * @default LoadTest.DEFAULT_RESOURCES
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * Security settings of the container.
   * @default - Pod Security "restricted" (see `PodSecurityOptions`)
   */
  readonly security?: PodSecurityOptions;

  /**
   * Delete the finished Job (and its logs) after this long.
   * @default - kept until deleted, so that `kubectl logs job/<name>` shows the report
   */
  readonly ttlAfterFinished?: Duration;

  /**
   * How long to wait for the target to answer (any status below 500) before the load starts, so that a test applied
   * together with its service does not measure the service's start. The Job fails when the target does not answer
   * in time. `Duration.seconds(0)` starts the load at once. Whole seconds.
   * @default Duration.minutes(5)
   */
  readonly targetReadyTimeout?: Duration;

  /**
   * The NetworkPolicy that isolates the Job's pod, as every workload of this library gets: it accepts no connection
   * (artillery exposes no port) and, by default, may open any (to the target, and to DNS to find it). With
   * `allowEgress: false` add your own policy that lets it reach the target.
   * @default - a policy allowing no ingress and all egress
   */
  readonly networkPolicy?: NetworkPolicyOptions;
}

/**
 * An artillery load test run once as a Kubernetes Job. The test script (config and scenario) is generated from the
 * props into a ConfigMap. The thresholds go to artillery's `ensure` plugin (`config.plugins.ensure`; artillery 2
 * loads the plugin only from there, so a bare `config.ensure` as in older scripts checks nothing): when the service
 * misses one, artillery exits non-zero and the Job fails. `backoffLimit` is 0: a failed load test is a result, not
 * something to retry. An init container first waits for the target to answer, so that a test applied together with
 * its service measures the running service, not its start. Like every workload of this library, its pod gets a
 * NetworkPolicy: no connection in, any connection out.
 *
 * A Job cannot be changed once created: delete it before applying a changed one.
 *
 * @example
 * new LoadTest(chart, 'load', {
 *   target: LoadTest.urlOf(backend.service),
 *   phases: [{ duration: Duration.seconds(120), arrivalRate: 10 }],
 *   pool: 8,
 *   p95: Duration.millis(100),
 *   maxErrorRate: 0,
 * });
 */
export class LoadTest extends Construct {
  /** The default image: artillery 2.0.34. */
  public static readonly DEFAULT_IMAGE = 'artilleryio/artillery:2.0.34';

  /** The default requests and limits: room for artillery's worker threads without throttling the load. */
  public static readonly DEFAULT_RESOURCES: kplus.ContainerResources = {
    cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(2000) },
    memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) },
    ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(2) },
  };

  /** Where the script is mounted. */
  public static readonly SCRIPT_DIR = '/artillery';

  /**
   * The in-cluster URL of a Service: `http://<name>.<namespace>.svc.cluster.local:<port>` (without the namespace
   * part when the Service has none, so it resolves in the load test's own namespace).
   *
   * @param service the Service
   * @param port the Service port; defaults to its first port
   */
  public static urlOf(service: kplus.Service, port?: number): string {
    const ns = service.metadata.namespace;
    const host = ns ? `${service.name}.${ns}.svc.cluster.local` : service.name;
    return `http://${host}:${port ?? service.port}`;
  }

  /** @internal */
  public static _validate(subject: Subject, props: LoadTestProps): void {
    if (!/^https?:\/\/[^\s/?#]+(\/\S*)?$/.test(props.target)) {
      throw propError(subject, 'target', props.target, 'must be an http:// or https:// URL such as "http://web.shop.svc.cluster.local:8080"');
    }
    if (props.phases.length === 0) {
      throw propError(subject, 'phases', '[]', 'must hold at least one phase: without one artillery sends no traffic');
    }
    props.phases.forEach((phase, i) => LoadTest.validatePhase(subject, `phases[${i}].`, phase));
    (props.requests ?? []).forEach((request, i) => {
      const path = request.path ?? '/';
      if (!path.startsWith('/') || /\s/.test(path)) {
        throw propError(subject, `requests[${i}].path`, path, 'must start with \'/\' and hold no whitespace');
      }
      checkWholeNumber(subject, `requests[${i}].expectStatus`, request.expectStatus, 100, 599);
    });
    if (props.requests?.length === 0) {
      throw propError(subject, 'requests', '[]', 'must hold at least one request');
    }
    checkWholeNumber(subject, 'pool', props.pool, 1);
    for (const prop of ['p95', 'p99'] as const) {
      const ms = props[prop]?.toMilliseconds({ integral: false });
      if (ms !== undefined && (ms < 1 || !Number.isInteger(ms))) {
        throw propError(subject, prop, `${ms}ms`, 'must be whole milliseconds, at least 1 ms');
      }
    }
    const rate = props.maxErrorRate;
    if (rate !== undefined && !(Number.isFinite(rate) && rate >= 0 && rate <= 100)) {
      throw propError(subject, 'maxErrorRate', rate, 'must be a percentage from 0 to 100');
    }
    checkDnsLabel(subject, 'namespace', props.namespace);
    checkImage(subject, 'image', props.image, props.allowLatestImage);
    checkResources(subject, 'resources', props.resources);
    PodSecurity._validate(subject, props.security);
    checkWholeSeconds(subject, 'targetReadyTimeout', props.targetReadyTimeout, 0);
  }

  // Polls the target every 2 s until it answers below 500, or fails once TIMEOUT_SECONDS have passed.
  private static readonly WAIT_SCRIPT = [
    'const deadline = Date.now() + Number(process.env.TIMEOUT_SECONDS) * 1000;',
    'const sleep = ms => new Promise(r => setTimeout(r, ms));',
    '(async () => {',
    '  for (;;) {',
    '    try {',
    '      const res = await fetch(process.env.TARGET, { signal: AbortSignal.timeout(2000) });',
    '      if (res.status < 500) { console.log(`${process.env.TARGET} answered ${res.status}`); process.exit(0); }',
    '    } catch (e) { /* not up yet */ }',
    '    if (Date.now() > deadline) { console.error(`${process.env.TARGET} did not answer in time`); process.exit(1); }',
    '    await sleep(2000);',
    '  }',
    '})();',
  ].join('\n');

  private static artilleryScript(props: LoadTestProps): any {
    const requests = props.requests ?? [{ path: '/', expectStatus: 200 }];
    const expects = requests.some(r => r.expectStatus !== undefined);
    const ensure: Record<string, unknown> = {};
    const thresholds = [
      ...(props.p95 ? [{ 'http.response_time.p95': props.p95.toMilliseconds() }] : []),
      ...(props.p99 ? [{ 'http.response_time.p99': props.p99.toMilliseconds() }] : []),
    ];
    if (thresholds.length) ensure.thresholds = thresholds;
    // The plugin's own check: (created - completed) / created * 100 <= maxErrorRate.
    if (props.maxErrorRate !== undefined) ensure.maxErrorRate = props.maxErrorRate;

    const plugins: Record<string, unknown> = {};
    // Failed expectations count as errors, so they fail virtual users and count against maxErrorRate.
    if (expects) plugins.expect = { reportFailuresAsErrors: true };
    if (Object.keys(ensure).length) plugins.ensure = ensure;

    const config: Record<string, unknown> = {
      target: props.target,
      phases: props.phases.map(p => compact({
        name: p.name,
        duration: p.duration.toSeconds(),
        arrivalRate: p.arrivalRate,
        rampTo: p.rampTo,
        arrivalCount: p.arrivalCount,
        maxVusers: p.maxVusers,
      })),
    };
    if (props.pool !== undefined) config.http = { pool: props.pool };
    if (Object.keys(plugins).length) config.plugins = plugins;

    return {
      config,
      scenarios: [{
        name: props.scenarioName ?? 'Load test',
        flow: requests.map(r => ({
          [r.method ?? LoadTestMethod.GET]: compact({
            url: r.path ?? '/',
            expect: r.expectStatus !== undefined ? [{ statusCode: r.expectStatus }] : undefined,
          }),
        })),
      }],
    };
  }

  private static validatePhase(subject: Subject, prefix: string, phase: LoadPhase): void {
    checkWholeSeconds(subject, `${prefix}duration`, phase.duration, 1);
    if ((phase.arrivalRate === undefined) === (phase.arrivalCount === undefined)) {
      throw propError(subject, `${prefix}arrivalRate`, phase.arrivalRate, 'must be set exactly when \'arrivalCount\' is not: give one of them');
    }
    checkWholeNumber(subject, `${prefix}arrivalRate`, phase.arrivalRate, 0);
    checkWholeNumber(subject, `${prefix}rampTo`, phase.rampTo, 0);
    checkWholeNumber(subject, `${prefix}arrivalCount`, phase.arrivalCount, 1);
    checkWholeNumber(subject, `${prefix}maxVusers`, phase.maxVusers, 1);
    if (phase.rampTo !== undefined && phase.arrivalRate === undefined) {
      throw propError(subject, `${prefix}rampTo`, phase.rampTo, 'needs \'arrivalRate\' to ramp from');
    }
  }

  /** The Job. */
  public readonly job: kplus.Job;
  /** The ConfigMap holding the artillery script. */
  public readonly configMap: kplus.ConfigMap;
  /** The generated artillery script (YAML). */
  public readonly script: string;
  /** The NetworkPolicy of the Job's pod, unless `networkPolicy.enabled` is false. */
  public readonly networkPolicy?: WorkloadNetworkPolicy;

  constructor(scope: Construct, id: string, props: LoadTestProps) {
    super(scope, id);
    const subject = subjectOf(this);
    requireProps(subject, props, 'target', 'phases');
    LoadTest._validate(subject, props);
    const namespace = props.namespace ?? Chart.of(this).namespace;
    const metadata = namespace ? { namespace } : {};
    this.script = Yaml.stringify(LoadTest.artilleryScript(props));

    this.configMap = new kplus.ConfigMap(this, 'Script', { metadata, data: { 'script.yaml': this.script } });
    const options = { security: props.security, allowLatestImage: props.allowLatestImage };
    this.job = new kplus.Job(this, 'Job', {
      metadata,
      backoffLimit: 0,
      ttlAfterFinished: props.ttlAfterFinished,
      securityContext: WorkloadDefaults._podSecurityContext(options),
    });
    PodSecurity.applySeccompProfile(this.job, props.security);
    const image = props.image ?? LoadTest.DEFAULT_IMAGE;
    const readyTimeout = props.targetReadyTimeout ?? Duration.minutes(5);
    if (readyTimeout.toSeconds() > 0) {
      // The artillery image runs on Node.js, so it can poll the target without another image.
      this.job.addInitContainer(WorkloadDefaults._container(subject, 'initContainers[0].', {
        name: 'wait-for-target',
        image,
        command: ['node', '-e', LoadTest.WAIT_SCRIPT],
        // Explicit: an init container never takes the defaults silently. Polling needs no more than the defaults.
        resources: WorkloadDefaults.RESOURCES,
        envVariables: {
          TARGET: kplus.EnvValue.fromValue(props.target),
          TIMEOUT_SECONDS: kplus.EnvValue.fromValue(String(readyTimeout.toSeconds())),
        },
      }, options));
    }
    const container = this.job.addContainer(WorkloadDefaults._container(subject, 'containers[0].', {
      name: 'artillery',
      image,
      args: ['run', `${LoadTest.SCRIPT_DIR}/script.yaml`],
      resources: props.resources ?? LoadTest.DEFAULT_RESOURCES,
      envVariables: {
        // Node and artillery write under $HOME; the root filesystem is read-only.
        HOME: kplus.EnvValue.fromValue('/tmp'),
        ARTILLERY_DISABLE_TELEMETRY: kplus.EnvValue.fromValue('true'),
      },
    }, options));
    const script = kplus.Volume.fromConfigMap(this, 'ScriptVolume', this.configMap, { name: 'script' });
    container.mount(LoadTest.SCRIPT_DIR, script, { readOnly: true });
    container.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp'));
    const network = props.networkPolicy ?? {};
    if (network.enabled ?? true) {
      this.networkPolicy = new WorkloadNetworkPolicy(this, 'NetworkPolicy', { ...network, target: this.job });
    }
  }
}

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, Chart, Duration, Yaml } from 'cdk8s';
import { IConstruct } from 'constructs';
import { EnginePhase, EngineResult, EngineRouting, EngineTimings, EngineWorkload, simulate } from './engine';
import { KillerSpec, LoadSpec, ServiceTarget, gatewayTarget, killerHits, killers, targetOfUrl, targets } from './manifests';
import { LoadTest } from '../chaos/load-test';

/**
 * The timings no manifest holds. The defaults were fitted on the talk's first two runs (1 and 2 replicas of the
 * workshop's webapp, no readiness probe, a pod deleted every 15 s) and predict the third (2 replicas behind Istio
 * retries); see docs/simulation.md.
 */
export interface SimulationTimings {
  /**
   * From a pod's deletion to its replacement's containers running: the ReplicaSet's new pod, scheduling, the pod
   * sandbox, the image (cached) and the container start.
   * @default Duration.millis(3500)
   */
  readonly replacementStart?: Duration;
  /**
   * From the container's start to the app accepting connections (a Spring Boot JVM in the talk).
   * @default Duration.millis(7750)
   */
  readonly appStartup?: Duration;
  /**
   * From a pod's deletion to its removal from the routing table (the EndpointSlice update reaching kube-proxy or
   * Envoy). A pod that stops serving before this is still sent requests, which are refused.
   * @default Duration.millis(1000)
   */
  readonly endpointRemoval?: Duration;
  /**
   * From a pod's Ready condition to its addition to the routing table.
   * @default Duration.millis(500)
   */
  readonly endpointAddition?: Duration;
  /**
   * How long before its pod stops a request is still in flight, and is reset (the response time, plus a kept-alive
   * connection's exposure to the reset).
   * @default Duration.millis(200)
   */
  readonly inFlight?: Duration;
}

/**
 * The load, the pod killer and the timings of a simulation.
 */
export interface SimulationOptions extends SimulationTimings {
  /**
   * Time between two kills: the killer deletes one running pod of each targeted workload at every tick.
   * `Duration.seconds(0)` simulates no killer.
   * @default - the interval of a pod killer found in the manifests, else 15 seconds
   */
  readonly killEvery?: Duration;
  /**
   * Requests per second (one request per virtual user, as in the talk).
   * @default - the phases of a load test in the manifests aimed at the Service, else 10
   */
  readonly rate?: number;
  /**
   * How long the load lasts.
   * @default - the phases of a load test in the manifests aimed at the Service, else 120 seconds
   */
  readonly duration?: Duration;
  /**
   * Labels of the pods the killer may delete (`{ app: 'webapp' }`).
   * @default - the selector of a pod killer found in the manifests, else every Service's workload
   */
  readonly selector?: { [key: string]: string };
  /**
   * Runs averaged over the killer's phase (evenly spread phases, each jittered by the seed).
   * @default 40
   */
  readonly runs?: number;
  /**
   * Seed of the killer's phase jitter and victim choice: the same seed gives the same numbers.
   * @default 1
   */
  readonly seed?: number;
}

/** What the simulation predicts for one Service. */
export interface ServicePrediction {
  /** The Service's namespace (`default` where the manifest has none). */
  readonly namespace: string;
  /** The Service's name. */
  readonly service: string;
  /** `Kind/name` of the workload behind the Service, or an empty string when the manifests hold none. */
  readonly workload: string;
  /** Whether the pod killer targets the workload. */
  readonly killed: boolean;
  /** Kills during the load (mean over the runs). */
  readonly kills: number;
  /** Requests sent. */
  readonly sent: number;
  /** Requests answered (rounded mean over the runs). */
  readonly completed: number;
  /** Requests whose connection was refused, as the client sees it (no Envoy in front). */
  readonly refused: number;
  /** Requests reset while in flight. */
  readonly reset: number;
  /** Requests answered 503 by Envoy: no endpoint left, or every try failed. */
  readonly unavailable: number;
  /** Percentage of the requests not completed. */
  readonly lostPercent: number;
  /** Mean seconds from a pod's deletion to its replacement receiving traffic. */
  readonly recoverySeconds: number;
  /** Which of the workload's settings drove the loss, and what would reduce it, one sentence each. */
  readonly drivers: string[];
  /** The one-line summary: `<namespace>/<service>: sent N, completed N, refused N, lost P %`. */
  readonly line: string;
  /** The same load and killer with one change to the workload or its route, for each change that applies. */
  readonly whatIf: WhatIf[];
}

/** A prediction with one change applied. */
export interface WhatIf {
  /** The change, in words (`2 replicas`, `readiness probe every 2 s`, `preStop sleep 3 s`, `retries: 3`). */
  readonly change: string;
  /** Requests answered with the change. */
  readonly completed: number;
  /** Percentage of the requests not completed with the change. */
  readonly lostPercent: number;
}

/** What the simulation predicts for a `LoadTest`. */
export interface LoadTestPrediction {
  /** The prediction for the Service the load test aims at. */
  readonly prediction: ServicePrediction;
  /** The predicted error rate, in percent, as artillery's `maxErrorRate` counts it. */
  readonly errorRatePercent: number;
  /** The load test's `maxErrorRate`, or -1 when it sets none. */
  readonly maxErrorRate: number;
  /** Whether the prediction stays within `maxErrorRate` (true when none is set). */
  readonly passes: boolean;
  /** A sentence for the synth output. */
  readonly message: string;
}

/**
 * Predicts what a pod killer costs each Service of a set of manifests before they are deployed: a discrete-event
 * model of the pod's deletion, its removal from the endpoints, its replacement's start and Ready, and the requests
 * sent meanwhile, with the route's retries. See docs/simulation.md for the model, its calibration and its limits.
 *
 * @example
 * const predictions = Simulation.ofChart(chart, { killEvery: Duration.seconds(15), selector: { app: 'webapp' } });
 * for (const p of predictions) console.log(p.line);
 */
export class Simulation {
  /** The default timings (fitted on the talk's first two runs). */
  public static readonly DEFAULT_REPLACEMENT_START = Duration.millis(3500);
  /** The default time from the container's start to the app listening. */
  public static readonly DEFAULT_APP_STARTUP = Duration.millis(7750);
  /** The default time from a pod's deletion to its removal from the routing table. */
  public static readonly DEFAULT_ENDPOINT_REMOVAL = Duration.millis(1000);
  /** The default time from a pod's Ready to its addition to the routing table. */
  public static readonly DEFAULT_ENDPOINT_ADDITION = Duration.millis(500);
  /** The default in-flight window of a request when its pod stops. */
  public static readonly DEFAULT_IN_FLIGHT = Duration.millis(200);

  /**
   * Predicts each Service of the manifests (parsed objects, as `Yaml.load` or `chart.toJson()` return them).
   */
  public static ofManifests(manifests: any[], options: SimulationOptions = {}): ServicePrediction[] {
    const objects = flatten(manifests);
    const all = targets(objects);
    const found = killers(objects);
    const loads = loadTests(objects);
    return all.map(t => predict(t, all, objects, found, loads, options));
  }

  /** Predicts each Service of a chart's manifests. */
  public static ofChart(chart: Chart, options: SimulationOptions = {}): ServicePrediction[] {
    return Simulation.ofManifests(manifestsOf(chart), options);
  }

  /** Predicts each Service of the `.yaml`, `.yml` and `.json` manifests in a directory (not recursive). */
  public static ofDirectory(dir: string, options: SimulationOptions = {}): ServicePrediction[] {
    return Simulation.ofManifests(readDirectory(dir), options);
  }

  /**
   * Predicts a `LoadTest` against the Service it aims at (by its URL, or the Gateway-bound route of its chart when
   * it aims at an ingress gateway), under the pod killers of its chart, and compares the error rate with its
   * `maxErrorRate`.
   *
   * @returns undefined when the target is not a Service of the load test's chart
   */
  public static predictLoadTest(loadTest: LoadTest, options: SimulationOptions = {}): LoadTestPrediction | undefined {
    const chart = Chart.of(loadTest);
    const objects = flatten(manifestsOf(chart));
    const spec = parseScript(loadTest.script, chart.namespace ?? 'default', loadTest.configMap.name);
    if (!spec) return undefined;
    const all = targets(objects);
    const target = targetOfUrl(all, spec.target, spec.namespace) ?? gatewayTarget(all, objects, spec.namespace);
    if (!target) return undefined;
    const prediction = predict(target, all, objects, killers(objects), [spec], options, spec);
    const errorRate = prediction.sent ? (prediction.sent - prediction.completed) / prediction.sent * 100 : 0;
    const max = spec.maxErrorRate;
    const passes = max === undefined || errorRate <= max;
    const rounded = Math.round(errorRate * 10) / 10;
    const message = max === undefined
      ? `${loadTest.node.path}: predicted error rate ${rounded} % (no maxErrorRate)`
      : `${loadTest.node.path}: predicted error rate ${rounded} % ${passes ? 'within' : 'exceeds'} maxErrorRate ${max} % `
        + `(${prediction.line})${passes ? '' : `; ${prediction.drivers.join('; ')}`}`;
    return { prediction, errorRatePercent: errorRate, maxErrorRate: max ?? -1, passes, message };
  }

  /**
   * Checks every `LoadTest` under `scope` against the prediction at synth: a load test predicted to exceed its
   * `maxErrorRate` gets a `warning` metadata entry and a line on stderr. Synth does not fail.
   */
  public static warnOnLoadTests(scope: IConstruct, options: SimulationOptions = {}): void {
    for (const c of scope.node.findAll()) {
      if (!(c instanceof LoadTest)) continue;
      const loadTest = c;
      let done = false;
      loadTest.node.addValidation({
        validate: () => {
          // cdk8s validates the whole app once per chart: warn once.
          if (done) return [];
          done = true;
          const p = Simulation.predictLoadTest(loadTest, options);
          if (p && !p.passes) {
            loadTest.node.addMetadata('warning', p.message);
            process.stderr.write(`[WARNING] ${p.message}\n`);
          }
          return [];
        },
      });
    }
  }

  /** The one-line summary of a prediction: `<namespace>/<service>: sent N, completed N, refused N, lost P %`. */
  public static formatLine(p: ServicePrediction): string {
    return line(p.namespace, p.service, p.sent, p.completed, p.refused);
  }

  private constructor() {}
}

function line(namespace: string, service: string, sent: number, completed: number, refused: number): string {
  const lost = sent ? (sent - completed) / sent * 100 : 0;
  return `${namespace}/${service}: sent ${sent}, completed ${completed}, refused ${refused}, lost ${lost.toFixed(1)} %`;
}

/**
 * The chart's objects as synth writes them, without running the construct validations as `chart.toJson()` does (so
 * that a validation may call it).
 */
function manifestsOf(chart: Chart): any[] {
  return chart.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c) && Chart.of(c) === chart).map(o => o.toJson());
}

function flatten(manifests: any[]): any[] {
  const out: any[] = [];
  for (const m of manifests ?? []) {
    if (!m || typeof m !== 'object') continue;
    if (m.kind === 'List' && Array.isArray(m.items)) out.push(...flatten(m.items));
    else out.push(m);
  }
  return out;
}

function readDirectory(dir: string): any[] {
  const files = fs.readdirSync(dir).filter(f => /\.(ya?ml|json)$/.test(f)).sort();
  const out: any[] = [];
  for (const f of files) {
    const file = path.join(dir, f);
    if (!fs.statSync(file).isFile()) continue;
    out.push(...(f.endsWith('.json') ? [JSON.parse(fs.readFileSync(file, 'utf8'))].flat() : Yaml.load(file)));
  }
  return out;
}

function parseYaml(text: string): any[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simulation-'));
  try {
    const file = path.join(dir, 'doc.yaml');
    fs.writeFileSync(file, text);
    return Yaml.load(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** An artillery script's target, phases and `maxErrorRate` (the LoadTest's `plugins.ensure`, or the talk's `config.ensure`). */
function parseScript(text: string, namespace: string, name: string): LoadSpec | undefined {
  const doc = parseYaml(text)[0];
  const config = doc?.config;
  if (!config?.target || !Array.isArray(config.phases)) return undefined;
  const phases = config.phases.map((p: any) => {
    const duration = Number(p.duration) || 0;
    const rate = p.arrivalRate !== undefined ? Number(p.arrivalRate) : (Number(p.arrivalCount) || 0) / (duration || 1);
    return { duration, rate, rampTo: p.rampTo !== undefined ? Number(p.rampTo) : undefined };
  });
  const max = config.plugins?.ensure?.maxErrorRate ?? config.ensure?.maxErrorRate;
  return { namespace, target: String(config.target), phases, maxErrorRate: max === undefined ? undefined : Number(max), name };
}

/** Load tests declared in the manifests: ConfigMaps holding an artillery script. */
function loadTests(objects: any[]): LoadSpec[] {
  const out: LoadSpec[] = [];
  for (const cm of objects.filter(o => o.kind === 'ConfigMap')) {
    for (const value of Object.values(cm.data ?? {})) {
      if (typeof value !== 'string' || !/^config:/m.test(value) || !/^scenarios:/m.test(value)) continue;
      const spec = parseScript(value, cm.metadata?.namespace ?? 'default', cm.metadata?.name ?? '');
      if (spec) out.push(spec);
    }
  }
  return out;
}

function resolveTimings(o: SimulationTimings): EngineTimings {
  return {
    replacementStart: (o.replacementStart ?? Simulation.DEFAULT_REPLACEMENT_START).toMilliseconds() / 1000,
    appStartup: (o.appStartup ?? Simulation.DEFAULT_APP_STARTUP).toMilliseconds() / 1000,
    endpointRemoval: (o.endpointRemoval ?? Simulation.DEFAULT_ENDPOINT_REMOVAL).toMilliseconds() / 1000,
    endpointAddition: (o.endpointAddition ?? Simulation.DEFAULT_ENDPOINT_ADDITION).toMilliseconds() / 1000,
    inFlight: (o.inFlight ?? Simulation.DEFAULT_IN_FLIGHT).toMilliseconds() / 1000,
  };
}

function predict(target: ServiceTarget, all: ServiceTarget[], objects: any[], found: KillerSpec[], loads: LoadSpec[],
  options: SimulationOptions, load?: LoadSpec): ServicePrediction {
  // The killer: the given selector, else the manifests' killers, else every workload.
  let interval = options.killEvery ? options.killEvery.toMilliseconds() / 1000 : undefined;
  let killed: boolean;
  if (options.selector) {
    killed = killerHits({ selector: options.selector }, target);
  } else if (found.length) {
    const hit = found.find(k => killerHits(k, target));
    killed = !!hit;
    interval ??= hit?.intervalSeconds;
  } else {
    killed = true;
  }
  interval ??= 15;
  if (!target.workload || !(interval > 0)) killed = false;

  // The load: the given rate and duration, else a load test aimed at this Service, else 10/s for 120 s.
  let phases: EnginePhase[];
  if (options.rate !== undefined || options.duration !== undefined) {
    phases = [{ rate: options.rate ?? 10, duration: (options.duration ?? Duration.seconds(120)).toMilliseconds() / 1000 }];
  } else {
    const aimed = load ?? loads.find(l => {
      const t = targetOfUrl(all, l.target, l.namespace) ?? gatewayTarget(all, objects, l.namespace);
      return t === target;
    });
    phases = aimed?.phases.length ? aimed.phases : [{ rate: 10, duration: 120 }];
  }

  const timings = resolveTimings(options);
  const runs = options.runs ?? 40;
  const seed = options.seed ?? 1;
  const engineLoad = { phases, killEvery: killed ? interval : 0, runs, seed };
  // A Service whose workload is not in the manifests is reported as serving, unharmed: nothing is known to simulate.
  const settings = target.workload ? target.settings : { ...target.settings, replicas: 1 };
  const result = simulate(settings, target.routing, timings, engineLoad);
  const whatIf: WhatIf[] = [];
  if (killed && result.sent - result.completed >= 0.5) {
    const s = target.settings;
    const preStop = Math.ceil(timings.endpointRemoval + timings.inFlight + 1);
    const probe = { initialDelay: 0, period: 2, successThreshold: 1 };
    const retry = { retries: 3, timeout: 0, onRefused: true, onReset: true };
    const variants: { change: string; settings: EngineWorkload; routing: EngineRouting }[] = [];
    variants.push({ change: `${Math.max(2, s.replicas + 1)} replicas`, settings: { ...s, replicas: Math.max(2, s.replicas + 1) }, routing: target.routing });
    if (!s.readiness) variants.push({ change: 'readiness probe every 2 s', settings: { ...s, readiness: probe }, routing: target.routing });
    if (Math.min(s.preStop, s.grace) < preStop) {
      variants.push({ change: `preStop sleep ${preStop} s`, settings: { ...s, preStop, grace: Math.max(s.grace, preStop + 1) }, routing: target.routing });
    }
    if (!target.routing.retry?.onReset || !target.routing.retry.onRefused || target.routing.retry.retries < 3) {
      variants.push({ change: 'retries: 3 on connect-failure,reset,503', settings: s, routing: { ...target.routing, mesh: true, retry } });
    }
    variants.push({
      change: 'all of these',
      settings: {
        ...s,
        replicas: Math.max(2, s.replicas + 1),
        readiness: s.readiness ?? probe,
        preStop: Math.max(s.preStop, preStop),
        grace: Math.max(s.grace, preStop + 1),
      },
      routing: { ...target.routing, mesh: true, retry },
    });
    for (const v of variants) {
      const r = simulate(v.settings, v.routing, timings, engineLoad);
      const completed = Math.round(r.completed);
      whatIf.push({ change: v.change, completed, lostPercent: r.sent ? (r.sent - completed) / r.sent * 100 : 0 });
    }
  }
  const sent = result.sent;
  const completed = Math.round(result.completed);
  const refused = Math.round(result.refused);
  return {
    namespace: target.namespace,
    service: target.service,
    workload: target.workload ?? '',
    killed,
    kills: Math.round(result.kills * 10) / 10,
    sent,
    completed,
    refused,
    reset: Math.round(result.reset),
    unavailable: Math.round(result.unavailable),
    lostPercent: sent ? (sent - completed) / sent * 100 : 0,
    recoverySeconds: Math.round(result.recovery * 10) / 10,
    drivers: drivers(target, result, timings, killed),
    line: line(target.namespace, target.service, sent, completed, refused),
    whatIf,
  };
}

const n = (x: number): number => Math.round(x);

/** Plain sentences: which settings drove the loss, largest first, and what would reduce it. */
function drivers(t: ServiceTarget, r: EngineResult, timings: EngineTimings, killed: boolean): string[] {
  if (!t.workload) return ['no Deployment, StatefulSet or ReplicaSet in the manifests matches the Service\'s selector: nothing simulated'];
  if (!killed) return ['the pod killer does not target this workload: nothing lost'];
  const f = t.facts;
  const s = t.settings;
  const out: { count: number; text: string }[] = [];
  const c = r.causes;
  if (c.noEndpoint >= 0.5) {
    out.push({
      count: c.noEndpoint,
      text: `replicas ${s.replicas} (${f.replicasFrom}): ${n(c.noEndpoint)} requests found no endpoint while every pod was being replaced; `
        + (s.replicas < 2 ? 'run 2 or more replicas' : `the replacement takes ${r.recovery.toFixed(1)} s to receive traffic, longer than the killer leaves the other pods: more replicas or a faster start`),
    });
  }
  if (c.listedBeforeListening >= 0.5) {
    out.push({
      count: c.listedBeforeListening,
      text: f.readinessProbe
        ? `${n(c.listedBeforeListening)} requests went to pods listed before their app listened: the readiness probe passes before the app serves; probe the serving port or path`
        : `no readiness probe: ${n(c.listedBeforeListening)} requests went to pods listed as soon as their container started, ${timings.appStartup} s before the app listened; add a readiness probe`,
    });
  }
  if (c.listedAfterStop >= 0.5) {
    out.push({
      count: c.listedAfterStop,
      text: `pre-stop delay ${f.preStopSeconds} s, shorter than the endpoint removal (${timings.endpointRemoval} s): ${n(c.listedAfterStop)} requests went to deleted pods still listed; `
        + `add a preStop sleep of ${Math.ceil(timings.endpointRemoval + timings.inFlight + 1)} s or more (terminationGracePeriodSeconds ${f.graceSeconds} s must exceed it)`,
    });
  }
  if (c.inFlightAtStop >= 0.5) {
    out.push({
      count: c.inFlightAtStop,
      text: `${n(c.inFlightAtStop)} requests were in flight when their pod stopped; `
        + (f.preStopSeconds > 0 ? 'a longer preStop sleep lets them finish' : 'a preStop sleep lets them finish')
        + (t.routing.retry && !t.routing.retry.onReset ? `, or retry on reset (retryOn '${f.retryOn}' does not)` : ''),
    });
  }
  if (c.routeTimeout >= 0.5) {
    out.push({ count: c.routeTimeout, text: `${n(c.routeTimeout)} requests ran out of the route's timeout while retrying: raise it above the retries' span` });
  }
  out.sort((a, b) => b.count - a.count);
  const lines = out.map(o => o.text);
  const lost = r.sent - r.completed;
  if (lost >= 0.5 && !t.routing.retry && s.replicas >= 2) {
    lines.push('no retries: a route retrying on connect-failure (Istio VirtualService retries) would send the failed tries to another pod');
  }
  if (!lines.length) {
    lines.push(`nothing lost: ${f.readinessProbe ? 'the readiness probe keeps starting pods out of the endpoints' : 'the pods'}`
      + `${s.replicas >= 2 ? `, ${s.replicas} replicas keep an endpoint while one is replaced` : ''}`
      + `${t.routing.retry ? ', retries move failed tries to another pod' : ''}`);
  }
  if (f.disruptionBudget) {
    lines.push(`${f.disruptionBudget} does not stop a pod killer that deletes pods (it only limits evictions)`);
  }
  return lines;
}

/*
 * The discrete-event model behind `Simulation`: plain numbers in seconds, no cdk8s types, so that tests and the
 * command line can drive it directly. Nothing here is exported from the package.
 *
 * One run: a pod killer deletes one running pod of the workload every `killEvery` seconds, starting at a phase in
 * [0, killEvery); each deletion creates a replacement (a ReplicaSet at once, a StatefulSet once the old pod is gone);
 * every pod's timeline (container started, app listening, Ready, listed in the routing table, deleted, stopped
 * listening, unlisted) follows from the timings and the workload's settings. Requests arrive at the load's times;
 * each picks a listed endpoint at random (kube-proxy, or Envoy with retries to other endpoints). A request's outcome
 * is computed as an expectation over that random pick (so runs differ only by the killer's phase and victims), then
 * averaged over `phases` runs with evenly spread phases.
 */

/** A probe's timing, in seconds. */
export interface EngineProbe {
  readonly initialDelay: number;
  readonly period: number;
  readonly successThreshold: number;
}

/** What the workload does about a pod's deletion and start. */
export interface EngineWorkload {
  /** Pods kept by the controller (the autoscaler's minimum where one owns the workload). */
  readonly replicas: number;
  /** The serving container's readiness probe; none: Ready as soon as the containers started (and the startup probe passed). */
  readonly readiness?: EngineProbe;
  /** The serving container's startup probe. */
  readonly startup?: EngineProbe;
  /** Seconds the container keeps serving after its deletion (a pre-stop sleep), before SIGTERM stops it. */
  readonly preStop: number;
  /** terminationGracePeriodSeconds: caps the pre-stop delay. */
  readonly grace: number;
  /** A StatefulSet replaces a pod only once the old one is gone (same name). */
  readonly replaceAfterExit?: boolean;
}

/** Envoy's retry policy on the route (Istio VirtualService `retries`). */
export interface EngineRetry {
  /** Retries after the first try (Istio `attempts`). */
  readonly retries: number;
  /** Overall route timeout in seconds; 0: none. */
  readonly timeout: number;
  /** A refused connection (or the sidecar's 503 for it) is retried. */
  readonly onRefused: boolean;
  /** A connection reset mid-request is retried. */
  readonly onReset: boolean;
}

/** Envoy outlier detection (DestinationRule `outlierDetection`). */
export interface EngineOutlier {
  readonly consecutiveErrors: number;
  readonly maxEjectionPercent: number;
}

/** How requests reach the pods. */
export interface EngineRouting {
  /** Through an Envoy (Istio VirtualService): no endpoint gives a 503 rather than a refused connection. */
  readonly mesh: boolean;
  readonly retry?: EngineRetry;
  readonly outlier?: EngineOutlier;
}

/** The physical timings no manifest holds, in seconds. */
export interface EngineTimings {
  /** From a pod's deletion to its replacement's containers running (scheduling, sandbox, image, container start). */
  readonly replacementStart: number;
  /** From the container's start to the app accepting connections. */
  readonly appStartup: number;
  /** From a pod's deletion to its removal from the routing table (endpoints, kube-proxy or Envoy). */
  readonly endpointRemoval: number;
  /** From a pod's Ready to its addition to the routing table. */
  readonly endpointAddition: number;
  /** A request in flight this long before its pod stops is reset. */
  readonly inFlight: number;
}

/** One phase of the load: a constant or linearly ramped arrival rate. */
export interface EnginePhase {
  readonly duration: number;
  readonly rate: number;
  readonly rampTo?: number;
}

/** The load and the killer. */
export interface EngineLoad {
  readonly phases: EnginePhase[];
  /** Seconds between two kills; 0 or Infinity: no kill. */
  readonly killEvery: number;
  /** Runs averaged over the killer's phase. */
  readonly runs: number;
  readonly seed: number;
}

/** Expected request counts over the runs (not rounded). */
export interface EngineResult {
  readonly sent: number;
  readonly completed: number;
  /** Connection refused, seen by the client (no Envoy in front). */
  readonly refused: number;
  /** Reset while in flight. */
  readonly reset: number;
  /** 503 from Envoy: no endpoint, or every try failed. */
  readonly unavailable: number;
  /** Lost requests by cause. */
  readonly causes: EngineCauses;
  /** Kills that hit a pod, per run. */
  readonly kills: number;
  /** Mean seconds from a deletion to the replacement listed in the routing table. */
  readonly recovery: number;
}

/** Lost requests by what the failed (last) try met. */
export interface EngineCauses {
  /** No endpoint listed at all: every pod was being replaced. */
  readonly noEndpoint: number;
  /** Listed before its app listened (no readiness probe). */
  readonly listedBeforeListening: number;
  /** Still listed after it stopped listening (endpoint removal slower than the pre-stop delay). */
  readonly listedAfterStop: number;
  /** In flight when its pod stopped. */
  readonly inFlightAtStop: number;
  /** The route's overall timeout ran out before a try succeeded. */
  readonly routeTimeout: number;
}

interface Pod {
  /** When the pod it replaces was deleted (-Infinity for the first pods). */
  readonly replaces: number;
  readonly containerStart: number;
  readonly listenAt: number;
  readonly listedAt: number;
  deletedAt: number;
  stopAt: number;
  unlistedAt: number;
}

/** Envoy's default retry back-off: base 25 ms, capped at 250 ms, fully jittered (its mean is used). */
const BACKOFF_BASE = 0.025;
const BACKOFF_MAX = 0.25;

/**
 * A small seeded generator (Park and Miller's minimal standard, multiplier 48271), enough to pick victims
 * reproducibly. Arithmetic only: products stay below 2^53, so doubles hold them exactly.
 */
export function random(seed: number): () => number {
  const M = 2147483647;
  let a = ((Math.floor(Math.abs(seed)) % (M - 1)) + 1);
  return () => {
    a = (a * 48271) % M;
    return (a - 1) / (M - 1);
  };
}

/** The first probe tick at or after `notBefore`, ticks at `first + k * period`. */
function firstTick(first: number, period: number, notBefore: number): number {
  if (notBefore <= first) return first;
  return first + Math.ceil((notBefore - first) / period - 1e-9) * period;
}

/**
 * When a pod whose containers start at `start` and whose app listens at `listen` turns Ready. The kubelet probes on
 * each probe's period from the container's start (after `initialDelaySeconds`); when the startup probe succeeds, the
 * pod's status update triggers a readiness probe at once (the prober manager's manual trigger), so a startup probe
 * saves the wait for the readiness probe's next tick. A probe succeeds once the app listens.
 */
export function readyAt(workload: EngineWorkload, start: number, listen: number): number {
  let gate = start;
  const s = workload.startup;
  if (s) gate = firstTick(start + s.initialDelay, s.period, listen) + (s.successThreshold - 1) * s.period;
  const r = workload.readiness;
  if (!r) return gate;
  const from = start + r.initialDelay;
  const notBefore = Math.max(listen, gate);
  const tick = firstTick(from, r.period, notBefore);
  const first = s && gate >= listen && gate >= from ? Math.min(gate, tick) : tick;
  return first + (r.successThreshold - 1) * r.period;
}

/** The arrival times of the load's requests. */
export function arrivals(phases: EnginePhase[]): number[] {
  const times: number[] = [];
  let offset = 0;
  for (const p of phases) {
    const from = p.rate;
    const to = p.rampTo ?? p.rate;
    // Cumulative arrivals N(t) = from*t + (to-from)*t^2/(2*duration): the i-th request arrives when N(t) = i.
    const total = (from + to) / 2 * p.duration;
    for (let i = 0; i < Math.round(total); i++) {
      let t: number;
      if (to === from) {
        t = i / from;
      } else {
        const a = (to - from) / (2 * p.duration);
        t = (-from + Math.sqrt(from * from + 4 * a * i)) / (2 * a);
      }
      times.push(offset + t);
    }
    offset += p.duration;
  }
  return times;
}

function newPod(workload: EngineWorkload, timings: EngineTimings, replaces: number, start: number): Pod {
  const listenAt = start + timings.appStartup;
  return {
    replaces,
    containerStart: start,
    listenAt,
    listedAt: readyAt(workload, start, listenAt) + timings.endpointAddition,
    deletedAt: Infinity,
    stopAt: Infinity,
    unlistedAt: Infinity,
  };
}

/** The pods of one run: the killer's deletions and the controller's replacements. */
function timeline(workload: EngineWorkload, timings: EngineTimings, load: EngineLoad, phase: number, end: number,
  pick: () => number): { pods: Pod[]; kills: number } {
  // Start in the steady state: pods up long before the first kill, and the killer at work for a while before the load.
  const warmup = Math.max(3 * load.killEvery, 60);
  const pods: Pod[] = [];
  for (let i = 0; i < workload.replicas; i++) {
    pods.push({
      replaces: -Infinity,
      containerStart: -Infinity,
      listenAt: -Infinity,
      listedAt: -Infinity,
      deletedAt: Infinity,
      stopAt: Infinity,
      unlistedAt: Infinity,
    });
  }
  let kills = 0;
  if (!(load.killEvery > 0 && Number.isFinite(load.killEvery))) return { pods, kills };
  const stopDelay = Math.min(workload.preStop, workload.grace);
  // Kills go on past the load's end: a retry or an in-flight request may still meet them.
  for (let t = phase - Math.ceil(warmup / load.killEvery) * load.killEvery; t < end + 10; t += load.killEvery) {
    // The killer picks one running pod at random: containers started, not being deleted.
    const running = pods.filter(p => p.containerStart <= t && p.deletedAt === Infinity);
    // One draw per tick, hit or not, so that two configurations run with the same seed see the same draws.
    const u = pick();
    if (!running.length) continue;
    const victim = running[Math.min(running.length - 1, Math.floor(u * running.length))];
    victim.deletedAt = t;
    victim.stopAt = t + stopDelay;
    // The endpoints controller never lists a pod being deleted: one not listed yet never will be.
    victim.unlistedAt = victim.listedAt <= t ? t + timings.endpointRemoval : victim.listedAt;
    const created = workload.replaceAfterExit ? victim.stopAt : t;
    pods.push(newPod(workload, timings, t, created + timings.replacementStart));
    if (t >= 0 && t < end) kills++;
  }
  return { pods, kills };
}

interface Counts {
  good: number;
  reset: number;
  early: number;
  late: number;
  listed: number;
}

/** The routing table at time `t`, split by what a request sent to each endpoint would meet. */
function state(pods: Pod[], t: number, timings: EngineTimings, ejected: (p: Pod, t: number) => boolean): Counts {
  const c: Counts = { good: 0, reset: 0, early: 0, late: 0, listed: 0 };
  for (const p of pods) {
    if (!(p.listedAt <= t && t < p.unlistedAt)) continue;
    if (ejected(p, t)) continue;
    c.listed++;
    if (t < p.listenAt) c.early++;
    else if (p.stopAt <= t) c.late++;
    else if (p.stopAt <= t + timings.inFlight) c.reset++;
    else c.good++;
  }
  return c;
}

/**
 * Envoy outlier detection, simplified: an endpoint that fails every request sent to it is ejected once it has failed
 * `consecutiveErrors` of them (it receives its share of the load), until it works again; at most
 * `maxEjectionPercent` of the listed endpoints (at least one) are ejected at once.
 */
function ejector(pods: Pod[], outlier: EngineOutlier | undefined, rate: number) {
  if (!outlier) return () => false;
  return (p: Pod, t: number): boolean => {
    const listed = pods.filter(q => q.listedAt <= t && t < q.unlistedAt);
    const n = Math.max(1, listed.length);
    const delay = outlier.consecutiveErrors * n / rate;
    const badSince = (q: Pod): number => {
      if (t < q.listenAt) return q.listedAt;
      if (q.stopAt <= t) return Math.max(q.stopAt, q.listedAt);
      return Infinity;
    };
    const since = badSince(p);
    if (!(t >= since + delay)) return false;
    const cap = Math.max(1, Math.floor(listed.length * outlier.maxEjectionPercent / 100));
    // Endpoints ejected earlier keep their slot.
    const earlier = listed.filter(q => q !== p && t >= badSince(q) + delay && badSince(q) < since).length;
    return earlier < cap;
  };
}

/** Simulates the workload under the load and the killer, averaged over `load.runs` phases of the killer. */
export function simulate(workload: EngineWorkload, routing: EngineRouting, timings: EngineTimings, load: EngineLoad): EngineResult {
  const times = arrivals(load.phases);
  const end = load.phases.reduce((s, p) => s + p.duration, 0);
  const meanRate = end > 0 ? times.length / end : 1;
  const runs = Math.max(1, Math.floor(load.runs));
  const total = { completed: 0, refused: 0, reset: 0, unavailable: 0, kills: 0, recovery: 0, recovered: 0 };
  const causes = { noEndpoint: 0, listedBeforeListening: 0, listedAfterStop: 0, inFlightAtStop: 0, routeTimeout: 0 };
  const retry = routing.retry;
  const tries = 1 + (retry ? Math.max(0, Math.floor(retry.retries)) : 0);
  const offsets: number[] = [0];
  for (let k = 1; k < tries; k++) {
    offsets.push(offsets[k - 1] + Math.min((2 ** k - 1) * BACKOFF_BASE, BACKOFF_MAX) / 2);
  }
  for (let run = 0; run < runs; run++) {
    const rng = random(load.seed * 1000003 + run * 7919);
    const killEvery = load.killEvery > 0 && Number.isFinite(load.killEvery) ? load.killEvery : 0;
    // Evenly spread phases, each jittered within its stratum.
    const phase = killEvery * (run + rng()) / runs;
    const { pods, kills } = timeline(workload, timings, load, phase, end, rng);
    total.kills += kills;
    for (const p of pods) {
      if (p.replaces >= 0 && p.replaces < end) {
        total.recovery += p.listedAt - p.replaces;
        total.recovered++;
      }
    }
    const ejected = ejector(pods, routing.outlier, meanRate);
    for (const t0 of times) {
      // The probability that every try so far failed, and how many distinct failing endpoints were tried (Istio sets
      // Envoy's previous-hosts predicate: a retry goes to another endpoint while there is one).
      let pending = 1;
      let tried = 0;
      for (let k = 0; k < tries && pending > 1e-12; k++) {
        const t = t0 + offsets[k];
        if (retry && retry.timeout > 0 && offsets[k] >= retry.timeout) {
          total.unavailable += pending;
          causes.routeTimeout += pending;
          pending = 0;
          break;
        }
        const c = state(pods, t, timings, ejected);
        if (c.listed === 0) {
          if (routing.mesh) total.unavailable += pending; else total.refused += pending;
          causes.noEndpoint += pending;
          pending = 0;
          break;
        }
        const bad = c.early + c.late + c.reset;
        const skip = Math.min(tried, bad, c.listed - 1);
        const n = c.listed - skip;
        // Skipped endpoints are failing ones, taken out in proportion.
        const keep = bad > 0 ? (bad - skip) / bad : 1;
        const pGood = c.good / n;
        const pReset = c.reset * keep / n;
        const pEarly = c.early * keep / n;
        const pLate = c.late * keep / n;
        total.completed += pending * pGood;
        const last = k === tries - 1;
        const retryRefused = !!retry && retry.onRefused && !last;
        const retryReset = !!retry && retry.onReset && !last;
        if (!retryReset) {
          total.reset += pending * pReset;
          causes.inFlightAtStop += pending * pReset;
        }
        if (!retryRefused) {
          if (routing.mesh) total.unavailable += pending * (pEarly + pLate); else total.refused += pending * (pEarly + pLate);
          causes.listedBeforeListening += pending * pEarly;
          causes.listedAfterStop += pending * pLate;
        }
        pending *= (retryRefused ? pEarly + pLate : 0) + (retryReset ? pReset : 0);
        tried++;
      }
    }
  }
  return {
    sent: times.length,
    completed: total.completed / runs,
    refused: total.refused / runs,
    reset: total.reset / runs,
    unavailable: total.unavailable / runs,
    causes: {
      noEndpoint: causes.noEndpoint / runs,
      listedBeforeListening: causes.listedBeforeListening / runs,
      listedAfterStop: causes.listedAfterStop / runs,
      inFlightAtStop: causes.inFlightAtStop / runs,
      routeTimeout: causes.routeTimeout / runs,
    },
    kills: total.kills / runs,
    recovery: total.recovered ? total.recovery / total.recovered : 0,
  };
}

import * as fc from 'fast-check';
import { EngineLoad, EngineRouting, EngineTimings, EngineWorkload, arrivals, readyAt, simulate } from '../../lib/simulation/engine';

/*
 * Properties of the model, over random workloads, timings and loads. Comparisons run both configurations with the
 * same seed, so that the killer's phases and draws are the same; outcomes are expectations over the endpoint picks,
 * so the comparisons are exact (up to floating-point sums: EPS).
 */
const EPS = 1e-6;

const timingsArb: fc.Arbitrary<EngineTimings> = fc.record({
  replacementStart: fc.double({ min: 0.1, max: 8, noNaN: true }),
  appStartup: fc.double({ min: 0, max: 20, noNaN: true }),
  endpointRemoval: fc.double({ min: 0, max: 3, noNaN: true }),
  endpointAddition: fc.double({ min: 0, max: 2, noNaN: true }),
  inFlight: fc.double({ min: 0, max: 0.5, noNaN: true }),
});

const probeArb = fc.record({
  initialDelay: fc.integer({ min: 0, max: 10 }),
  period: fc.integer({ min: 1, max: 10 }),
  successThreshold: fc.integer({ min: 1, max: 3 }),
});

const workloadArb: fc.Arbitrary<EngineWorkload> = fc.record({
  replicas: fc.integer({ min: 1, max: 5 }),
  readiness: fc.option(probeArb, { nil: undefined }),
  startup: fc.option(fc.record({
    initialDelay: fc.integer({ min: 0, max: 5 }),
    period: fc.integer({ min: 1, max: 5 }),
    successThreshold: fc.constant(1),
  }), { nil: undefined }),
  preStop: fc.integer({ min: 0, max: 10 }),
  grace: fc.integer({ min: 0, max: 60 }),
  replaceAfterExit: fc.boolean(),
});

const routingArb: fc.Arbitrary<EngineRouting> = fc.oneof(
  fc.constant({ mesh: false }),
  fc.record({
    mesh: fc.constant(true),
    retry: fc.option(fc.record({
      retries: fc.integer({ min: 0, max: 6 }),
      timeout: fc.constant(0),
      onRefused: fc.boolean(),
      onReset: fc.boolean(),
    }), { nil: undefined }),
  }),
);

const loadArb: fc.Arbitrary<EngineLoad> = fc.record({
  phases: fc.constant([{ duration: 60, rate: 5 }]),
  killEvery: fc.integer({ min: 5, max: 40 }),
  runs: fc.constant(6),
  seed: fc.integer({ min: 0, max: 1000 }),
});

const lost = (r: { sent: number; completed: number }): number => r.sent - r.completed;
const RUNS = { numRuns: Number(process.env.PROPERTY_RUNS ?? 60) };

describe('the simulation model', () => {
  test('no kills: nothing is lost', () => {
    fc.assert(fc.property(workloadArb, routingArb, timingsArb, loadArb, (w, r, t, l) => {
      const res = simulate(w, r, t, { ...l, killEvery: 0 });
      expect(res.completed).toBeCloseTo(res.sent, 6);
      expect(res.kills).toBe(0);
    }), RUNS);
  });

  test('completed, refused, reset and unavailable add up to the requests sent', () => {
    fc.assert(fc.property(workloadArb, routingArb, timingsArb, loadArb, (w, r, t, l) => {
      const res = simulate(w, r, t, l);
      expect(res.completed + res.refused + res.reset + res.unavailable).toBeCloseTo(res.sent, 6);
      const c = res.causes;
      expect(c.noEndpoint + c.listedBeforeListening + c.listedAfterStop + c.inFlightAtStop + c.routeTimeout).toBeCloseTo(lost(res), 6);
    }), RUNS);
  });

  test('seeded runs are reproducible', () => {
    fc.assert(fc.property(workloadArb, routingArb, timingsArb, loadArb, (w, r, t, l) => {
      expect(simulate(w, r, t, l)).toEqual(simulate(w, r, t, l));
    }), { numRuns: 20 });
  });

  test('a pre-stop delay never makes it worse', () => {
    fc.assert(fc.property(workloadArb, routingArb, timingsArb, loadArb, fc.integer({ min: 1, max: 10 }), (w, r, t, l, extra) => {
      // Kept under the kill interval: a killer faster than the pre-stop delay deletes the replacement before the old
      // pod is gone, which the next property states.
      const base = { ...w, replaceAfterExit: false, grace: 60 };
      const longer = { ...base, preStop: Math.min(base.preStop + extra, l.killEvery - 1) };
      expect(lost(simulate(longer, r, t, l))).toBeLessThanOrEqual(lost(simulate(base, r, t, l)) + EPS);
    }), RUNS);
  });

  test('retries never make it worse', () => {
    fc.assert(fc.property(workloadArb, timingsArb, loadArb, fc.integer({ min: 1, max: 6 }), fc.boolean(), (w, t, l, retries, onReset) => {
      const none: EngineRouting = { mesh: true, retry: { retries: 0, timeout: 0, onRefused: true, onReset } };
      const some: EngineRouting = { mesh: true, retry: { retries, timeout: 0, onRefused: true, onReset } };
      expect(lost(simulate(w, some, t, l))).toBeLessThanOrEqual(lost(simulate(w, none, t, l)) + EPS);
      const more: EngineRouting = { mesh: true, retry: { retries: retries + 1, timeout: 0, onRefused: true, onReset } };
      expect(lost(simulate(w, more, t, l))).toBeLessThanOrEqual(lost(simulate(w, some, t, l)) + EPS);
    }), RUNS);
  });

  test('more replicas never make it worse', () => {
    fc.assert(fc.property(workloadArb, routingArb, timingsArb, loadArb, (w, r, t, l) => {
      const more = { ...w, replicas: w.replicas + 1 };
      const [load, tol] = tolerance(w, t, l);
      expect(lost(simulate(more, r, t, load))).toBeLessThanOrEqual(lost(simulate(w, r, t, load)) + tol);
    }), RUNS);
  });

  test('a readiness probe never makes it worse with 2 replicas or more, when a pod has time to start between kills', () => {
    fc.assert(fc.property(workloadArb, routingArb, timingsArb, loadArb, probeArb, (w, r, t, l, probe) => {
      const base = { ...w, replicas: Math.max(2, w.replicas), readiness: undefined };
      const probed = { ...base, readiness: probe };
      fc.pre(readyAt(probed, 0, t.appStartup) + t.replacementStart + t.endpointAddition + base.preStop < l.killEvery);
      // A probe also delays a pod whose app listens at once; if the deleted pod were still listed then, it would keep
      // a larger share of the requests (fast-check found this). Deleted pods leave the table before replacements enter.
      fc.pre(t.endpointRemoval <= t.replacementStart + t.endpointAddition);
      const [load, tol] = tolerance(base, t, l);
      expect(lost(simulate(probed, r, t, load))).toBeLessThanOrEqual(lost(simulate(base, r, t, load)) + tol);
    }), RUNS);
  });

  test('a longer kill interval never makes it worse, when the killer finds a running pod at every tick', () => {
    fc.assert(fc.property(workloadArb, routingArb, timingsArb, loadArb, fc.integer({ min: 1, max: 30 }), (w, r, t, l, extra) => {
      // Another interval puts the kills elsewhere on the requests' grid (one every 1/rate s), so the two runs do not
      // share their phases: the comparison holds for the expectation, over 40 runs, within 2 % of the load.
      // The killer deletes only Running pods: one faster than a replacement's start finds none at some ticks and
      // skips them, so there a faster killer can do less harm (fast-check found it). Every tick finds a pod here.
      fc.pre((w.replaceAfterExit ? Math.min(w.preStop, w.grace) : 0) + t.replacementStart < l.killEvery);
      const load = { ...l, runs: 40 };
      const slower = { ...load, killEvery: load.killEvery + extra };
      const sent = l.phases.reduce((sum, p) => sum + p.duration * p.rate, 0);
      expect(lost(simulate(w, r, t, slower))).toBeLessThanOrEqual(lost(simulate(w, r, t, load)) + 0.02 * sent);
    }), RUNS);
  });

  test('with one replica, a readiness probe costs up to one probe period: the model says so rather than hiding it', () => {
    const t: EngineTimings = { replacementStart: 3, appStartup: 7, endpointRemoval: 1, endpointAddition: 0.5, inFlight: 0.2 };
    // A long load, so that the kills at its edges weigh little.
    const l: EngineLoad = { phases: [{ duration: 1500, rate: 10 }], killEvery: 15, runs: 4, seed: 1 };
    const none = simulate({ replicas: 1, preStop: 0, grace: 30 }, { mesh: false }, t, l);
    const readiness = { initialDelay: 0, period: 10, successThreshold: 1 };
    const probed = simulate({ replicas: 1, preStop: 0, grace: 30, readiness }, { mesh: false }, t, l);
    // Listening 7 s after its start, Ready at the probe tick at 10 s, then listed 0.5 s later (without a probe, that
    // addition happened while the app started): 3.5 s more per kill without any endpoint.
    expect(none.kills).toBe(100);
    expect((lost(probed) - lost(none)) / (10 * none.kills)).toBeCloseTo(3.5, 1);
  });

  test('arrivals follow the phases: constant and ramped rates', () => {
    expect(arrivals([{ duration: 120, rate: 10 }])).toHaveLength(1200);
    const ramp = arrivals([{ duration: 10, rate: 0, rampTo: 10 }]);
    expect(ramp).toHaveLength(50);
    expect(ramp.filter(x => x < 5)).toHaveLength(13);
  });
});

/**
 * Victims are drawn at random: with a different number of running pods, or another interval, the same draw can pick
 * a pod of another age. Where every pod is back before the next kill (recovery shorter than the interval) the
 * victim's age does not matter and the comparison is exact. Otherwise the comparison holds for the expectation only:
 * it is made over 40 runs, within 2 % of the load (the spread of such averages, measured on the counterexamples
 * fast-check found with fewer runs).
 */
function tolerance(w: EngineWorkload, t: EngineTimings, l: EngineLoad): [EngineLoad, number] {
  const recovery = readyAt(w, 0, t.appStartup) + t.replacementStart + t.endpointAddition + Math.min(w.preStop, w.grace) + t.endpointRemoval;
  const sent = l.phases.reduce((s, p) => s + p.duration * p.rate, 0);
  return recovery < l.killEvery ? [l, EPS] : [{ ...l, runs: 40 }, 0.02 * sent];
}

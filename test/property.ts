import { Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { problems } from './util';

// A clear error names the construct kind, its path, the prop, the value and what is allowed. A rule that spans
// constructs surfaces at synth, where cdk8s lists each failed validation as `[path] message`.
const CLEAR = /^[A-Z]\w+ '[^']+': '[\w.[\]-]+' \(.*\) (must|cannot|needs|is) .{10,}$/s;
const AT_SYNTH = /^Validation failed with the following errors:\n {2}\[[^\]]+\] ([A-Z]\w+ '[^']+': '[\w.[\]-]+' \(.*\) (must|cannot|needs|is) .{10,})$/s;

/** Whether the error is one of the library's own, in its one format. */
export function isClearError(e: unknown): boolean {
  const message = (e as Error)?.message ?? '';
  return e instanceof Error && !(e instanceof TypeError) && (CLEAR.test(message) || AT_SYNTH.test(message));
}

export interface Outcome {
  /** Runs that synthesized objects the validator accepts. */
  readonly valid: number;
  /** Runs refused with the library's error. */
  readonly refused: number;
  /** Objects synthesized by the valid runs. */
  readonly objects: number;
}

/**
 * Builds a construct from each random value in a fresh chart: it must end as the library's error, or as objects that
 * pass the validator (every object is also written to the corpus when CDK8S_RESILIENCE_CORPUS is set).
 */
export function judge<T>(arbitrary: fc.Arbitrary<T>, build: (chart: Chart, value: T) => void, numRuns: number, seed: number): Outcome {
  let valid = 0;
  let refused = 0;
  let objects = 0;
  fc.assert(fc.property(arbitrary, value => {
    const chart = Testing.chart();
    let manifests: any[];
    try {
      build(chart, value);
      manifests = Testing.synth(chart);
    } catch (e) {
      refused++;
      if (!isClearError(e)) throw new Error(`not the library's error: ${(e as Error)?.stack ?? e}`);
      return;
    }
    valid++;
    objects += manifests.length;
    expect(problems(manifests)).toEqual([]);
  }), { numRuns, seed });
  return { valid, refused, objects };
}

// Half of the optional values are left out, so that valid combinations stay common.
export const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

/** Mostly good values, sometimes bad ones (weight 1 in `1 + good`). */
export const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>, goodWeight = 5) =>
  fc.oneof({ weight: goodWeight, arbitrary: good }, { weight: 1, arbitrary: bad });

export const dnsLabel = fc.stringMatching(/^[a-z]([-a-z0-9]{0,14}[a-z0-9])?$/);
export const anyName = fc.stringMatching(/^[-a-zA-Z0-9_.é ]{0,70}$/);
export const imageRef = mostly(
  fc.constantFrom('nginxinc/nginx-unprivileged:1.27.2', 'registry.example.com:5000/team/web:v1', `web@sha256:${'a'.repeat(64)}`),
  fc.constantFrom('nginx', 'nginx:latest', 'Nginx:1.27', 'web: 1', ''), 4);
export const portName = mostly(fc.stringMatching(/^[a-z]([a-z0-9]{0,12}[a-z])?$/), fc.stringMatching(/^[-a-zA-Z0-9]{0,20}$/));
export const envName = mostly(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/), fc.stringMatching(/^[ -~é]{1,12}$/));
export const labelValue = mostly(fc.stringMatching(/^[a-z0-9]([-a-z0-9_.]{0,20}[a-z0-9])?$/), fc.stringMatching(/^[-a-zA-Z0-9_.é]{0,70}$/));
export const int32ish = (min: number, max: number) => mostly(fc.integer({ min, max }),
  fc.constantFrom(-1, 2 ** 31, 2 ** 31 - 1, 1.5, Number.NaN), 8);

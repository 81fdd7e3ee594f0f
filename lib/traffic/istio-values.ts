import { Duration } from 'cdk8s';
import { propError, Subject, verbatim } from '../core/validation';

/**
 * A duration as Istio writes it ("2s", "1500ms"); Istio's CRDs take Go-style duration strings.
 * @internal
 */
export function istioDuration(duration: Duration): string {
  const millis = duration.toMilliseconds({ integral: false });
  return millis % 1000 === 0 ? `${millis / 1000}s` : `${millis}ms`;
}

/**
 * A duration shown in an error message as Istio would write it.
 * @internal
 */
export function shownDuration(duration: Duration): { toString(): string } {
  return verbatim(istioDuration(duration));
}

/**
 * Istio refuses durations below 1 ms (`duration(self) >= duration('1ms')` in its CRDs).
 * @internal
 */
export function checkIstioDuration(subject: Subject, prop: string, duration: Duration | undefined): void {
  if (duration === undefined) return;
  if (!(duration.toMilliseconds({ integral: false }) >= 1)) {
    throw propError(subject, prop, shownDuration(duration), 'must be at least 1ms');
  }
}

/**
 * A share of requests, from 0 to 100; Istio's `percentage.value` is a double, so fractions are fine.
 * @internal
 */
export function checkPercent(subject: Subject, prop: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!(Number.isFinite(value) && value >= 0 && value <= 100)) {
    throw propError(subject, prop, value, 'must be a percentage from 0 to 100');
  }
}

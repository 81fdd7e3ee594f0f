import { Testing } from 'cdk8s';
import { synthValid } from './util';
import * as handwritten from '../bench/handwritten';
import * as library from '../bench/library';
import { FEATURES, objectsPerBackend, parseFeatures } from '../bench/scenarios';

/**
 * `npm run bench` compares ScalableBackend with the same objects written by hand with cdk8s-plus-27. The comparison
 * is only honest while both variants produce the same manifests: these tests hold them to it, with no feature, with
 * each feature the benchmark can turn on, and with all of them (what `npm run bench` runs by default).
 */
const FEATURE_SETS: string[][] = [[], ...Object.keys(FEATURES).map(f => [f]), Object.keys(FEATURES)];

describe.each(FEATURE_SETS.map(features => [features.join(', ') || 'no feature', features] as const))(
  'the benchmark variants with %s',
  (_name, features) => {
    const COUNT = 3;

    function synth(variant: typeof library): any[] {
      const chart = Testing.chart();
      variant.addBackends(chart, COUNT, features);
      return synthValid(chart);
    }

    test('synthesize the same manifests, object for object', () => {
      expect(synth(handwritten)).toEqual(synth(library));
    });

    test('synthesize the number of objects the benchmark expects', () => {
      expect(synth(library)).toHaveLength(COUNT * objectsPerBackend(features));
    });
  },
);

test('the benchmark refuses a feature it does not know', () => {
  expect(() => parseFeatures('autoscaling,warp-drive')).toThrow(/^unknown feature '(autoscaling|warp-drive)' \(known: .+\)$/);
});

test('the benchmark reads the feature list "none" as no feature', () => {
  expect(parseFeatures('none')).toEqual([]);
});

import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { refuseDuplicateNames } from '../../lib/core/unique-names';

describe('refuseDuplicateNames', () => {
  test('refuses two objects of one kind, namespace and name at synth, naming both construct paths', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    refuseDuplicateNames(chart);
    new kplus.ConfigMap(chart, 'a', { metadata: { name: 'settings' } });
    new kplus.ConfigMap(chart, 'b', { metadata: { name: 'settings' } });
    expect(() => app.synthYaml()).toThrow('ConfigMap.core \'shop/settings\' is defined twice, by \'shop/a\' and by \'shop/b\': give one of them another \'name\' (or namespace)');
  });

  test('accepts one name for two kinds, or in two namespaces', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'shop');
    refuseDuplicateNames(chart);
    new kplus.ConfigMap(chart, 'a', { metadata: { name: 'settings' } });
    new kplus.Secret(chart, 'b', { metadata: { name: 'settings' } });
    new kplus.ConfigMap(chart, 'c', { metadata: { name: 'settings', namespace: 'other' } });
    expect(() => app.synthYaml()).not.toThrow();
  });

  test('registers its check once per app', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'shop');
    refuseDuplicateNames(chart);
    refuseDuplicateNames(new Chart(app, 'other'));
    expect(app.node.validate()).toEqual([]);
    expect((app.node as any)._validations).toHaveLength(1);
  });
});

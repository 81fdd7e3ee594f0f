import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

const CHECKED = new WeakSet<IConstruct>();

/**
 * Refuses, at synth, two objects of one kind, namespace and name anywhere in the app (the second would silently
 * replace the first on apply), naming both construct paths. Registered once per app, on its root, by the workload
 * and Service constructs of this library (ResilientDeployment, ResilientStatefulSet, LoadBalancedService and the
 * composites built from them); it checks every ApiObject of the app, the library's or not.
 * @internal
 */
export function refuseDuplicateNames(scope: IConstruct): void {
  const root = scope.node.root;
  if (CHECKED.has(root)) return;
  CHECKED.add(root);
  root.node.addValidation({
    validate: () => {
      const seen = new Map<string, string>();
      const errors: string[] = [];
      for (const child of root.node.findAll()) {
        if (!ApiObject.isApiObject(child)) continue;
        const obj = child as ApiObject;
        const group = obj.apiGroup || 'core';
        const namespace = obj.metadata.namespace ?? Chart.of(obj).namespace ?? 'default';
        const key = `${obj.kind}.${group} '${namespace}/${obj.name}'`;
        // The construct that owns the object, without cdk8s-plus's inner `Resource` levels.
        const path = obj.node.path.replace(/(\/Resource)+$/, '');
        const first = seen.get(key);
        if (first) {
          errors.push(`${key} is defined twice, by '${first}' and by '${path}': give one of them another 'name' (or namespace)`);
        } else {
          seen.set(key, path);
        }
      }
      return errors;
    },
  });
}

import { podTemplateOf } from './pod-security';

/**
 * References between objects of one set, checked as a cluster would resolve them: a workload's selector matches its
 * own pods; Services, disruption budgets and autoscalers find what they point at; no two objects share a name.
 */
export function referenceProblems(objects: any[]): Map<any, string[]> {
  const found = new Map<any, string[]>();
  const report = (o: any, message: string) => found.set(o, [...found.get(o) ?? [], message]);
  const namespace = (o: any) => o.metadata?.namespace ?? '';
  const labelsOf = (template: any) => template?.metadata?.labels ?? {};

  const names = new Set<string>();
  for (const o of objects) {
    const key = [o.apiVersion?.split('/').length > 1 ? o.apiVersion.split('/')[0] : '', o.kind, namespace(o), o.metadata?.name].join('|');
    if (names.has(key)) report(o, `duplicate object ${o.kind} ${namespace(o)}/${o.metadata?.name}`);
    names.add(key);
  }

  const podSets = objects.filter(o => podTemplateOf(o)).map(o => ({ owner: o, template: podTemplateOf(o)! }));
  const selected = (o: any, selector: any) => podSets.filter(p => namespace(p.owner) === namespace(o) && selects(selector, labelsOf(p.template)));

  for (const { owner, template } of podSets) {
    if (['Pod', 'Job', 'CronJob'].includes(owner.kind) || !owner.spec.selector) continue;
    if (!selects(owner.spec.selector, labelsOf(template))) report(owner, 'spec.selector does not match the pod template labels');
  }

  for (const o of objects) {
    if (o.kind === 'Service' && Object.keys(o.spec?.selector ?? {}).length > 0) {
      const pods = selected(o, { matchLabels: o.spec.selector });
      if (pods.length === 0) report(o, 'Service selector matches no pod template in this set');
      for (const port of o.spec.ports ?? []) {
        if (typeof port.targetPort !== 'string' || pods.length === 0) continue;
        const containers = pods.flatMap(p => p.template.spec?.containers ?? []);
        const named = containers.some((c: any) => (c.ports ?? []).some((cp: any) => cp.name === port.targetPort));
        if (!named) report(o, `Service targetPort '${port.targetPort}' names no container port of the selected pods`);
      }
    }
    if (o.kind === 'PodDisruptionBudget' && selected(o, o.spec?.selector).length === 0) {
      report(o, 'PodDisruptionBudget selector matches no pod template in this set');
    }
    const target = ['HorizontalPodAutoscaler', 'ScaledObject'].includes(o.kind) ? o.spec?.scaleTargetRef
      : o.kind === 'VerticalPodAutoscaler' ? o.spec?.targetRef : undefined;
    if (target) {
      const kind = target.kind ?? 'Deployment';
      if (!objects.some(w => w.kind === kind && w.metadata?.name === target.name && namespace(w) === namespace(o))) {
        report(o, `${o.kind === 'VerticalPodAutoscaler' ? 'targetRef' : 'scaleTargetRef'} ${kind}/${target.name} is not in this set`);
      }
    }
  }
  return found;
}

/** Whether a label selector (matchLabels and matchExpressions) selects these labels; an empty selector selects none. */
export function selects(selector: any, labels: Record<string, string>): boolean {
  const matchLabels: Record<string, string> = selector?.matchLabels ?? {};
  const expressions: any[] = selector?.matchExpressions ?? [];
  if (Object.keys(matchLabels).length + expressions.length === 0) return false;
  const has = (key: string) => Object.prototype.hasOwnProperty.call(labels, key);
  return Object.entries(matchLabels).every(([k, v]) => labels[k] === v) && expressions.every(e => {
    switch (e.operator) {
      case 'In': return has(e.key) && e.values.includes(labels[e.key]);
      case 'NotIn': return !has(e.key) || !e.values.includes(labels[e.key]);
      case 'Exists': return has(e.key);
      case 'DoesNotExist': return !has(e.key);
      default: return false;
    }
  });
}

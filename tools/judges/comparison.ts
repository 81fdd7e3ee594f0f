// `npm run docs:comparison [WORKSHOPS] [--check]`: runs the manifest judges on the workshops' own YAML (default
// ../shared/workshop/manifests; each sub-folder holding YAML is one app, non-Kubernetes YAML is skipped) and on our
// synthesized apps (dist/manifests: run `npm run synth` first), and writes docs/comparison.md. With --check it writes
// nothing and exits 1 when the committed document differs from what it would write.
import * as fs from 'fs';
import * as path from 'path';
import { App, cell, DEFAULT_ALLOW_LIST, discoverApps, Finding, judgeApps, readAllowList, Report, ROOT, table, TOOLS } from './judges';

const DOC = path.join(ROOT, 'docs', 'comparison.md');

/** Which workshop each app reproduces (from the header of apps/<app>.ts), and the workshop folders it stands for. */
const REPRODUCES: Record<string, { what: string; folders: string[] }> = {
  'calculator': {
    what: 'itdesign Kubernetes workshop, steps 03 to 07: calculator backend and frontend (3 replicas each), then the backend with its PostgreSQL StatefulSet',
    folders: ['itdesign__kubernetes-workshop@fa0993f9/k8s-solutions/0[3-7]-*'],
  },
  'chaos-experiment': {
    what: 'ExpoQA 2022 talk, `ejem6-loadtest`/`ejem7-chaos`: the cats webapp under a pod killer and an artillery load test, with 1 replica, 2 replicas, and 2 replicas plus Istio retries',
    folders: ['MasterCloudApps__expoqa2022/ejem3-webgatos2-non-scalable/k8s', 'jnewland__kubernetes-pod-chaos-monkey/config/kubernetes/production'],
  },
  'fault-injection': {
    what: 'ExpoQA 2022 talk, `nginx-color-http-error`: nginx behind an Istio Gateway, half of the requests to `/app` aborted with 503',
    folders: ['_seed_snippets (004_slide_istio_fault_abort, 004_slide_istio_gateway)'],
  },
  'highload': {
    what: 'highload course homework (Darkzarich, part 2): FastAPI backend, HAProxy over PostgreSQL streaming replicas, nginx in front',
    folders: ['Darkzarich__microservice-course-assigment-2@26cccce/part2-k3d-k8s/k8s'],
  },
  'kube-monkey': {
    what: 'ExpoQA 2022 talk, kube-monkey slide: kube-monkey itself and an enrolled victim Deployment',
    folders: ['asobti__kube-monkey/examples', '_seed_snippets (004_slide_kube_monkey_victim)'],
  },
  'php-apache': {
    what: 'ExpoQA 2022 talk, `ejem2-hpa`: php-apache scaled by an `autoscaling/v2` HPA on CPU (and a KEDA variant)',
    folders: ['MasterCloudApps__expoqa2022/ejem2-hpa'],
  },
  'playground': {
    what: 'Playground workshop (001): frontend and backends per cluster, HPAs, Istio outlier detection, for GKE and Azure',
    folders: ['_seed_snippets (001_cmu_task4_hpa_template)'],
  },
  'todoapi': {
    what: 'todoapi lab (itt-learning-groups): probes, requests/limits, ConfigMap and Secret, NodePort Service, memory HPA',
    folders: ['itt-learning-groups__todoapi@a1516cc/build/k8s/dev', 'itt-learning-groups__todoapi@05aca37/build/k8s', 'itt-learning-groups__todoapi@f985fdd/build/k8s'],
  },
  'webgatos': {
    what: 'ExpoQA 2022 talk, `ejem8-istio` over `ejem4-webgatos2-scalable-hazelcast`: the cats webapp behind an Istio Gateway with retries',
    folders: ['MasterCloudApps__expoqa2022/ejem8-istio', 'MasterCloudApps__expoqa2022/ejem4-webgatos2-scalable-hazelcast/k8s'],
  },
  'webgatos-sessions': {
    what: 'ExpoQA 2022 talk, `ejem4-webgatos2-scalable` (sessions in MySQL) and `-hazelcast` (sessions in Hazelcast)',
    folders: ['MasterCloudApps__expoqa2022/ejem4-webgatos2-scalable/k8s', 'MasterCloudApps__expoqa2022/ejem4-webgatos2-scalable-hazelcast/k8s'],
  },
};

function versionsLine(): string {
  const file = path.join(TOOLS, 'versions.env');
  const v = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').join(', ') : 'unknown';
  return v;
}

function reportTable(report: Report): string {
  return table(['app', ...report.judges.map(j => j.id)],
    report.apps.map(a => [a.name, ...report.judges.map(j => cell(report, a.name, j.id))]));
}

function byCheck(ours: Finding[], theirs: Finding[]): string {
  const key = (f: Finding) => `${f.tool.split(' ')[0]}\t${f.check}`;
  const count = (list: Finding[]) => list.reduce((m, f) => m.set(key(f), (m.get(key(f)) ?? 0) + 1), new Map<string, number>());
  const a = count(ours);
  const b = count(theirs);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return table(['tool', 'check', 'our apps', 'workshops'], keys.map(k => [...k.split('\t'), String(a.get(k) ?? 0), String(b.get(k) ?? 0)]));
}

function totals(report: Report): string {
  const all = report.findings.length;
  const open = report.findings.filter(f => !f.allowedBy).length;
  const objects = report.apps.reduce((n, a) => n + a.objects.length, 0);
  return `${report.apps.length} apps, ${objects} objects: ${all} findings, ${all - open} of them allow-listed, ${open} open`;
}

export function render(ours: Report, workshops: Report, dropped: string[]): string {
  const polaris = ours.judges.find(j => j.id === 'polaris')?.unavailable;
  const skipped = (apps: App[]) => apps.flatMap(a => a.skipped.map(s => `${a.name}/${s}`)).sort();
  const lines = [
    '# The workshops\' YAML and our apps, through the same judges',
    '',
    '<!-- Generated by `npm run docs:comparison` (tools/judges/comparison.ts). Do not edit by hand. -->',
    '',
    'Every app below went through the judges platform teams run on manifests before they reach a cluster, with the',
    'same flags and the same allow-list (`tools/judges/allow-list.yaml`): kubeconform (`-strict`, offline schemas of',
    'two Kubernetes lines and our vendored CRDs), kubectl-validate (the same two lines, CRDs from `vendor/crds`),',
    'kube-score (CRITICAL findings; WARNINGs counted apart), checkov (`--framework kubernetes`, failed checks) and',
    '`istioctl analyze --use-kube=false` (errors and warnings, on apps with Istio objects).',
    '',
    `Versions: ${versionsLine()}.`,
    polaris ? `Polaris: ${polaris}; its column reads n/a.` : '',
    '',
    'A cell is the number of findings not allow-listed; `(+N allowed)` counts accepted ones, `N warn` kube-score',
    'WARNINGs (not gating); `-` means the judge had nothing to look at (istioctl on an app without Istio objects).',
    '',
    '## Our apps (`dist/manifests`)',
    '',
    totals(ours) + '.',
    '',
    reportTable(ours),
    '',
    '## The workshops\' own YAML (`shared/workshop/manifests`)',
    '',
    'Each folder holding YAML is one app; documents that are not Kubernetes objects are left out.',
    '',
    totals(workshops) + '.',
    '',
    reportTable(workshops),
    '',
    '## Which workshop each app reproduces',
    '',
    table(['app', 'reproduces', 'workshop folders'], Object.keys(REPRODUCES).sort().map(k => [k, REPRODUCES[k].what, REPRODUCES[k].folders.map(f => `\`${f}\``).join(', ')])),
    '',
    '## Findings by check',
    '',
    'All findings, allow-listed ones included, per tool and check id (both kubeconform lines and both kubectl-validate',
    'lines are added up).',
    '',
    byCheck(ours.findings, workshops.findings),
    '',
  ];
  const left = [...dropped.map(d => `${d}/: no Kubernetes object in its YAML`), ...skipped(workshops.apps)];
  if (left.length) lines.push('## Left out of the workshops\' YAML', '', ...left.map(s => `- ${s}`), '');
  return lines.filter((l, i, all) => !(l === '' && all[i - 1] === '')).join('\n');
}

function subset(report: Report, apps: App[]): Report {
  const names = new Set(apps.map(a => a.name));
  return {
    apps,
    judges: report.judges,
    verdicts: new Map([...report.verdicts].filter(([name]) => names.has(name))),
    findings: report.findings.filter(f => names.has(f.app)),
    notes: report.notes.filter(f => names.has(f.app)),
  };
}

function main(argv: string[]): number {
  let workshopsDir = path.resolve(ROOT, '..', 'shared', 'workshop', 'manifests');
  let check = false;
  for (const arg of argv) {
    if (arg === '--check') check = true;
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else workshopsDir = path.resolve(arg);
  }
  const oursDir = path.join(ROOT, 'dist', 'manifests');
  if (!fs.existsSync(oursDir)) throw new Error(`${oursDir} missing: run \`npm run synth\` first`);
  if (!fs.existsSync(workshopsDir)) throw new Error(`${workshopsDir} missing`);
  const allow = readAllowList(DEFAULT_ALLOW_LIST);
  const oursApps = discoverApps(oursDir);
  const all = discoverApps(workshopsDir, { keepEmpty: true });
  const workshopApps = all.filter(a => a.objects.length > 0);
  const dropped = all.filter(a => a.objects.length === 0).map(a => a.name);
  const clash = workshopApps.filter(w => oursApps.some(o => o.name === w.name));
  if (clash.length) throw new Error(`app names in both sets: ${clash.map(a => a.name).join(', ')}`);
  // one run for both sets (checkov takes long to start), split afterwards; the allow-list sees the real app names
  const both = judgeApps([...oursApps, ...workshopApps], allow);
  const ours = subset(both, oursApps);
  const workshops = subset(both, workshopApps);
  const unavailable = ours.judges.filter(j => j.unavailable && j.id !== 'polaris');
  if (unavailable.length) throw new Error(unavailable.map(j => `${j.id}: ${j.unavailable}`).join('\n'));
  const text = render(ours, workshops, dropped);
  if (check) {
    const current = fs.existsSync(DOC) ? fs.readFileSync(DOC, 'utf8') : '';
    if (current !== text) {
      console.error(`${path.relative(ROOT, DOC)} is not current: run \`npm run docs:comparison\` and commit it`);
      return 1;
    }
    console.log(`${path.relative(ROOT, DOC)} is current`);
    return 0;
  }
  fs.mkdirSync(path.dirname(DOC), { recursive: true });
  fs.writeFileSync(DOC, text);
  console.log(`wrote ${path.relative(ROOT, DOC)}: ${totals(ours)} (ours); ${totals(workshops)} (workshops)`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 2;
}

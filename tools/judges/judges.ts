// The manifest judges platform teams run, run on folders of Kubernetes YAML ("apps"), with one allow-list.
// Shared by check-manifests.ts (the gate) and comparison.ts (docs/comparison.md). Tools come from .tools/ (install.sh).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
// yaml is a devDependency: these tools run in development and CI only, never from the published library
import { parse as parseYaml, parseAllDocuments } from 'yaml';

export const ROOT = path.resolve(__dirname, '..', '..');
export const TOOLS = path.join(ROOT, '.tools');
const BIN = path.join(TOOLS, 'bin');
const SCHEMAS = path.join(TOOLS, 'schemas');
export const DEFAULT_ALLOW_LIST = path.join(__dirname, 'allow-list.yaml');
const CRDS = path.join(ROOT, 'vendor', 'crds');

/** One object of an app, as read from its YAML. */
export interface K8sObject { apiVersion: string; kind: string; name: string; namespace?: string; file: string; text: string }

/** A folder of Kubernetes YAML judged as one unit. */
export interface App { name: string; objects: K8sObject[]; skipped: string[] }

export interface Finding {
  tool: string;
  app: string;
  object: string;
  check: string;
  message: string;
  /** set when an allow-list entry accepts it */
  allowedBy?: AllowEntry;
}

export interface AllowEntry { tool: string; check: string; app?: string; object?: string; reason: string; used?: number }

/** What one judge said about one app: gating findings, and notes that never gate (kube-score WARNINGs, istio Info). */
export interface Verdict { findings: Finding[]; notes: Finding[]; ran: boolean }

export interface Judge {
  /** column name, e.g. "kubeconform 1.27" */
  id: string;
  /** the tool name allow-list entries use ("kubeconform" matches both lines; "kubeconform 1.27" only one) */
  tool: string;
  /** why it cannot run, or undefined when it can */
  unavailable(): string | undefined;
  run(apps: StagedApp[]): Map<string, Verdict>;
}

export interface StagedApp extends App { dir: string; files: Map<string, K8sObject[]> }

export function objectId(o: { kind: string; name: string; namespace?: string }): string {
  return `${o.kind}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading apps

/** Kubernetes objects of the YAML files directly in `dir` (documents without apiVersion and kind are skipped). */
export function readApp(name: string, dir: string): App {
  const objects: K8sObject[] = [];
  const skipped: string[] = [];
  for (const file of fs.readdirSync(dir).filter(f => /\.ya?ml$/.test(f)).sort()) {
    const source = fs.readFileSync(path.join(dir, file), 'utf8');
    let docs;
    try {
      docs = parseAllDocuments(source);
    } catch (e) {
      skipped.push(`${file}: not YAML (${(e as Error).message.split('\n')[0]})`);
      continue;
    }
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, i) => {
      const get = (...p: string[]) => { try { return doc.getIn(p); } catch { return undefined; } };
      const apiVersion = get('apiVersion');
      const kind = get('kind');
      if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
        if (doc.contents !== null) skipped.push(`${file} #${i + 1}: not a Kubernetes object`);
        return;
      }
      const [start, , end] = doc.range;
      const nameValue = get('metadata', 'name') ?? get('metadata', 'generateName');
      const ns = get('metadata', 'namespace');
      objects.push({
        apiVersion,
        kind,
        file,
        name: typeof nameValue === 'string' ? nameValue : `#${i + 1}`,
        namespace: typeof ns === 'string' ? ns : undefined,
        // the document's own text: re-serializing would hide what a judge should see (duplicate keys, quoting)
        text: source.slice(start, end).replace(/^---[^\n]*\n/, ''),
      });
    });
  }
  return { name, objects, skipped };
}

function hasYaml(dir: string): boolean {
  return fs.readdirSync(dir).some(f => /\.ya?ml$/.test(f) && fs.statSync(path.join(dir, f)).isFile());
}

/**
 * The apps under `dir`: each sub-folder (at any depth) that holds YAML files is one app, named by its path below
 * `dir`; a `dir` that holds YAML itself is one app named after it. Apps without any Kubernetes object are dropped.
 */
export function discoverApps(dir: string, opts: { keepEmpty?: boolean } = {}): App[] {
  const apps: App[] = [];
  if (hasYaml(dir)) apps.push(readApp(path.basename(path.resolve(dir)), dir));
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).sort((a, b) => byCodePoint(a.name, b.name))) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (hasYaml(path.join(dir, rel))) apps.push(readApp(rel, path.join(dir, rel)));
      walk(rel);
    }
  };
  walk('');
  return apps.filter(a => opts.keepEmpty || a.objects.length > 0).sort((a, b) => byCodePoint(a.name, b.name));
}

/** Locale-independent order, so that reports read the same on every machine. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Copies each app's Kubernetes objects (only those) into a folder of its own under a temporary root. */
export function stage(apps: App[]): { root: string; staged: StagedApp[] } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'judges-'));
  const staged = apps.map((app, i) => {
    const dir = path.join(root, `${String(i).padStart(3, '0')}-${app.name.replace(/[^A-Za-z0-9._-]+/g, '_')}`);
    fs.mkdirSync(dir);
    const files = new Map<string, K8sObject[]>();
    for (const o of app.objects) {
      const name = o.file.replace(/\.yml$/, '.yaml');
      files.set(name, [...(files.get(name) ?? []), o]);
    }
    for (const [name, objects] of files) {
      fs.writeFileSync(path.join(dir, name), objects.map(o => o.text.replace(/\s*$/, '\n')).join('---\n'));
    }
    return { ...app, dir, files };
  });
  return { root, staged };
}

// ---------------------------------------------------------------------------------------------------------------
// Running tools

function exec(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function versions(): Record<string, string> {
  const file = path.join(TOOLS, 'versions.env');
  if (!fs.existsSync(file)) return {};
  return Object.fromEntries(fs.readFileSync(file, 'utf8').split('\n').filter(l => l.includes('=')).map(l => l.split('=', 2) as [string, string]));
}

function missing(...files: string[]): string | undefined {
  const absent = files.filter(f => !fs.existsSync(f));
  return absent.length ? `${absent.map(f => path.relative(ROOT, f)).join(', ')} missing: run tools/judges/install.sh` : undefined;
}

function toolError(judge: string, app: string, message: string): Verdict {
  return { ran: true, notes: [], findings: [{ tool: judge, app, object: '-', check: 'tool-error', message: message.trim().split('\n').slice(0, 5).join(' | ') }] };
}

function perApp(apps: StagedApp[], fn: (app: StagedApp) => Verdict): Map<string, Verdict> {
  return new Map(apps.map(app => [app.name, fn(app)]));
}

/** The object a document index of a staged file refers to. */
function objectAt(app: StagedApp, file: string, index: number): string {
  const o = app.files.get(path.basename(file))?.[index];
  return o ? objectId(o) : `${path.basename(file)} #${index + 1}`;
}

function kubeconform(line: 'K8S_OLD' | 'K8S_NEW'): Judge {
  const v = () => versions()[line] ?? '';
  const id = () => `kubeconform ${v().replace(/^v(\d+\.\d+).*/, '$1') || line}`;
  const schemaDir = () => path.join(SCHEMAS, 'kubeconform');
  return {
    get id() { return id(); },
    tool: 'kubeconform',
    unavailable: () => missing(path.join(BIN, 'kubeconform'), path.join(schemaDir(), `${v()}-standalone-strict`)),
    run: apps => perApp(apps, app => {
      const r = exec(path.join(BIN, 'kubeconform'), ['-strict', '-summary', '-output', 'json', '-kubernetes-version', v().replace(/^v/, ''),
        '-schema-location', schemaDir(),
        '-schema-location', path.join(schemaDir(), 'crds', '{{.Group}}', '{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'),
        app.dir]);
      let out;
      try { out = JSON.parse(r.stdout); } catch { return toolError(id(), app.name, r.stderr || r.stdout); }
      const findings: Finding[] = [];
      for (const res of out.resources ?? []) {
        // kubeconform reports kind and name; the namespace comes from our own reading of the file
        const own = app.files.get(path.basename(res.filename ?? ''))?.find(o => o.kind === res.kind && o.name === res.name);
        const object = own ? objectId(own) : res.kind ? `${res.kind}/${res.name || '(no name)'}` : path.basename(res.filename ?? '-');
        if (res.status === 'statusInvalid') {
          for (const e of res.validationErrors ?? [{ path: '', msg: res.msg }]) {
            findings.push({ tool: id(), app: app.name, object, check: 'invalid', message: `${e.path || '/'}: ${e.msg}` });
          }
        } else if (res.status === 'statusError') {
          const check = /could not find schema/.test(res.msg) ? 'missing-schema' : 'error';
          findings.push({ tool: id(), app: app.name, object, check, message: `${res.msg}${res.version ? ` (apiVersion ${res.version})` : ''}` });
        }
      }
      if (r.status !== 0 && findings.length === 0) return toolError(id(), app.name, r.stderr || `exit ${r.status}`);
      return { ran: true, findings, notes: [] };
    }),
  };
}

function kubectlValidate(line: 'K8S_OLD' | 'K8S_NEW'): Judge {
  const v = () => versions()[line] ?? '';
  const minor = () => v().replace(/^v(\d+\.\d+).*/, '$1');
  const id = () => `kubectl-validate ${minor() || line}`;
  // 1.27 is built into kubectl-validate. Its builtins end at 1.30, and for any other --version it asks GitHub, so the
  // newest line runs as --version 1.30 with --local-schemas: the module's OpenAPI v3 files, which take precedence
  // (kubectl-validate merges group-versions, first source first); 1.30's builtins only answer for group-versions
  // that the newest line no longer serves.
  const local = () => line === 'K8S_NEW' ? path.join(SCHEMAS, 'kubectl-validate', v()) : undefined;
  const builtin = () => line === 'K8S_NEW' ? KUBECTL_VALIDATE_NEWEST_BUILTIN : minor();
  return {
    get id() { return id(); },
    tool: 'kubectl-validate',
    unavailable: () => missing(path.join(BIN, 'kubectl-validate'), ...(local() ? [local()!] : [])),
    run: apps => perApp(apps, app => {
      const args = [app.dir, '--version', builtin(), '--local-crds', CRDS, '-o', 'json'];
      if (local()) args.push('--local-schemas', local()!);
      // no kubeconfig: it must never reach a cluster (nor the network for schemas)
      const r = exec(path.join(BIN, 'kubectl-validate'), args, { env: { KUBECONFIG: '/dev/null' } });
      let out: Record<string, any[]>;
      try { out = JSON.parse(r.stdout); } catch { return toolError(id(), app.name, r.stderr || r.stdout); }
      const findings: Finding[] = [];
      for (const [file, statuses] of Object.entries(out)) {
        statuses.forEach((s, i) => {
          if (s.status === 'Success') return;
          const object = objectAt(app, file, i);
          const causes: any[] = s.details?.causes ?? [];
          if (causes.length === 0) {
            // an apiVersion it has no schema for (removed from Kubernetes, or a CRD we do not vendor) is an InternalError
            const check = /failed to locate OpenAPI spec/.test(s.message) ? 'missing-schema' : s.reason || 'error';
            findings.push({ tool: id(), app: app.name, object, check, message: s.message });
          }
          for (const c of causes) {
            findings.push({ tool: id(), app: app.name, object, check: c.reason || s.reason || 'error', message: `${c.field ? `${c.field}: ` : ''}${c.message}` });
          }
        });
      }
      if (r.status !== 0 && findings.length === 0) return toolError(id(), app.name, r.stderr || `exit ${r.status}`);
      return { ran: true, findings, notes: [] };
    }),
  };
}

/** kubectl-validate v0.0.4 embeds the schemas of Kubernetes 1.23 to 1.30 (pkg/openapiclient/builtins). */
const KUBECTL_VALIDATE_NEWEST_BUILTIN = '1.30';

const KUBE_SCORE_CRITICAL = 1;
const KUBE_SCORE_WARNING = 5;

function kubeScore(): Judge {
  const id = 'kube-score';
  return {
    id,
    tool: id,
    unavailable: () => missing(path.join(BIN, 'kube-score')),
    run: apps => perApp(apps, app => {
      const files = [...app.files.keys()].map(f => path.join(app.dir, f));
      const r = exec(path.join(BIN, 'kube-score'), ['score', '--output-format', 'json', '--kubernetes-version', 'v1.27', ...files]);
      let out: any[];
      try { out = JSON.parse(r.stdout); } catch { return toolError(id, app.name, r.stderr || r.stdout); }
      const findings: Finding[] = [];
      const notes: Finding[] = [];
      for (const obj of out ?? []) {
        const object = objectId({ kind: obj.type_meta?.kind, name: obj.object_meta?.name, namespace: obj.object_meta?.namespace });
        for (const c of obj.checks ?? []) {
          if (c.skipped) continue;
          const message = (c.comments ?? []).map((m: any) => `${m.path ? `${m.path}: ` : ''}${m.summary}`).join('; ') || c.check.name;
          const f = { tool: id, app: app.name, object, check: c.check.id, message };
          if (c.grade <= KUBE_SCORE_CRITICAL) findings.push(f);
          else if (c.grade <= KUBE_SCORE_WARNING) notes.push({ ...f, message: `WARNING ${message}` });
        }
      }
      return { ran: true, findings, notes };
    }),
  };
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod']);

function checkov(): Judge {
  const id = 'checkov';
  const exe = path.join(TOOLS, 'venv', 'bin', 'checkov');
  return {
    id,
    tool: id,
    unavailable: () => missing(exe),
    // one run over every staged app (checkov starts slowly), results mapped back by file path
    run: apps => {
      const result = new Map<string, Verdict>(apps.map(a => [a.name, { ran: true, findings: [], notes: [] }]));
      if (apps.length === 0) return result;
      const root = path.dirname(apps[0].dir);
      const r = exec(exe, ['--directory', root, '--framework', 'kubernetes', '--output', 'json', '--quiet', '--compact',
        '--skip-download'], { env: { BC_SKIP_MAPPING: 'TRUE', CHECKOV_NO_VERSION_CHECK: '1', ANSI_COLORS_DISABLED: '1' } });
      let out: any;
      try { out = JSON.parse(r.stdout); } catch { return new Map(apps.map(a => [a.name, toolError(id, a.name, r.stderr || r.stdout)])); }
      const reports: any[] = Array.isArray(out) ? out : [out];
      const byDir = new Map(apps.map(a => [path.basename(a.dir), a]));
      for (const report of reports) {
        for (const c of report.results?.failed_checks ?? []) {
          // file_path is relative to --directory: /<staged app folder>/<file>
          const [dirName, file] = String(c.file_path).replace(/^\//, '').split('/');
          const app = byDir.get(dirName);
          if (!app) continue;
          // resource: Kind.namespace.name (namespace "default" when the object names none); the graph checks (CKV2_*)
          // name the Pod a workload makes: Pod.namespace.<workload name>.<its labels>. Either way, the finding is
          // about the object of ours whose name starts the rest, the longest such name.
          const [kind, ns, ...restParts] = String(c.resource).split('.');
          const rest = restParts.join('.');
          // the same kind first; for a Pod the graph checks derived, the workload that makes it (not a namesake ConfigMap)
          const rank = (o: K8sObject) => (o.kind === kind ? 2 : 0) + (kind === 'Pod' && WORKLOADS.has(o.kind) ? 1 : 0);
          const own = (app.files.get(file) ?? [])
            .filter(o => (o.namespace ?? 'default') === ns && (rest === o.name || rest.startsWith(`${o.name}.`)))
            .sort((a, b) => rank(b) - rank(a) || b.name.length - a.name.length)[0];
          const object = own ? objectId(own) : objectId({ kind, name: rest, namespace: ns });
          result.get(app.name)!.findings.push({ tool: id, app: app.name, object, check: c.check_id, message: c.check_name });
        }
        for (const e of report.results?.parsing_errors ?? []) {
          const dirName = String(e).replace(/^\//, '').split(path.sep).find(p => byDir.has(p));
          const app = dirName ? byDir.get(dirName) : undefined;
          if (app) result.get(app.name)!.findings.push({ tool: id, app: app.name, object: '-', check: 'parsing-error', message: String(e) });
        }
      }
      return result;
    },
  };
}

function istioctl(): Judge {
  const id = 'istioctl';
  const isIstio = (o: K8sObject) => /(^|\.)istio\.io\//.test(o.apiVersion);
  return {
    id,
    tool: id,
    unavailable: () => missing(path.join(BIN, 'istioctl')),
    run: apps => perApp(apps, app => {
      if (!app.objects.some(isIstio)) return { ran: false, findings: [], notes: [] };
      // the whole app in one run (a folder is read recursively), in every namespace it uses: the analyzers check the
      // VirtualServices' gateways and hosts against the app's Gateways, Services and workloads
      const r = exec(path.join(BIN, 'istioctl'), ['analyze', '--use-kube=false', '--all-namespaces', '--output', 'json',
        '--output-threshold', 'Info', '--failure-threshold', 'Warning', '--color=false', app.dir], { env: { KUBECONFIG: '/dev/null' } });
      let out: any[];
      try { out = JSON.parse(r.stdout); } catch { return toolError(id, app.name, r.stderr || r.stdout); }
      const findings: Finding[] = [];
      const notes: Finding[] = [];
      for (const m of out ?? []) {
        // origin: "VirtualService default/nginx" (or "Kind name" when cluster-scoped)
        const [kind, nsName = ''] = String(m.origin ?? '').split(' ');
        const [ns, name] = nsName.includes('/') ? nsName.split('/') : [undefined, nsName];
        const own = app.objects.find(o => o.kind === kind && o.name === name && (o.namespace ?? 'default') === (ns ?? 'default'));
        const object = own ? objectId(own) : (m.origin || '-');
        const f = { tool: id, app: app.name, object, check: m.code, message: m.message };
        if (m.level === 'Error' || m.level === 'Warning') findings.push(f);
        else notes.push({ ...f, message: `${m.level} ${m.message}` });
      }
      return { ran: true, findings, notes };
    }),
  };
}

/** Polaris is part of the set platform teams run, but the module proxy does not serve github.com/fairwindsops/polaris. */
function polaris(): Judge {
  return {
    id: 'polaris',
    tool: 'polaris',
    unavailable: () => 'not installed: the Go module proxy refuses github.com/fairwindsops/polaris (403), and no other registry ships it',
    run: apps => new Map(apps.map(a => [a.name, { ran: false, findings: [], notes: [] }])),
  };
}

export function allJudges(): Judge[] {
  return [kubeconform('K8S_OLD'), kubeconform('K8S_NEW'), kubectlValidate('K8S_OLD'), kubectlValidate('K8S_NEW'),
    kubeScore(), polaris(), checkov(), istioctl()];
}

// ---------------------------------------------------------------------------------------------------------------
// Allow-list

export function readAllowList(file: string): AllowEntry[] {
  const entries = parseYaml(fs.readFileSync(file, 'utf8')) ?? [];
  if (!Array.isArray(entries)) throw new Error(`${file}: a list of entries expected`);
  return entries.map((e: any, i: number) => {
    for (const key of Object.keys(e)) {
      if (!['tool', 'check', 'app', 'object', 'reason'].includes(key)) throw new Error(`${file} entry ${i + 1}: unknown key ${key}`);
    }
    if (!e.tool || !e.check) throw new Error(`${file} entry ${i + 1}: tool and check are required`);
    if (!e.reason || String(e.reason).trim().length < 10) throw new Error(`${file} entry ${i + 1} (${e.tool} ${e.check}): a reason is required`);
    if (e.check === '*' || /[*?]/.test(e.check)) throw new Error(`${file} entry ${i + 1}: a check id must be exact (never switch a whole tool off)`);
    return { tool: String(e.tool), check: String(e.check), app: e.app, object: e.object, reason: String(e.reason), used: 0 };
  });
}

function glob(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined) return true;
  const re = new RegExp(`^${pattern.split('*').map(s => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

export function applyAllowList(findings: Finding[], entries: AllowEntry[]): void {
  for (const f of findings) {
    const e = entries.find(a => (a.tool === f.tool || f.tool.startsWith(`${a.tool} `)) && a.check === f.check && glob(a.app, f.app) && glob(a.object, f.object));
    if (e) {
      f.allowedBy = e;
      e.used = (e.used ?? 0) + 1;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One run of every judge on every app

export interface Report {
  apps: App[];
  judges: Array<{ id: string; unavailable?: string }>;
  /** app -> judge id -> verdict */
  verdicts: Map<string, Map<string, Verdict>>;
  findings: Finding[];
  notes: Finding[];
}

export function judgeApps(apps: App[], allow: AllowEntry[], judges: Judge[] = allJudges()): Report {
  const { root, staged } = stage(apps);
  try {
    const verdicts = new Map<string, Map<string, Verdict>>(apps.map(a => [a.name, new Map()]));
    const meta: Report['judges'] = [];
    for (const judge of judges) {
      const unavailable = judge.unavailable();
      meta.push({ id: judge.id, unavailable });
      if (unavailable) continue;
      for (const [app, verdict] of judge.run(staged)) verdicts.get(app)!.set(judge.id, verdict);
    }
    const findings = [...verdicts.values()].flatMap(m => [...m.values()].flatMap(v => v.findings));
    const notes = [...verdicts.values()].flatMap(m => [...m.values()].flatMap(v => v.notes));
    applyAllowList(findings, allow);
    return { apps, judges: meta, verdicts, findings, notes };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** A cell: "0", "3", "0 (+2 allowed)", "-" (not applicable), "n/a" (tool unavailable). */
export function cell(report: Report, app: string, judge: string): string {
  const meta = report.judges.find(j => j.id === judge)!;
  if (meta.unavailable) return 'n/a';
  const v = report.verdicts.get(app)?.get(judge);
  if (!v || !v.ran) return '-';
  const open = v.findings.filter(f => !f.allowedBy).length;
  const allowed = v.findings.length - open;
  const warnings = v.notes.filter(n => n.message.startsWith('WARNING') || n.message.startsWith('Warning')).length;
  const extra = [allowed ? `+${allowed} allowed` : '', warnings ? `${warnings} warn` : ''].filter(Boolean).join(', ');
  return extra ? `${open} (${extra})` : `${open}`;
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function findingLine(f: Finding): string {
  return `${f.tool} | ${f.app} | ${f.object} | ${f.check} | ${f.message.replace(/\s+/g, ' ')}`;
}

// A real kube-apiserver (with etcd) on loopback, as a judge for synthesized manifests.
//
//   const server = await startApiServer({ line: 'v1.37' });
//   await installCrds(server, crdFiles);
//   const results = await applyObjects(server, objects, { dryRun: false });
//   await server.stop();
//
// The binaries come from tools/kube/build.sh (.tools/kube/<version>/bin, .tools/kube/etcd-<version>/bin).
// Everything runs in a fresh temporary directory (etcd data, certificates, keys, token file, kubeconfig, logs) that
// stop() deletes; stop() also runs on SIGINT/SIGTERM and, best effort, when the process exits.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = path.resolve(__dirname, '..', '..');
const KUBE_DIR = __dirname;
const TOOLS_DIR = process.env.KUBE_TOOLS_DIR ?? path.join(ROOT, '.tools', 'kube');
export const FIELD_MANAGER = 'cdk8s-resilience-check';

/** A Kubernetes line this folder pins (tools/kube/<line>/go.mod) and where build.sh puts its binaries. */
export interface KubeLine {
  readonly line: string; // 'v1.27'
  readonly version: string; // 'v1.27.16'
  readonly binDir: string;
}

function pinned(goMod: string, module: string): string {
  const text = fs.readFileSync(goMod, 'utf8');
  const m = new RegExp(`^(?:require)?\\s*${module.replace(/[./]/g, '\\$&')} (v\\S+)`, 'm').exec(text);
  if (!m) throw new Error(`${goMod} pins no ${module}`);
  return m[1];
}

/** The pinned Kubernetes lines, oldest first. */
export function kubeLines(): KubeLine[] {
  return fs
    .readdirSync(KUBE_DIR)
    .filter((d) => /^v1\.\d+$/.test(d) && fs.existsSync(path.join(KUBE_DIR, d, 'go.mod')))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))
    .map((line) => {
      const version = pinned(path.join(KUBE_DIR, line, 'go.mod'), 'k8s.io/kubernetes');
      return { line, version, binDir: path.join(TOOLS_DIR, version, 'bin') };
    });
}

export function etcdBinary(): string {
  const version = pinned(path.join(KUBE_DIR, 'etcd', 'go.mod'), 'go.etcd.io/etcd/server/v3');
  return path.join(TOOLS_DIR, `etcd-${version}`, 'bin', 'etcd');
}

export function kwokBinary(): string {
  const version = pinned(path.join(KUBE_DIR, 'kwok', 'go.mod'), 'sigs.k8s.io/kwok');
  return path.join(TOOLS_DIR, `kwok-${version}`, 'bin', 'kwok');
}

export function lineOf(lineOrVersion?: string): KubeLine {
  const lines = kubeLines();
  if (!lineOrVersion) return lines[lines.length - 1];
  const found = lines.find((l) => l.line === lineOrVersion || l.version === lineOrVersion);
  if (!found) throw new Error(`no pinned Kubernetes line ${lineOrVersion} (have ${lines.map((l) => l.line).join(', ')})`);
  return found;
}

function requireBinary(file: string): string {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run tools/kube/build.sh first`);
  return file;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------------
// Processes: every child is tracked, so that SIGINT, SIGTERM and exit stop them.

const children = new Set<ChildProcess>();
const cleanups = new Set<() => Promise<void>>();
let handlersInstalled = false;

function installHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const onSignal = (signal: NodeJS.Signals) => {
    void Promise.allSettled([...cleanups].map((c) => c())).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
}

/** A started process whose output goes to <logDir>/<name>.log. */
export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  exited(): boolean;
  stop(): Promise<void>;
  tail(lines?: number): string;
}

export function startProcess(name: string, file: string, args: string[], logDir: string, env?: NodeJS.ProcessEnv): Proc {
  installHandlers();
  const logFile = path.join(logDir, `${name}.log`);
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(file, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  fs.closeSync(fd);
  children.add(child);
  let done = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      done = true;
      children.delete(child);
      resolve();
    });
    child.once('error', () => {
      done = true;
      children.delete(child);
      resolve();
    });
  });
  return {
    name,
    child,
    logFile,
    exited: () => done,
    tail: (lines = 30) => {
      try {
        return fs.readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
    stop: async () => {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Certificates and keys

function openssl(args: string[], cwd: string) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

interface Pki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  saKey: string;
  saPub: string;
}

/** A throw-away CA, a serving certificate for 127.0.0.1/localhost signed by it, and a service-account key pair. */
function makePki(dir: string): Pki {
  fs.mkdirSync(dir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=cdk8s-resilience-check-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver'], dir);
  fs.writeFileSync(path.join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt',
    '-days', '2', '-extfile', 'server.ext'], dir);
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  fs.writeFileSync(path.join(dir, 'sa.key'), privateKey.export({ type: 'sec1', format: 'pem' }), { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  const f = (n: string) => path.join(dir, n);
  return { caCert: f('ca.crt'), caKey: f('ca.key'), serverCert: f('server.crt'), serverKey: f('server.key'), saKey: f('sa.key'), saPub: f('sa.pub') };
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP client

export interface Response {
  status: number;
  body: any;
  text: string;
  warnings: string[];
}

export class KubeClient {
  private readonly agent: https.Agent;
  constructor(public readonly url: string, public readonly token: string, ca: string) {
    this.agent = new https.Agent({ ca, keepAlive: true, maxSockets: 16 });
  }

  request(method: string, urlPath: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const u = new URL(urlPath, this.url);
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          method,
          hostname: u.hostname,
          port: u.port,
          path: u.pathname + u.search,
          agent: this.agent,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: 'application/json',
            ...(payload === undefined ? {} : { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) }),
          },
          timeout: 60_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: any;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            const w = res.headers.warning;
            const warnings = (Array.isArray(w) ? w : w ? [w] : []).map((x) => x.replace(/^\d{3} \S+ "(.*)"$/, '$1'));
            resolve({ status: res.statusCode ?? 0, body: parsed, text, warnings });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: timed out`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  close() {
    this.agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The server

export interface ApiServerOptions {
  /** 'v1.27', 'v1.37' or a full version; default: the newest pinned line. */
  readonly line?: string;
  /** Extra kube-apiserver flags (--name=value). */
  readonly extraArgs?: string[];
  /** Where progress goes; default: nothing. */
  readonly log?: (message: string) => void;
  /** Keep the temporary directory after stop() (for debugging). */
  readonly keepDir?: boolean;
}

export interface ApiServer {
  readonly line: KubeLine;
  /** What the server's /version reports. */
  readonly version: string;
  readonly url: string;
  /** A bearer token of a system:masters user. */
  readonly token: string;
  /** PEM of the CA that signed the serving certificate. */
  readonly ca: string;
  /** A kubeconfig file for the token user, inside dir. */
  readonly kubeconfig: string;
  /** The temporary directory (certificates, etcd data, logs). */
  readonly dir: string;
  readonly pki: Pki;
  readonly client: KubeClient;
  readonly etcdUrl: string;
  /** Child processes others attach to this server (cluster.ts) are stopped with it. */
  readonly procs: Proc[];
  stop(): Promise<void>;
}

export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const line = lineOf(options.line);
  const log = options.log ?? (() => undefined);
  const apiserverBin = requireBinary(path.join(line.binDir, 'kube-apiserver'));
  const etcdBin = requireBinary(etcdBinary());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kube-${line.version}-`));
  const procs: Proc[] = [];
  let client: KubeClient | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    cleanups.delete(stop);
    client?.close();
    // Reverse order: whatever was attached last (controllers, kwok), then the API server, then etcd.
    for (const p of [...procs].reverse()) await p.stop();
    if (!options.keepDir) fs.rmSync(dir, { recursive: true, force: true });
  };
  installHandlers();
  cleanups.add(stop);
  try {
    const pki = makePki(path.join(dir, 'pki'));
    const token = crypto.randomBytes(24).toString('hex');
    const tokenFile = path.join(dir, 'tokens.csv');
    fs.writeFileSync(tokenFile, `${token},cdk8s-resilience-admin,cdk8s-resilience-admin,"system:masters"\n`, { mode: 0o600 });

    const [clientPort, peerPort, securePort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    log(`starting etcd on ${etcdUrl}`);
    procs.push(startProcess('etcd', etcdBin, [
      '--name=default',
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      '--unsafe-no-fsync=true', // throw-away data
      '--log-level=warn',
    ], dir));

    const url = `https://127.0.0.1:${securePort}`;
    log(`starting kube-apiserver ${line.version} on ${url}`);
    procs.push(startProcess('kube-apiserver', apiserverBin, [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // Newer lines refuse a loopback address in the "kubernetes" Service's endpoints; nothing here needs them.
      '--endpoint-reconciler-type=none',
      `--secure-port=${securePort}`,
      `--cert-dir=${path.join(dir, 'certs')}`,
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--token-auth-file=${tokenFile}`,
      '--authorization-mode=AlwaysAllow',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      '--profiling=false',
      ...(options.extraArgs ?? []),
    ], dir));

    const ca = fs.readFileSync(pki.caCert, 'utf8');
    client = new KubeClient(url, token, ca);
    await waitReady(client, procs, 120_000);
    const version = (await client.request('GET', '/version')).body?.gitVersion ?? 'unknown';
    log(`kube-apiserver ${version} ready`);

    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: check',
      '  cluster:',
      `    server: ${url}`,
      `    certificate-authority: ${pki.caCert}`,
      'users:',
      '- name: admin',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      '- name: check',
      '  context: {cluster: check, user: admin}',
      'current-context: check',
      '',
    ].join('\n'), { mode: 0o600 });

    return { line, version, url, token, ca, kubeconfig, dir, pki, client, etcdUrl, procs, stop };
  } catch (e) {
    const tails = procs.map((p) => `--- ${p.name} log (last lines):\n${p.tail(15)}`).join('\n');
    await stop();
    throw new Error(`${(e as Error).message}\n${tails}`);
  }
}

async function waitReady(client: KubeClient, procs: Proc[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const dead = procs.find((p) => p.exited());
    if (dead) throw new Error(`${dead.name} exited while starting`);
    try {
      const res = await client.request('GET', '/readyz');
      if (res.status === 200) return;
      last = `${res.status} ${res.text.slice(0, 300)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`kube-apiserver not ready after ${timeoutMs / 1000}s: ${last}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Discovery

export interface ResourceInfo {
  readonly plural: string;
  readonly namespaced: boolean;
}

const discoveryCache = new WeakMap<KubeClient, Promise<Map<string, ResourceInfo>>>();

/** discover(), remembered per server until a CRD is applied through this module. */
export function cachedDiscovery(client: KubeClient, refresh = false): Promise<Map<string, ResourceInfo>> {
  let found = refresh ? undefined : discoveryCache.get(client);
  if (!found) {
    found = discover(client);
    discoveryCache.set(client, found);
    found.catch(() => discoveryCache.delete(client));
  }
  return found;
}

/** apiVersion + '/' + kind → resource, from the server's discovery documents (preferred and other versions). */
export async function discover(client: KubeClient): Promise<Map<string, ResourceInfo>> {
  const map = new Map<string, ResourceInfo>();
  const groupVersions = ['v1'];
  const apis = await client.request('GET', '/apis');
  for (const g of apis.body?.groups ?? []) for (const v of g.versions) groupVersions.push(v.groupVersion);
  await Promise.all(groupVersions.map(async (gv) => {
    const res = await client.request('GET', gv === 'v1' ? '/api/v1' : `/apis/${gv}`);
    if (res.status !== 200) return; // e.g. an aggregated API that is not available
    for (const r of res.body.resources ?? []) {
      if (r.name.includes('/')) continue; // subresource
      map.set(`${gv}/${r.kind}`, { plural: r.name, namespaced: r.namespaced });
    }
  }));
  return map;
}

// ---------------------------------------------------------------------------------------------------------------
// Manifests

export interface ManifestObject {
  readonly file: string;
  readonly doc: Record<string, any>;
}

export function readManifests(file: string): ManifestObject[] {
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'));
  const out: ManifestObject[] = [];
  for (const d of docs) {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
    const doc = d.toJS();
    if (doc == null) continue;
    if (doc.kind === 'List' && Array.isArray(doc.items)) for (const item of doc.items) out.push({ file, doc: item });
    else out.push({ file, doc });
  }
  return out;
}

export function yamlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? yamlFiles(path.join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(dir, e.name)] : []))
    .sort();
}

// Install order: what others refer to first (as kubectl/Helm do); custom resources (unknown kinds) last.
const KIND_ORDER = [
  'Namespace', 'CustomResourceDefinition', 'PriorityClass', 'ResourceQuota', 'LimitRange', 'NetworkPolicy',
  'ServiceAccount', 'Secret', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim',
  'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Service', 'DaemonSet', 'Pod', 'ReplicaSet',
  'Deployment', 'StatefulSet', 'Job', 'CronJob', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Ingress',
];
function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
}

export function sortForApply<T extends ManifestObject>(objects: T[]): T[] {
  return objects.map((o, i) => ({ o, i })).sort((a, b) => kindRank(a.o.doc.kind) - kindRank(b.o.doc.kind) || a.i - b.i).map((x) => x.o);
}

export function describe(doc: Record<string, any>): string {
  const ns = doc.metadata?.namespace ? `${doc.metadata.namespace}/` : '';
  return `${doc.kind}/${ns}${doc.metadata?.name ?? doc.metadata?.generateName ?? '?'}`;
}

export interface ApplyResult {
  readonly object: ManifestObject;
  readonly ok: boolean;
  /** The server's message for a refusal. */
  readonly message?: string;
  readonly status?: number;
  readonly warnings: string[];
  /** The object as the server returned it (defaulted), when accepted. */
  readonly result?: any;
  /** Where it lives, for deletes. */
  readonly path?: string;
}

function objectPath(doc: Record<string, any>, info: ResourceInfo, namespace: string | undefined): string {
  const gv: string = doc.apiVersion;
  const base = gv === 'v1' ? '/api/v1' : `/apis/${gv}`;
  const nsPart = info.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? 'default')}` : '';
  return `${base}${nsPart}/${info.plural}/${encodeURIComponent(doc.metadata.name)}`;
}

export interface ApplyOptions {
  /** dryRun=All: validated and admitted, never stored. */
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
  /** Requests in flight at once (objects of one install rank). */
  readonly concurrency?: number;
}

/** Server-side apply of one object (HTTP PATCH application/apply-patch+yaml, force=true). */
export async function applyOne(
  server: ApiServer, resources: Map<string, ResourceInfo>, object: ManifestObject, options: ApplyOptions = {},
): Promise<ApplyResult> {
  const doc = object.doc;
  if (typeof doc !== 'object' || !doc.apiVersion || !doc.kind) {
    return { object, ok: false, message: 'not a Kubernetes object (no apiVersion/kind)', warnings: [] };
  }
  if (!doc.metadata?.name) return { object, ok: false, message: 'metadata.name is required for apply', warnings: [] };
  const info = resources.get(`${doc.apiVersion}/${doc.kind}`);
  if (!info) return { object, ok: false, message: `the server does not serve ${doc.kind} in ${doc.apiVersion}`, warnings: [] };
  const p = objectPath(doc, info, doc.metadata.namespace);
  // Strict, as kubectl's default --validate=strict: unknown and duplicate fields are errors, not warnings.
  const query = new URLSearchParams({ fieldManager: options.fieldManager ?? FIELD_MANAGER, force: 'true', fieldValidation: 'Strict' });
  if (options.dryRun) query.set('dryRun', 'All');
  const res = await server.client.request('PATCH', `${p}?${query}`, doc, 'application/apply-patch+yaml');
  if (res.status >= 200 && res.status < 300) return { object, ok: true, warnings: res.warnings, result: res.body, path: p, status: res.status };
  return { object, ok: false, status: res.status, message: res.body?.message ?? res.text.trim(), warnings: res.warnings, path: p };
}

async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

// Namespaces this module created or found, per server (it never deletes namespaces).
const ensuredNamespaces = new WeakMap<KubeClient, Map<string, Promise<void>>>();

/** Creates the namespace (and its "default" ServiceAccount, as the controller-manager would) if it does not exist. */
export async function ensureNamespace(server: ApiServer, name: string): Promise<void> {
  const c = server.client;
  const got = await c.request('GET', `/api/v1/namespaces/${encodeURIComponent(name)}`);
  if (got.status === 404) {
    const res = await c.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    if (res.status !== 201 && res.status !== 409) throw new Error(`creating namespace ${name}: ${res.body?.message ?? res.text}`);
  } else if (got.status !== 200) {
    throw new Error(`reading namespace ${name}: ${got.body?.message ?? got.text}`);
  }
  await ensureDefaultServiceAccount(server, name);
}

async function ensureDefaultServiceAccount(server: ApiServer, namespace: string) {
  const res = await server.client.request('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts`, {
    apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' },
  });
  if (res.status !== 201 && res.status !== 409) throw new Error(`creating ServiceAccount ${namespace}/default: ${res.body?.message ?? res.text}`);
}

/** Waits until every named CRD reports Established=True. */
export async function waitEstablished(server: ApiServer, names: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const res = await server.client.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      const conds: any[] = res.body?.status?.conditions ?? [];
      if (conds.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established after ${timeoutMs / 1000}s: ${JSON.stringify(conds)}`);
      await sleep(100);
    }
  }
}

/** Installs the CRDs in the given files (server-side apply) and waits for them to be Established. */
export async function installCrds(server: ApiServer, files: string[]): Promise<number> {
  const resources = await cachedDiscovery(server.client);
  const objects = files.flatMap(readManifests).filter((o) => o.doc.kind === 'CustomResourceDefinition');
  const results = await pool(objects, 4, (o) => applyOne(server, resources, o));
  const bad = results.filter((r) => !r.ok);
  if (bad.length) throw new Error(`CRDs refused: ${bad.map((r) => `${r.object.file} ${describe(r.object.doc)}: ${r.message}`).join('; ')}`);
  await waitEstablished(server, objects.map((o) => o.doc.metadata.name));
  await cachedDiscovery(server.client, true);
  return objects.length;
}

export function vendorCrdFiles(): string[] {
  const dir = path.join(ROOT, 'vendor', 'crds');
  return fs.existsSync(dir) ? yamlFiles(dir) : [];
}

/**
 * Applies the objects in install order: namespaces first, then CRDs (waited for, and discovery refreshed), then the
 * rest by kind rank. Namespaces the objects name but do not define are created. Custom resources whose CRD is
 * unknown are refused with the reason.
 */
export async function applyObjects(server: ApiServer, objects: ManifestObject[], options: ApplyOptions = {}): Promise<ApplyResult[]> {
  let resources = await cachedDiscovery(server.client);
  const sorted = sortForApply(objects);
  const defined = new Set(sorted.filter((o) => o.doc.kind === 'Namespace' && o.doc.apiVersion === 'v1').map((o) => o.doc.metadata?.name));
  const results: ApplyResult[] = [];
  const concurrency = options.concurrency ?? 8;
  let ensured = ensuredNamespaces.get(server.client);
  if (!ensured) ensuredNamespaces.set(server.client, (ensured = new Map()));
  const known = ensured;
  const ensure = async (ns: string) => {
    if (!known.has(ns)) {
      known.set(ns, ensureNamespace(server, ns).catch((e) => {
        known.delete(ns);
        throw e;
      }));
    }
    await known.get(ns);
  };
  // Group by rank so that each rank is applied after the ones it may depend on.
  const ranks = [...new Set(sorted.map((o) => kindRank(o.doc.kind)))];
  for (const rank of ranks) {
    const batch = sorted.filter((o) => kindRank(o.doc.kind) === rank);
    if (options.dryRun || batch[0].doc.kind !== 'Namespace') {
      for (const o of batch) {
        const info = resources.get(`${o.doc.apiVersion}/${o.doc.kind}`);
        if (!info?.namespaced) continue;
        const ns = o.doc.metadata?.namespace ?? 'default';
        // Under dryRun the manifests' own Namespaces are never stored, so they are created here too.
        if (options.dryRun || !defined.has(ns)) await ensure(ns);
      }
    }
    const batchResults = await pool(batch, concurrency, (o) => applyOne(server, resources, o, options));
    results.push(...batchResults);
    if (!options.dryRun && batch[0].doc.kind === 'Namespace') {
      for (const r of batchResults) if (r.ok) await ensureDefaultServiceAccount(server, r.object.doc.metadata.name);
    }
    if (batch[0].doc.kind === 'CustomResourceDefinition') {
      const ok = batchResults.filter((r) => r.ok).map((r) => r.object.doc.metadata.name);
      if (!options.dryRun && ok.length) {
        await waitEstablished(server, ok);
        resources = await cachedDiscovery(server.client, true);
      }
    }
  }
  return results;
}

/**
 * Deletes what applyObjects stored (except Namespaces, which without a namespace controller would stay Terminating;
 * those are re-applied empty instead, which drops the labels and annotations this field manager set).
 */
export async function deleteApplied(server: ApiServer, results: ApplyResult[]): Promise<void> {
  const c = server.client;
  const stored = results.filter((r) => r.ok && r.path);
  const nonNs = stored.filter((r) => r.object.doc.kind !== 'Namespace').reverse();
  await pool(nonNs, 8, async (r) => {
    const del = await c.request('DELETE', r.path!, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
    if (del.status === 404) return;
    if (del.status >= 300) throw new Error(`deleting ${describe(r.object.doc)}: ${del.body?.message ?? del.text}`);
    // No controllers run here: drop finalizers (e.g. kubernetes.io/pvc-protection) so the object really goes away.
    for (let i = 0; i < 50; i++) {
      const got = await c.request('GET', r.path!);
      if (got.status === 404) return;
      if (got.body?.metadata?.finalizers?.length) {
        await c.request('PATCH', r.path!, { metadata: { finalizers: null } }, 'application/merge-patch+json');
      }
      await sleep(50);
    }
    throw new Error(`${describe(r.object.doc)} is still there after delete`);
  });
  for (const r of stored.filter((x) => x.object.doc.kind === 'Namespace')) {
    const name = r.object.doc.metadata.name;
    await c.request('PATCH', `${r.path}?fieldManager=${FIELD_MANAGER}&force=true`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, 'application/apply-patch+yaml');
  }
}

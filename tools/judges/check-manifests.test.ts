// The gate itself: `check:manifests` must fail on a plainly unsafe Deployment, naming what each judge found, and
// pass on our smallest app. Needs the judges in .tools/ (tools/judges/install.sh); fails, never skips, without them.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, YamlOutputType } from 'cdk8s';
import { byCodePoint, discoverApps, ROOT, TOOLS } from './judges';
import { APPS } from '../../apps/index';

function checkManifests(dir: string) {
  const r = spawnSync(process.execPath, ['--require', './tools/synth/ts-register.cjs', 'tools/judges/check-manifests.ts', dir],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const UNSAFE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: unsafe
spec:
  replicas: 1
  selector:
    matchLabels: { app: unsafe }
  template:
    metadata:
      labels: { app: unsafe }
    spec:
      containers:
        - name: web
          image: nginx:latest
          securityContext:
            privileged: true
`;

let tmp: string;
beforeAll(() => {
  if (!fs.existsSync(path.join(TOOLS, 'versions.env'))) {
    throw new Error('the judges are not installed: run tools/judges/install.sh first');
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'judges-test-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a privileged Deployment on :latest without resources fails the gate, each judge naming why', () => {
  const dir = path.join(tmp, 'unsafe');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'deployment.yaml'), UNSAFE);

  const { status, out } = checkManifests(dir);

  expect(status).toBe(1);
  const open = out.split('\n').filter(l => /^ {2}\S+( \S+)? \| unsafe \| Deployment\/unsafe \| /.test(l));
  const checks = (tool: string) => open.filter(l => l.trim().startsWith(`${tool} |`)).map(l => l.split(' | ')[3]);
  // kube-score: the :latest tag, no requests/limits, privileged
  expect(checks('kube-score')).toEqual(expect.arrayContaining(['container-image-tag', 'container-resources', 'container-security-context-privileged']));
  // checkov: CKV_K8S_14 image tag latest, CKV_K8S_10..13 CPU/memory requests and limits, CKV_K8S_16 privileged
  expect(checks('checkov')).toEqual(expect.arrayContaining(['CKV_K8S_14', 'CKV_K8S_10', 'CKV_K8S_11', 'CKV_K8S_12', 'CKV_K8S_13', 'CKV_K8S_16']));
  // the schema judges find nothing wrong with its shape: it is valid Kubernetes
  expect(open.filter(l => /^ {2}(kubeconform|kubectl-validate)/.test(l))).toEqual([]);
  expect(out).toMatch(/^\| unsafe +\| 0 +\| 0 +\| 0 +\| 0 +\| [1-9]/m);
});

const MISSPELT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: misspelt
spec:
  replica: 2
  selector:
    matchLabels: { app: misspelt }
  template:
    metadata:
      labels: { app: misspelt }
    spec:
      containers:
        - name: web
          image: nginx:1.27.1
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: misspelt
spec:
  hosts: [misspelt]
  http:
    - retry: { attempts: 3 }
      route:
        - destination: { host: misspelt }
`;

test('the schema judges catch a misspelt field, built-in and Istio alike, on both Kubernetes lines', () => {
  const dir = path.join(tmp, 'misspelt');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'objects.yaml'), MISSPELT);

  const { status, out } = checkManifests(dir);

  expect(status).toBe(1);
  const lines = out.split('\n').filter(l => / \| misspelt \| /.test(l)).map(l => l.trim());
  for (const tool of ['kubeconform 1.27', 'kubeconform 1.37']) {
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^${tool} \\| misspelt \\| Deployment/misspelt \\| invalid \\| .*'replica'`)),
      expect.stringMatching(new RegExp(`^${tool} \\| misspelt \\| VirtualService/misspelt \\| invalid \\| .*'retry'`)),
    ]));
  }
  for (const tool of ['kubectl-validate 1.27', 'kubectl-validate 1.37']) {
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^${tool} \\| misspelt \\| Deployment/misspelt \\| \\S+ \\| spec.replica: `)),
      expect.stringMatching(new RegExp(`^${tool} \\| misspelt \\| VirtualService/misspelt \\| \\S+ \\| spec.http\\[0\\].retry: `)),
    ]));
  }
});

test('our smallest app passes every judge', () => {
  const out = path.join(tmp, 'apps');
  for (const [name, build] of Object.entries(APPS)) {
    const app = new App({ outdir: path.join(out, name), outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART });
    build(app);
    app.synth();
  }
  const smallest = discoverApps(out).sort((a, b) => a.objects.length - b.objects.length || byCodePoint(a.name, b.name))[0];

  const result = checkManifests(path.join(out, smallest.name));

  expect({ app: smallest.name, ...result }).toEqual(expect.objectContaining({ app: smallest.name, status: 0 }));
  expect(result.out).toMatch(/^0 open finding\(s\)/m);
});

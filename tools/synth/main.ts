import * as fs from 'fs';
import * as path from 'path';
import { App, YamlOutputType } from 'cdk8s';
import { APPS } from '../../apps';

// `cdk8s synth` sets CDK8S_OUTDIR (cdk8s.yaml: dist/manifests); each app gets its own folder.
const outdir = process.env.CDK8S_OUTDIR ?? path.join('dist', 'manifests');
// No manifests of a removed app stay behind. Only this folder: dist/ also holds the compiled library and packages.
if (['.', 'dist'].some(p => path.resolve(outdir) === path.resolve(p))) {
  throw new Error(`CDK8S_OUTDIR (${outdir}) must be a folder of its own, such as dist/manifests: it is emptied first`);
}
fs.rmSync(outdir, { recursive: true, force: true });

for (const [name, build] of Object.entries(APPS)) {
  const app = new App({ outdir: path.join(outdir, name), outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART });
  build(app);
  app.synth();
}

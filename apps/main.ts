import * as path from 'path';
import { App, YamlOutputType } from 'cdk8s';
import { APPS } from './index';

// `cdk8s synth` sets CDK8S_OUTDIR (cdk8s.yaml: dist/manifests) and empties it first; each app gets its own folder.
const outdir = process.env.CDK8S_OUTDIR ?? path.join('dist', 'manifests');

for (const [name, build] of Object.entries(APPS)) {
  const app = new App({ outdir: path.join(outdir, name), outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART });
  build(app);
  app.synth();
}

// `npm run check:manifests [DIR] [--allow-list FILE]`: every judge (kubeconform and kubectl-validate for two
// Kubernetes lines, kube-score, Polaris, checkov, istioctl analyze) on every app folder of DIR (default
// dist/manifests; DIR may also be one folder of YAML). Prints one table (rows: apps, columns: judges, cells: findings
// not allow-listed, and the accepted ones), then each open finding on one line. Exits 1 on any open finding, on any
// judge that failed to run, or when a judge is missing from .tools/ (run tools/judges/install.sh).
import * as path from 'path';
import { allJudges, cell, DEFAULT_ALLOW_LIST, discoverApps, findingLine, judgeApps, readAllowList, ROOT, table } from './judges';

function main(argv: string[]): number {
  let dir = path.join(ROOT, 'dist', 'manifests');
  let allowFile = DEFAULT_ALLOW_LIST;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--allow-list') allowFile = path.resolve(argv[++i]);
    else if (argv[i].startsWith('-')) throw new Error(`unknown option ${argv[i]}`);
    else dir = path.resolve(argv[i]);
  }
  const apps = discoverApps(dir);
  if (apps.length === 0) {
    console.error(`no Kubernetes YAML under ${dir} (run \`npm run synth\` first?)`);
    return 1;
  }
  const allow = readAllowList(allowFile);
  const judges = allJudges();
  const started = Date.now();
  const report = judgeApps(apps, allow, judges);

  console.log(table(['app', ...report.judges.map(j => j.id)], apps.map(a => [a.name, ...report.judges.map(j => cell(report, a.name, j.id))])));
  console.log('cells: findings not allow-listed, (+N allowed) accepted by allow-list.yaml, N warn: kube-score WARNINGs (not gating); -: no object for that judge');

  let failed = false;
  for (const judge of report.judges.filter(j => j.unavailable)) {
    // Polaris cannot be installed here; every other judge must be present.
    if (judge.id === 'polaris') {
      console.log(`note: polaris ${judge.unavailable}`);
    } else {
      console.log(`ERROR: ${judge.id} ${judge.unavailable}`);
      failed = true;
    }
  }
  const skipped = apps.flatMap(a => a.skipped.map(s => `${a.name}/${s}`));
  if (skipped.length) console.log(`skipped (not Kubernetes objects): ${skipped.join('; ')}`);

  const open = report.findings.filter(f => !f.allowedBy);
  const warnings = report.notes.filter(n => n.message.startsWith('WARNING'));
  if (warnings.length) {
    console.log(`\nkube-score warnings (${warnings.length}, not gating):`);
    for (const w of warnings) console.log(`  ${findingLine(w)}`);
  }
  const infos = report.notes.filter(n => !n.message.startsWith('WARNING'));
  if (infos.length) {
    console.log(`\nistioctl notes (${infos.length}, not gating):`);
    for (const n of infos) console.log(`  ${findingLine(n)}`);
  }
  const unused = allow.filter(e => !e.used);
  if (unused.length && dir === path.join(ROOT, 'dist', 'manifests')) {
    console.log(`\nallow-list entries that matched nothing (${unused.length}): ${unused.map(e => `${e.tool} ${e.check}${e.app ? ` app=${e.app}` : ''}${e.object ? ` object=${e.object}` : ''}`).join('; ')}`);
  }
  console.log(`\n${open.length} open finding(s), ${report.findings.length - open.length} allowed, ${apps.length} app(s), ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const f of open) console.log(`  ${findingLine(f)}`);
  return failed || open.length > 0 ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 2;
}

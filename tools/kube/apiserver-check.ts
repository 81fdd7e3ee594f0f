// Applies synthesized manifests to a real kube-apiserver of every pinned Kubernetes line.
//
//   node --require ./tools/synth/ts-register.cjs tools/kube/apiserver-check.ts [--line v1.27] [DIR...]
//
// Default DIRs: every dist/manifests/<app>/ plus dist/corpus/ if it exists. A folder named "corpus" (or any folder
// given after --corpus) holds one multi-document file per synthesized chart: those objects are applied with
// dryRun=All, so equal names in different files do not collide. Every other folder is one app: its objects are really
// applied (namespaces first, CRDs before their kinds) and deleted again before the next app, on one server per line.
//
// Prints, per line, "kubernetes vX.Y.Z: N applied, N rejected", then each rejection and each warning the server sent.
// Exits 1 on any rejection, 2 on a harness failure.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ApplyResult, ROOT, applyObjects, deleteApplied, describe, installCrds, kubeLines, lineOf, readManifests,
  startApiServer, vendorCrdFiles, yamlFiles,
} from './apiserver';

interface Target {
  readonly dir: string;
  readonly corpus: boolean;
}

function parseArgs(argv: string[]): { lines: string[]; targets: Target[] } {
  const lines: string[] = [];
  const targets: Target[] = [];
  let corpusNext = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--line') {
      lines.push(argv[++i]);
    } else if (a === '--corpus') {
      corpusNext = true;
    } else if (a.startsWith('-')) {
      throw new Error(`unknown option ${a}`);
    } else {
      const dir = path.resolve(a);
      if (!fs.statSync(dir).isDirectory()) throw new Error(`${a} is not a folder`);
      targets.push({ dir, corpus: corpusNext || path.basename(dir) === 'corpus' });
      corpusNext = false;
    }
  }
  if (targets.length === 0) {
    const manifests = path.join(ROOT, 'dist', 'manifests');
    if (fs.existsSync(manifests)) {
      for (const e of fs.readdirSync(manifests, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (e.isDirectory()) targets.push({ dir: path.join(manifests, e.name), corpus: false });
      }
    }
    const corpus = path.join(ROOT, 'dist', 'corpus');
    if (fs.existsSync(corpus)) targets.push({ dir: corpus, corpus: true });
    if (targets.length === 0) throw new Error('nothing to check: no dist/manifests/*/ (run `npm run synth`) and no dist/corpus/');
  }
  return { lines: lines.length ? lines : kubeLines().map((l) => l.line), targets };
}

const rel = (f: string) => path.relative(process.cwd(), f) || f;

async function checkLine(lineName: string, targets: Target[]): Promise<{ version: string; results: ApplyResult[] }> {
  const started = Date.now();
  const server = await startApiServer({ line: lineName, log: (m) => process.stderr.write(`[${lineOf(lineName).line}] ${m}\n`) });
  const results: ApplyResult[] = [];
  try {
    const crds = await installCrds(server, vendorCrdFiles());
    process.stderr.write(`[${server.line.line}] ${crds} CRDs Established after ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    for (const t of targets) {
      const t0 = Date.now();
      const files = yamlFiles(t.dir);
      if (t.corpus) {
        // One file = one chart: each file's objects in install order, all dry-run, files in parallel batches.
        let n = 0;
        for (let i = 0; i < files.length; i += 8) {
          const batch = await Promise.all(files.slice(i, i + 8).map((f) => applyObjects(server, readManifests(f), { dryRun: true, concurrency: 4 })));
          for (const r of batch.flat()) results.push(r), n++;
        }
        process.stderr.write(`[${server.line.line}] corpus ${rel(t.dir)}: ${files.length} files, ${n} objects (dry run) in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
      } else {
        const applied = await applyObjects(server, files.flatMap(readManifests));
        results.push(...applied);
        await deleteApplied(server, applied);
        const bad = applied.filter((r) => !r.ok).length;
        process.stderr.write(`[${server.line.line}] app ${rel(t.dir)}: ${applied.length - bad} applied, ${bad} rejected in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
      }
    }
  } finally {
    await server.stop();
  }
  process.stderr.write(`[${server.line.line}] done in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  return { version: server.version, results };
}

async function main() {
  const { lines, targets } = parseArgs(process.argv.slice(2));
  let rejected = 0;
  for (const line of lines) {
    const { version, results } = await checkLine(line, targets);
    const bad = results.filter((r) => !r.ok);
    rejected += bad.length;
    console.log(`kubernetes ${version}: ${results.length - bad.length} applied, ${bad.length} rejected`);
    for (const r of bad) console.log(`  REJECTED ${rel(r.object.file)}: ${describe(r.object.doc)}: ${r.message}`);
    const warned = new Map<string, string[]>();
    for (const r of results) {
      for (const w of r.warnings) {
        const key = `${describe(r.object.doc)}: ${w}`;
        warned.set(key, [...(warned.get(key) ?? []), rel(r.object.file)]);
      }
    }
    for (const [w, files] of warned) console.log(`  warning ${files[0]}${files.length > 1 ? ` (+${files.length - 1} more)` : ''}: ${w}`);
  }
  process.exitCode = rejected ? 1 : 0;
}

main().catch((e) => {
  console.error(`apiserver-check: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 2;
});

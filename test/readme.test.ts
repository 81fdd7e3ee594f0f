import * as fs from 'fs';
import * as path from 'path';
import * as cdk8s from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as ts from 'typescript';
import * as library from '../lib';
import { problems } from './util';

/**
 * Every ```ts block of the README is a complete program, as users copy it: it must type-check against the library's
 * sources (imported as `cdk8s-resilience`), run, and synthesize manifests that pass the project's validator (test/validate/).
 */
const ROOT = path.resolve(__dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const BLOCKS = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map(m => m[1]);
const WORK = path.join(ROOT, 'dist', 'readme-examples');

// Where a README example states the Pod Security level it meets, e.g. `// pss: baseline`.
const pssOf = (code: string) => (/\/\/ pss: (baseline)/.exec(code)?.[1] as 'baseline' | undefined) ?? 'restricted';

beforeAll(() => {
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  BLOCKS.forEach((code, i) => fs.writeFileSync(path.join(WORK, `example${i}.ts`), code));
});

test('the README has examples', () => {
  expect(BLOCKS.length).toBeGreaterThanOrEqual(5);
});

test('every README example type-checks', () => {
  const program = ts.createProgram(BLOCKS.map((_, i) => path.join(WORK, `example${i}.ts`)), {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    types: ['node'],
    paths: { 'cdk8s-resilience': [path.join(ROOT, 'lib', 'index.ts')] },
    typeRoots: [path.join(ROOT, 'node_modules', '@types')],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map(d => {
    const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  expect(diagnostics).toEqual([]);
});

describe.each(BLOCKS.map((code, i) => [i, code]))('README example %i', (_i, code) => {
  test('runs and synthesizes valid manifests', () => {
    const apps: cdk8s.App[] = [];
    class RecordingApp extends cdk8s.App {
      constructor(props: cdk8s.AppProps = {}) {
        super({ ...props, outdir: path.join(WORK, 'out') });
        apps.push(this);
      }
    }
    const modules: Record<string, unknown> = {
      'cdk8s': { ...cdk8s, App: RecordingApp },
      'cdk8s-plus-27': kplus,
      'cdk8s-resilience': library,
    };
    const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
    const js = ts.transpileModule(code as string, { compilerOptions }).outputText;
    const fakeRequire = (name: string) => {
      if (!(name in modules)) throw new Error(`README examples may import only ${Object.keys(modules).join(', ')}; got ${name}`);
      return modules[name];
    };
    new Function('require', 'exports', js)(fakeRequire, {});
    const manifests = apps.flatMap(a => a.charts.flatMap(c => c.toJson()));
    expect(manifests.length).toBeGreaterThan(0);
    expect(problems(manifests, { pss: pssOf(code as string) })).toEqual([]);
  });
});

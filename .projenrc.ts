import { cdk8s, javascript, YamlFile } from 'projen';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-resilience',
  description: 'cdk8s constructs for scalable, fault-tolerant services: replicas, probes, autoscaling, disruption budgets, spread, Istio resilience and chaos experiments.',
  author: 'cdk8s-resilience maintainers',
  authorAddress: 'maintainers@cdk8s-resilience.dev',
  repositoryUrl: 'https://github.com/cdk8s-resilience/cdk8s-resilience.git',
  defaultReleaseBranch: 'main',
  keywords: ['cdk8s', 'kubernetes', 'resilience', 'autoscaling', 'istio', 'chaos-engineering'],
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  // Sources live in lib/; compiled JavaScript and packaged artifacts live in dist/ (git-ignored).
  srcdir: 'lib',
  libdir: 'dist/lib',
  entrypoint: 'dist/lib/index.js',
  artifactsDirectory: 'dist/packages',
  testdir: 'test',

  jsiiVersion: '~6.0.0',
  typescriptVersion: '~6.0.0',
  cdk8sVersion: '2.70.100',
  constructsVersion: '10.5.0',
  peerDeps: ['cdk8s-plus-27@^2.9.5'],
  // esbuild: tools/synth/ts-register.cjs transpiles with it; tsx: the benchmark compares against it; ajv: the tests'
  // schema validator (test/validate/) checks every synthesized object against the vendored Kubernetes and CRD schemas.
  devDeps: ['@types/node@^20', 'ajv@8.20.0', 'cdk8s-cli', 'esbuild@~0.28.0', 'fast-check', 'tsx', 'yaml'],

  // jsii bindings for every language cdk8s users write (`npm run package-all` builds each under dist/packages/).
  publishToPypi: { distName: 'cdk8s-resilience', module: 'cdk8s_resilience' },
  publishToMaven: {
    mavenGroupId: 'dev.cdk8s-resilience',
    mavenArtifactId: 'cdk8s-resilience',
    javaPackage: 'dev.cdk8sresilience',
  },
  // The Go module is github.com/cdk8s-resilience/cdk8s-resilience-go/cdk8sresilience (jsii appends the package name).
  publishToGo: { moduleName: 'github.com/cdk8s-resilience/cdk8s-resilience-go', packageName: 'cdk8sresilience' },
  publishToNuget: { dotNetNamespace: 'Cdk8sResilience', packageId: 'Cdk8sResilience' },

  // No GitHub here: CI is .ci/run; releases are cut by hand with `npm run package`.
  github: false,
  release: false,
  sampleCode: false,
  docgen: true,

  jestOptions: {
    // projen's default passes --updateSnapshot, which makes a drifted snapshot pass: never.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // The README imports `cdk8s-resilience` as users do; tests resolve it to the sources.
      moduleNameMapper: { '^cdk8s-resilience$': '<rootDir>/lib/index.ts' },
      collectCoverage: false,
    },
  },
  tsconfigDev: {
    include: ['../apps/**/*.ts', '../bench/**/*.ts', '../tools/**/*.ts'],
    compilerOptions: {
      // ts-jest type-checks only when isolatedModules is off: tests must be type-checked.
      isolatedModules: false,
      // ts-jest compiles to CommonJS in memory; node16's hybrid module kind is for the jsii build only.
      module: 'commonjs',
      moduleResolution: javascript.TypeScriptModuleResolution.BUNDLER,
      noEmit: false,
      outDir: '../dist/test',
      paths: { 'cdk8s-resilience': ['../lib/index.ts'] },
    },
  },
  eslintOptions: {
    dirs: ['lib'],
    devdirs: ['test', 'apps', 'bench', 'tools'],
    ignorePatterns: ['lib/imports/**'],
  },
});

// apps/, bench/ and tools/ are type-checked with the test settings; eslint's project service needs a tsconfig beside them.
for (const dir of ['apps', 'bench', 'tools']) {
  new javascript.TypescriptConfig(project, {
    fileName: `${dir}/tsconfig.json`,
    extends: javascript.TypescriptConfigExtends.fromPaths(['../test/tsconfig.json']),
    include: ['**/*.ts'],
    compilerOptions: {},
  });
}

// The layers of lib/, each importing only from the ones before it: core → workload → scaling | traffic | chaos |
// stateful → patterns → simulation (lib/imports/ is generated code any layer may use). The README's architecture
// section says why.
const LAYERS = ['core', 'workload', ['scaling', 'traffic', 'chaos', 'stateful'], 'patterns', 'simulation'];
const layerZones = LAYERS.flatMap((layer, i) => {
  const later = LAYERS.slice(i + 1).flat();
  const peers = Array.isArray(layer) ? layer : [layer];
  return peers.map(target => ({
    target: `./lib/${target}`,
    from: [...later, ...peers.filter(p => p !== target)].map(f => `./lib/${f}`),
    message: `lib/${target} may import only from the layers before it (core → workload → scaling | traffic | chaos | stateful → patterns → simulation)`,
  }));
});
project.eslint?.addRules({ 'import/no-restricted-paths': ['error', { zones: layerZones }] });
// apps/, bench/ and tools/ import the library as users do (`cdk8s-resilience`): test/tsconfig.json maps the name to lib/.
project.eslint?.file.addOverride('settings.import/resolver.typescript.project', ['./tsconfig.json', './test/tsconfig.json']);

// jsii prints an end-of-life banner on Node 20 at every call; the machines run Node 20 on purpose.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

// Keep compiled JavaScript in the npm package even though dist/ holds packaged artifacts too.
project.npmignore?.removePatterns('dist');
project.npmignore?.exclude('/dist/*');
project.npmignore?.include('/dist/lib/');
project.npmignore?.exclude('/apps/', '/bench/', '/vendor/', '/docs/', '/.ci/', '/cdk8s.yaml');
// jsii-pacmak appends this exact line to .npmignore unless it is there (the packages' outdir): keep the tree clean.
project.npmignore?.exclude('dist/packages');
// The tools and their caches (judges, API servers, virtualenvs, Maven repositories): the npm tarball, which every
// language package embeds, must not carry them.
project.npmignore?.exclude('/tools/', '/.tools/');

// How every example app is synthesized: tools/synth/main.ts through a transpile-only TypeScript register (no type check
// at synth time; the compile and the tests type-check). bench/README.md measures why not tsx or cdk8s-cli.
const synthCommand = 'node --require ./tools/synth/ts-register.cjs tools/synth/main.ts';

// cdk8s.yaml: `cdk8s synth` runs every example app; `cdk8s import` regenerates lib/imports from the vendored CRDs.
new YamlFile(project, 'cdk8s.yaml', {
  obj: {
    language: 'typescript',
    app: synthCommand,
    output: 'dist/manifests',
    imports: [
      'vendor/crds/istio-networking.v1.30.3.yaml',
      'vendor/crds/keda-scaledobjects.v2.20.2.yaml',
    ],
  },
});

// `npm run synth`: every app under apps/ into dist/manifests/<app>/ (tools/synth/main.ts empties only dist/manifests,
// never the packages in dist/). Run directly: projen's task runner and cdk8s-cli cost ~1.4 s of start-up before the first
// construct. `cdk8s synth --no-check-upgrade` does the same through cdk8s.yaml.
project.addTask('synth', {
  description: 'Synthesize every example app under apps/ into dist/manifests/<app>/',
  exec: synthCommand,
});
project.setScript('synth', synthCommand);

// `npm run simulate -- DIR`: what a pod killer costs each Service of a folder of manifests (docs/simulation.md).
const simulateCommand = 'node --require ./tools/synth/ts-register.cjs tools/simulate/main.ts';
project.addTask('simulate', {
  description: 'Predict a pod killer\'s damage per Service from a folder of manifests (docs/simulation.md)',
  exec: simulateCommand,
  receiveArgs: true,
});
project.setScript('simulate', simulateCommand);

// The manifest judges platform teams run (tools/judges/README.md), installed pinned into .tools/ by
// tools/judges/install.sh: kubeconform, kubectl-validate, kube-score, checkov and istioctl.
const judges = 'node --require ./tools/synth/ts-register.cjs tools/judges';
const judgeTasks: Array<[string, string, string]> = [
  ['check:manifests', `${judges}/check-manifests.ts`, 'Every manifest judge on every app in dist/manifests (or DIR); fails on findings not allow-listed'],
  ['docs:comparison', `${judges}/comparison.ts`, 'Regenerate docs/comparison.md: the workshops\' YAML and our apps through the judges (--check: fail when stale)'],
  ['test:judges', 'jest -c tools/judges/jest.config.js', 'The judges\' own tests (needs tools/judges/install.sh)'],
];
for (const [name, exec, description] of judgeTasks) {
  project.addTask(name, { description, exec, receiveArgs: true });
  project.setScript(name, exec);
}

// The Kubernetes API server as the judge (tools/kube/README.md): kube-apiserver v1.27 and the newest line, etcd,
// kube-controller-manager, kube-scheduler and kwok, built from pinned Go modules into .tools/kube/ by build.sh.
const kubeTasks: Array<[string, string, string]> = [
  ['build:kube', 'tools/kube/build.sh', 'Build kube-apiserver (1.27 and newest), etcd, controller-manager, scheduler and kwok into .tools/kube/'],
  ['test:apiserver', 'node --require ./tools/synth/ts-register.cjs tools/kube/apiserver-check.ts',
    'Server-side apply every app in dist/manifests (or DIR...) and the tests\' corpus to both API servers'],
  ['test:apiserver:self', 'jest -c tools/kube/jest.config.js tools/kube/apiserver.test.ts', 'The API server judge refuses what Kubernetes refuses'],
  ['test:cluster', 'jest -c tools/kube/jest.config.js tools/kube/cluster.test.ts', 'A simulated cluster (kwok) schedules and readies pods'],
  ['test:resilience', 'node --require ./tools/synth/ts-register.cjs tools/resilience/main.ts',
    'Drain, pod killer, rollout, zone loss and capacity for every app in dist/manifests (or DIR) on a simulated cluster'],
  ['test:resilience:self', 'jest -c tools/resilience/jest.config.js', 'The resilience harness proves itself (a drain with and without a budget)'],
  ['docs:resilience', 'node --require ./tools/synth/ts-register.cjs tools/resilience/docs.ts',
    'Regenerate docs/resilience.md: the workshops\' YAML and our apps through the resilience scenarios'],
  ['languages', 'tools/languages/run.sh',
    'Build the Python, Java and Go packages; synthesize the calculator app and the README examples in each and compare with TypeScript'],
];
for (const [name, exec, description] of kubeTasks) {
  project.addTask(name, { description, exec, receiveArgs: true });
  project.setScript(name, exec);
}

// The benchmark measures the library as npm ships it: compiled first.
project.addTask('bench', {
  description: 'Benchmark synthesis: ScalableBackend vs hand-written cdk8s-plus-27, and synth start-up (bench/README.md)',
  steps: [{ spawn: 'compile' }, { exec: 'node --require ./tools/synth/ts-register.cjs bench/run.ts', receiveArgs: true }],
});

// API.md documents this library's own constructs; the Istio and KEDA submodules are generated from the official CRDs
// (documented upstream) and would bury them under thousands of generated types.
project.tasks.tryFind('docgen')!.reset('jsii-docgen -o API.md --submodule root');

// No task may pass --updateSnapshot (projen adds test:update with NEVER): after an intended change, rewrite the
// snapshots with `npx jest -u` and review the diff.
project.tasks.removeTask('test:update');

// `npm test` compiles with jsii first (the public API must stay jsii-compatible) and regenerates API.md, so a
// stale API.md shows up as a dirty tree in CI.
project.testTask.prependSpawn(project.tasks.tryFind('post-compile')!);
project.testTask.prependSpawn(project.compileTask);

// .tools/: the judges' binaries, virtualenvs and caches that `.ci/run` installs (pinned, rebuilt from registries).
project.gitignore.exclude('/dist/', '/test-reports/', '/coverage/', '/.tools/');

// Java and Go: the registries these machines reach serve neither the org.cdk8s Maven artifacts nor the cdk8s Go modules
// (they answer that those versions are missing or not available), and jsii-pacmak compiles the bindings against them.
// So each package is built in one run with the bindings of the installed cdk8s and cdk8s-plus-27 npm packages (the
// same generator upstream publishes them with): dist/packages/java is a Maven repository that holds them beside ours,
// dist/packages/go holds their modules beside ours (cdk8s, cdk8splus27), which the build replaces locally.
// Java's build uses the machine's Maven repository (~/.m2, a cache like Go's: jsii-pacmak's default is a new temporary
// one on every run, which downloads Maven's plugins again each time).
const pacmakArgs: Record<string, string> = { java: ' --maven-local-repository="$HOME/.m2/repository"', go: '' };
for (const language of ['java', 'go']) {
  project.tasks.tryFind(`package:${language}`)!.reset(
    `jsii-pacmak -v --target ${language} --outdir dist/packages --no-npmignore${pacmakArgs[language]} . node_modules/cdk8s node_modules/cdk8s-plus-27`,
  );
}

// .NET: NuGet cannot be reached here and the machines have no dotnet; the target stays configured (the .jsii assembly
// carries it) and `package:dotnet` builds it wherever a dotnet toolchain exists, and says it skipped it elsewhere.
project.tasks.tryFind('package:dotnet')!.addCondition('command -v dotnet >/dev/null');

// Released by hand (`npm run package-all`); the CHANGELOG records each version.
project.package.addVersion('0.1.0');

project.synth();

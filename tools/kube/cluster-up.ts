// Starts the simulated cluster (cluster.ts) and keeps it running until Ctrl-C, for poking at it with kubectl.
//
//   node --require ./tools/synth/ts-register.cjs tools/kube/cluster-up.ts [--line v1.27] [--nodes 6] [--zones 3]
//
// Prints the kubeconfig path (export KUBECONFIG=...) once all nodes are Ready.
import { startCluster } from './cluster';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const nodes = option('nodes');
  const zones = option('zones');
  const cluster = await startCluster({
    line: option('line'),
    nodes: nodes ? Number(nodes) : undefined,
    zones: zones ? Number(zones) : undefined,
    log: (m) => process.stderr.write(`${m}\n`),
  });
  console.log(`kubernetes ${cluster.server.version} at ${cluster.url}, ${cluster.nodes.length} nodes`);
  console.log(`export KUBECONFIG=${cluster.kubeconfig}`);
  console.log('Ctrl-C stops it and deletes its directory.');
  // apiserver.ts stops everything on SIGINT/SIGTERM; until then, keep the event loop alive.
  setInterval(() => undefined, 2 ** 30);
}

main().catch((e) => {
  console.error(`cluster-up: ${e instanceof Error ? e.message : e}`);
  process.exit(2);
});

import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const FIXTURES = path.join(__dirname, 'fixtures');

function simulate(...args: string[]) {
  const r = spawnSync(process.execPath, ['--require', './tools/synth/ts-register.cjs', 'tools/simulate/main.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run simulate', () => {
  test('prints one line per Service, then the drivers and the what-ifs, for each folder', () => {
    const r = simulate(path.join(FIXTURES, 'talk-1-replica'), path.join(FIXTURES, 'talk-2-replicas-istio'), '--selector', 'app=webapp');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').filter(l => l && !l.startsWith('  '));
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^default\/webapp: sent 1200, completed \d+, refused \d+, lost \d+\.\d %$/);
    expect(r.stdout).toContain('  - no readiness probe: ');
    expect(r.stdout).toContain('  what if: 2 replicas -> completed ');
  });

  test('--max-lost fails the run when a Service loses more', () => {
    expect(simulate(path.join(FIXTURES, 'talk-2-replicas'), '--max-lost', '5').status).toBe(1);
    expect(simulate(path.join(FIXTURES, 'talk-2-replicas'), '--max-lost', '50').status).toBe(0);
  });

  test('--json gives one object per Service, with the flags applied', () => {
    const r = simulate(path.join(FIXTURES, 'talk-2-replicas'), '--json', '--rate', '5', '--duration', '1m', '--kill-every', '0');
    const [p] = r.stdout.trim().split('\n').map(l => JSON.parse(l));
    expect(p).toMatchObject({ service: 'webapp', sent: 300, completed: 300, killed: false });
  });

  test('refuses a bad duration and a missing folder with status 2 and the usage', () => {
    const bad = simulate(FIXTURES, '--kill-every', '15x');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("simulate: --kill-every '15x' is not a duration");
    expect(simulate().stderr).toContain('give at least one DIR of manifests');
  });
});

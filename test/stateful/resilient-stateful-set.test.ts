import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ClaimRetention, ResilientStatefulSet, ResilientStatefulSetProps, WorkloadDefaults } from '../../lib';
import { DEFAULT_RESOURCES_JSON, HARDENED_CONTAINER_CONTEXT, ofKind, only, podSpec, synthValid } from '../util';

const db: kplus.ContainerProps = { image: 'postgres:16.4', portNumber: 5432 };
const data = { name: 'data', storage: Size.gibibytes(1), mountPath: '/var/lib/postgresql/data' };

function synth(props: ResilientStatefulSetProps = {}) {
  const chart = Testing.chart();
  const set = new ResilientStatefulSet(chart, 'db', { containers: [db], ...props });
  const manifests = synthValid(chart);
  return { chart, set, manifests, statefulSet: only(manifests, 'StatefulSet') };
}

describe('ResilientStatefulSet: secure and resilient defaults', () => {
  test('hardens every container and init container, given or added later, with explicit resources', () => {
    const chart = Testing.chart();
    const set = new ResilientStatefulSet(chart, 'db', {
      containers: [db], initContainers: [{ name: 'init', image: 'busybox:1.36.1', command: ['true'] }], defaultResources: WorkloadDefaults.RESOURCES,
    });
    set.addContainer({ name: 'sidecar', image: 'busybox:1.36.1', command: ['sleep', 'infinity'] });
    set.addInitContainer({ name: 'late', image: 'busybox:1.36.1', command: ['true'] });
    const spec = podSpec(only(synthValid(chart), 'StatefulSet'));
    expect(spec.containers).toHaveLength(2);
    expect(spec.initContainers).toHaveLength(2);
    for (const c of [...spec.initContainers, ...spec.containers]) {
      expect(c.securityContext).toEqual(HARDENED_CONTAINER_CONTEXT);
      expect(c.resources).toEqual(DEFAULT_RESOURCES_JSON);
    }
    expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });

  test('runs 1 replica without a disruption budget by default', () => {
    const { statefulSet, manifests, set } = synth();
    expect(statefulSet.spec.replicas).toBe(1);
    expect(ofKind(manifests, 'PodDisruptionBudget')).toEqual([]);
    expect(set.disruptionBudget).toBeUndefined();
  });

  test('protects 2 or more replicas with a budget named after the StatefulSet', () => {
    const { manifests, statefulSet } = synth({ replicas: 3, metadata: { name: 'db', namespace: 'shop' } });
    const pdb = only(manifests, 'PodDisruptionBudget');
    expect(pdb.metadata).toEqual({ name: 'db', namespace: 'shop' });
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(statefulSet.spec.selector.matchLabels);
  });

  test('spreads the pods over nodes and zones, without the Deployment-only pod-template-hash key', () => {
    const constraints = podSpec(synth().statefulSet).topologySpreadConstraints;
    expect(constraints.map((c: any) => c.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    for (const c of constraints) expect(c.matchLabelKeys).toBeUndefined();
  });

  test('starts pods in order by default, in parallel when asked', () => {
    expect(synth().statefulSet.spec.podManagementPolicy).toBe('OrderedReady');
    expect(synth({ podManagementPolicy: kplus.PodManagementPolicy.PARALLEL }).statefulSet.spec.podManagementPolicy).toBe('Parallel');
  });

  test('keeps 10 old revisions by default', () => {
    expect(synth().statefulSet.spec.revisionHistoryLimit).toBe(10);
    expect(synth({ revisionHistoryLimit: 3 }).statefulSet.spec.revisionHistoryLimit).toBe(3);
  });

  test('retains the claims when the StatefulSet is deleted or scaled down by default', () => {
    const { statefulSet, set } = synth();
    expect(statefulSet.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(set.claimRetentionWhenDeleted).toBe(ClaimRetention.RETAIN);
    expect(set.claimRetentionWhenScaled).toBe(ClaimRetention.RETAIN);
  });

  test('deletes the claims on deletion and on scale-down when asked', () => {
    const { statefulSet } = synth({ claimRetentionWhenDeleted: ClaimRetention.DELETE, claimRetentionWhenScaled: ClaimRetention.DELETE });
    expect(statefulSet.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Delete', whenScaled: 'Delete' });
  });
});

describe('ResilientStatefulSet: volume claim templates', () => {
  test('has no claim templates and no fsGroup by default', () => {
    const { statefulSet } = synth();
    expect(statefulSet.spec.volumeClaimTemplates).toBeUndefined();
    expect(podSpec(statefulSet).securityContext.fsGroup).toBeUndefined();
  });

  test('writes a ReadWriteOnce claim template of the given size on the default StorageClass, mounted in every container', () => {
    const chart = Testing.chart();
    const set = new ResilientStatefulSet(chart, 'db', { containers: [db], volumeClaims: [data] });
    set.addContainer({ name: 'sidecar', image: 'busybox:1.36.1', command: ['sleep', 'infinity'] });
    const statefulSet = only(synthValid(chart), 'StatefulSet');
    expect(statefulSet.spec.volumeClaimTemplates).toEqual([{
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    }]);
    const spec = podSpec(statefulSet);
    for (const c of spec.containers) expect(c.volumeMounts).toEqual([{ name: 'data', mountPath: '/var/lib/postgresql/data' }]);
    // The controller gives each pod its own claim under the template's name: no pod volume may shadow it.
    expect(spec.volumes).toBeUndefined();
  });

  test('uses the given access modes, StorageClass and sub-path', () => {
    const { statefulSet } = synth({
      volumeClaims: [{
        ...data,
        storage: Size.mebibytes(512),
        subPath: 'pgdata',
        storageClassName: 'standard',
        accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE_POD],
      }],
    });
    expect(statefulSet.spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ['ReadWriteOncePod'], storageClassName: 'standard', resources: { requests: { storage: '512Mi' } },
    });
    expect(podSpec(statefulSet).containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/var/lib/postgresql/data', subPath: 'pgdata' }]);
  });

  test('mounts a claim without mountPath nowhere, and where claimVolume puts it', () => {
    const chart = Testing.chart();
    const set = new ResilientStatefulSet(chart, 'db', { containers: [db], volumeClaims: [{ name: 'data', storage: Size.gibibytes(1) }] });
    set.addInitContainer({ name: 'restore', image: 'busybox:1.36.1', command: ['true'], resources: WorkloadDefaults.RESOURCES, volumeMounts: [{ path: '/restore', volume: set.claimVolume('data') }] });
    const spec = podSpec(only(synthValid(chart), 'StatefulSet'));
    expect(spec.containers[0].volumeMounts).toBeUndefined();
    expect(spec.initContainers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/restore' }]);
    expect(spec.volumes).toBeUndefined();
  });

  test('keeps the pod\'s other volumes next to the claims', () => {
    const chart = Testing.chart();
    const set = new ResilientStatefulSet(chart, 'db', { containers: [db], volumeClaims: [data] });
    set.containers[0].mount('/tmp', kplus.Volume.fromEmptyDir(chart, 'tmp', 'tmp'));
    const spec = podSpec(only(synthValid(chart), 'StatefulSet'));
    expect(spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    expect(spec.containers[0].volumeMounts.map((m: any) => m.name)).toEqual(['data', 'tmp']);
  });

  test('gives the pod the containers\' group as fsGroup, changed only on root mismatch, when it has claims', () => {
    expect(podSpec(synth({ volumeClaims: [data] }).statefulSet).securityContext).toEqual(expect.objectContaining({
      fsGroup: 10001, fsGroupChangePolicy: 'OnRootMismatch',
    }));
    const postgres = synth({ volumeClaims: [data], security: { user: 999, group: 999 } }).statefulSet;
    expect(podSpec(postgres).securityContext).toEqual(expect.objectContaining({
      runAsUser: 999, runAsGroup: 999, fsGroup: 999,
    }));
  });

  test('lets securityContext override the fsGroup defaults', () => {
    const spec = podSpec(synth({
      volumeClaims: [data],
      securityContext: { fsGroup: 2000, fsGroupChangePolicy: kplus.FsGroupChangePolicy.ALWAYS },
    }).statefulSet);
    expect(spec.securityContext).toEqual(expect.objectContaining({ fsGroup: 2000, fsGroupChangePolicy: 'Always' }));
  });
});

describe('ResilientStatefulSet: the governing Service', () => {
  test('creates a headless Service from the container ports and names it in serviceName', () => {
    const { manifests, statefulSet } = synth({ metadata: { namespace: 'shop' } });
    const service = only(manifests, 'Service');
    expect(service.spec.clusterIP).toBe('None');
    expect(service.spec.ports).toEqual([{ port: 5432, targetPort: 5432 }]);
    expect(service.metadata.namespace).toBe('shop');
    expect(statefulSet.spec.serviceName).toBe(service.metadata.name);
    expect(service.spec.selector).toEqual(statefulSet.spec.selector.matchLabels);
  });

  test('uses a given headless Service instead, selecting the pods', () => {
    const chart = Testing.chart();
    const service = new kplus.Service(chart, 'svc', { metadata: { name: 'postgresql' }, clusterIP: 'None', ports: [{ port: 5432 }] });
    new ResilientStatefulSet(chart, 'db', { containers: [db], service });
    const manifests = synthValid(chart);
    const statefulSet = only(manifests, 'StatefulSet');
    expect(statefulSet.spec.serviceName).toBe('postgresql');
    expect(only(manifests, 'Service').spec.selector).toEqual(statefulSet.spec.selector.matchLabels);
  });
});

describe('ResilientStatefulSet: refused input', () => {
  const make = (props: ResilientStatefulSetProps, chart: Chart = Testing.chart()) => () => new ResilientStatefulSet(chart, 'db', { containers: [db], ...props });

  test('refuses a negative replica count', () => {
    expect(make({ replicas: -1 })).toThrow('ResilientStatefulSet \'test/db\': \'replicas\' (-1) must be a whole number >= 0');
  });

  test('refuses a negative revision history', () => {
    expect(make({ revisionHistoryLimit: -1 })).toThrow('ResilientStatefulSet \'test/db\': \'revisionHistoryLimit\' (-1) must be a whole number >= 0');
  });

  test('refuses a volume size that is not a quantity', () => {
    expect(make({ volumeClaims: [{ ...data, storage: Size.gibibytes(NaN) }] }))
      .toThrow('ResilientStatefulSet \'test/db\': \'volumeClaims[0].storage\' (NaNGi) must be a positive quantity, such as Size.gibibytes(1)');
    expect(make({ volumeClaims: [{ ...data, storage: Size.gibibytes(0) }] }))
      .toThrow('\'volumeClaims[0].storage\' (0Gi) must be a positive quantity');
    expect(make({ volumeClaims: [{ ...data, storage: Size.gibibytes(Infinity) }] }))
      .toThrow('\'volumeClaims[0].storage\' (InfinityGi) must be a positive quantity');
  });

  test('refuses a claim name that is not a DNS label', () => {
    expect(make({ volumeClaims: [{ ...data, name: 'Data_1' }] }))
      .toThrow(/^ResilientStatefulSet 'test\/db': 'volumeClaims\[0\]\.name' \("Data_1"\) must be a DNS label/);
  });

  test('refuses two claims of the same name', () => {
    expect(make({ volumeClaims: [data, { ...data, mountPath: '/backup' }] }))
      .toThrow('ResilientStatefulSet \'test/db\': \'volumeClaims[1].name\' ("data") must be unique: \'volumeClaims[0].name\' is the same');
  });

  test('refuses a relative mount path', () => {
    expect(make({ volumeClaims: [{ ...data, mountPath: 'data' }] }))
      .toThrow('ResilientStatefulSet \'test/db\': \'volumeClaims[0].mountPath\' ("data") must be an absolute path');
  });

  test('refuses an empty list of access modes', () => {
    expect(make({ volumeClaims: [{ ...data, accessModes: [] }] }))
      .toThrow('ResilientStatefulSet \'test/db\': \'volumeClaims[0].accessModes\' ("[]") must hold at least one access mode');
  });

  test('refuses a governing Service that is not headless', () => {
    const chart = Testing.chart();
    const service = new kplus.Service(chart, 'svc', { metadata: { name: 'postgresql' }, ports: [{ port: 5432 }] });
    expect(make({ service }, chart)).toThrow('ResilientStatefulSet \'test/db\': \'service\' ("postgresql") must be headless (clusterIP "None"): '
      + 'it governs the pods\' DNS names; put a separate Service in front for clients');
  });

  test('refuses a governing Service in another namespace', () => {
    const chart = Testing.chart();
    const service = new kplus.Service(chart, 'svc', { metadata: { name: 'postgresql', namespace: 'other' }, clusterIP: 'None', ports: [{ port: 5432 }] });
    expect(make({ service, metadata: { namespace: 'shop' } }, chart))
      .toThrow('ResilientStatefulSet \'test/db\': \'service\' ("postgresql") must be in the StatefulSet\'s namespace (shop), not in other');
  });

  test('refuses a governing Service of another chart', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'db-chart');
    const service = new kplus.Service(new Chart(app, 'other'), 'svc', { metadata: { name: 'postgresql' }, clusterIP: 'None', ports: [{ port: 5432 }] });
    expect(make({ service }, chart)).toThrow('ResilientStatefulSet \'db-chart/db\': \'service\' ("postgresql") must be in the StatefulSet\'s chart \'db-chart\'');
  });

  test('refuses to build the headless Service when no container exposes a port', () => {
    expect(() => new ResilientStatefulSet(Testing.chart(), 'db', { containers: [{ image: 'busybox:1.36.1' }] }))
      .toThrow('ResilientStatefulSet \'test/db\': \'service\' (undefined) must be given when no container exposes a port: '
        + 'the headless governing Service is built from the containers\' ports');
  });

  test('refuses claimVolume for a claim it does not have', () => {
    const set = new ResilientStatefulSet(Testing.chart(), 'db', { containers: [db], volumeClaims: [data] });
    expect(() => set.claimVolume('logs')).toThrow('ResilientStatefulSet \'test/db\': \'claimVolume\' ("logs") must name one of the volume claims ("data")');
  });

  test('refuses a probe on a port its container does not expose, naming the container', () => {
    expect(make({ containers: [db, { image: 'busybox:1.36.1', readiness: kplus.Probe.fromHttpGet('/', { port: 9000 }) }] }))
      .toThrow('ResilientStatefulSet \'test/db\': \'containers[1].readiness\' (9000) must probe a port the container exposes (exposed: none)');
  });

  test('refuses a budget that could never allow an eviction', () => {
    expect(make({ replicas: 2, disruptionBudget: { minAvailable: kplus.PercentOrAbsolute.absolute(2) } }))
      .toThrow('ResilientStatefulSet \'test/db\': \'disruptionBudget.minAvailable\' (2) must be below the minimum replica count (2)');
  });
});

describe('ResilientStatefulSet: names and ports the API server or the controller would reject', () => {
  const pg = { name: 'db', image: 'postgres:16.4', portNumber: 5432 };
  const rule = 'must be a DNS label of at most 52 characters: the controller labels every pod \'controller-revision-hash: <name>-<hash>\', '
    + 'and a label value over 63 characters stops it from creating any pod';

  test('refuses a name of 53 characters (its controller-revision-hash label would exceed 63) and takes one of 52', () => {
    expect(() => new ResilientStatefulSet(Testing.chart(), 'db', { metadata: { name: 'a'.repeat(53) }, containers: [pg] })).toThrow(
      `ResilientStatefulSet 'test/db': 'metadata.name' ("${'a'.repeat(53)}") ${rule}`);
    const chart = Testing.chart();
    new ResilientStatefulSet(chart, 'db', { metadata: { name: 'a'.repeat(52) }, containers: [pg] });
    expect(only(synthValid(chart), 'StatefulSet').metadata.name).toBe('a'.repeat(52));
  });

  test('refuses a generated name that is too long for a StatefulSet', () => {
    const chart = Testing.chart();
    const scope = new Construct(chart, 'a-rather-long-construct-id-for-the-database-tier');
    expect(() => new ResilientStatefulSet(scope, 'primary-database', { containers: [pg] })).toThrow(
      /^ResilientStatefulSet 'test\/a-rather-long-construct-id-for-the-database-tier\/primary-database': 'metadata.name' \("a-rather-long-[a-z0-9-]+"\) must be a DNS label of at most 52 characters: .*: this name was generated from the chart id and construct path; set 'metadata.name'/);
  });

  test('refuses unnamed ports of several containers: the headless Service built from them needs a name on each', () => {
    expect(() => new ResilientStatefulSet(Testing.chart(), 'db', { containers: [pg, { name: 'exporter', image: 'prom/postgres-exporter:v0.15.0', portNumber: 9187 }] })).toThrow(
      'ResilientStatefulSet \'test/db\': \'containers[0].portNumber\' (undefined) must be a named port in \'ports\' when the containers expose 2 ports: '
      + 'the headless Service built from them needs a name on each port (or give \'service\')');
    const chart = Testing.chart();
    new ResilientStatefulSet(chart, 'db', {
      containers: [{ ...pg, portNumber: undefined, ports: [{ number: 5432, name: 'postgres' }] },
        { name: 'exporter', image: 'prom/postgres-exporter:v0.15.0', ports: [{ number: 9187, name: 'metrics' }] }],
    });
    expect(only(synthValid(chart), 'Service').spec.ports.map((p: any) => p.name)).toEqual(['postgres', 'metrics']);
  });

  test('refuses a headless Service name generated from a chart id that starts with a digit', () => {
    const chart = new Chart(Testing.app(), '2048');
    expect(() => new ResilientStatefulSet(chart, 'db', { metadata: { name: 'db' }, containers: [pg] })).toThrow(
      /^ResilientStatefulSet '2048\/db': 'service' \("2048-db-service-[a-z0-9]+"\) must be a DNS-1035 label \(starting with a letter\) to name the headless Service: this name was generated from the chart id and construct path; set 'service'/);
  });
});

test('ResilientStatefulSet refuses two containers exposing the same port: the headless Service cannot list it twice', () => {
  expect(() => new ResilientStatefulSet(Testing.chart(), 'db', {
    containers: [{ name: 'a', image: 'postgres:16.4', ports: [{ number: 5432, name: 'pg' }] },
      { name: 'b', image: 'postgres:16.4', ports: [{ number: 5432, name: 'pg2' }] }],
  })).toThrow('ResilientStatefulSet \'test/db\': \'containers[1].ports[0].number\' (5432) must differ from \'containers[0].ports[0].number\': '
    + 'the headless Service built from the containers\' ports cannot list a port twice');
});

test('ResilientStatefulSet refuses a given governing Service whose name is not a DNS-1035 label', () => {
  const chart = new Chart(Testing.app(), '2048');
  const service = new kplus.Service(chart, 'svc', { clusterIP: 'None', ports: [{ port: 5432 }] });
  expect(() => new ResilientStatefulSet(chart, 'db', { metadata: { name: 'db' }, service, containers: [{ name: 'db', image: 'postgres:16.4', portNumber: 5432 }] })).toThrow(
    /^ResilientStatefulSet '2048\/db': 'service' \("2048-svc-[a-z0-9]+"\) must have a DNS-1035 name \(a DNS label starting with a letter\): the API server refuses any other Service name$/);
});

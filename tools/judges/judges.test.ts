// The pieces of the judges that need no tool: the allow-list's rules and the schema conversion.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applyAllowList, Finding, readAllowList } from './judges';
import { convert, kubeconformFileName } from './make-schemas';

function allowList(text: string) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'allow-')), 'allow-list.yaml');
  fs.writeFileSync(file, text);
  return readAllowList(file);
}

const finding = (over: Partial<Finding>): Finding =>
  ({ tool: 'checkov', app: 'todoapi', object: 'Deployment/todoapi', check: 'CKV_K8S_43', message: 'Image should use digest', ...over });

describe('allow-list', () => {
  test('an entry needs a reason and one exact check id', () => {
    expect(() => allowList('- { tool: checkov, check: CKV_K8S_43 }')).toThrow(/a reason is required/);
    expect(() => allowList("- { tool: checkov, check: '*', reason: 'every check, for no reason at all' }")).toThrow(/must be exact/);
    expect(() => allowList("- { tool: checkov, check: CKV_K8S_43, reason: 'pinned tags, readable examples', severity: low }")).toThrow(/unknown key severity/);
  });

  test('tool, check, app and object must all match; "kubeconform" covers both lines', () => {
    const entries = allowList([
      "- { tool: checkov, check: CKV_K8S_43, app: 'web*', object: 'Deployment/default/*', reason: 'pinned tags, readable examples' }",
      "- { tool: kubeconform, check: missing-schema, reason: 'a CRD that is not vendored here' }",
    ].join('\n'));
    const findings = [
      finding({ app: 'webgatos', object: 'Deployment/default/webapp' }),
      finding({ app: 'webgatos', object: 'Deployment/other/webapp' }),
      finding({ app: 'todoapi', object: 'Deployment/default/webapp' }),
      finding({ app: 'webgatos', object: 'Deployment/default/webapp', check: 'CKV_K8S_15' }),
      finding({ tool: 'kubeconform 1.37', check: 'missing-schema' }),
      finding({ tool: 'kubectl-validate 1.37', check: 'missing-schema' }),
    ];
    applyAllowList(findings, entries);
    expect(findings.map(f => Boolean(f.allowedBy))).toEqual([true, false, false, false, true, false]);
    expect(entries.map(e => e.used)).toEqual([1, 1]);
  });

  test('the committed allow-list parses, every entry with a reason', () => {
    const entries = readAllowList(path.join(__dirname, 'allow-list.yaml'));
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(e.reason.length).toBeGreaterThanOrEqual(10);
  });
});

describe('schema conversion', () => {
  test("file names follow kubeconform's registry layout", () => {
    expect(kubeconformFileName({ group: '', version: 'v1', kind: 'Service' })).toBe('service-v1.json');
    expect(kubeconformFileName({ group: 'apps', version: 'v1', kind: 'Deployment' })).toBe('deployment-apps-v1.json');
    expect(kubeconformFileName({ group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' })).toBe('networkpolicy-networking-v1.json');
  });

  test('refs are inlined, objects closed, int-or-string and optional nulls accepted, recursion cut', () => {
    const definitions = {
      Port: { type: 'object', required: ['port'], properties: { port: { type: 'string', format: 'int-or-string' }, name: { type: 'string', description: 'x' } } },
      Node: { type: 'object', properties: { child: { $ref: '#/definitions/Node' }, port: { $ref: '#/definitions/Port' } } },
    };
    const out = convert(definitions.Node, { definitions, nullableOptional: true }, ['Node']);
    expect(out).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        child: {},
        port: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: {
            port: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
            name: { type: ['string', 'null'] },
          },
          required: ['port'],
        },
      },
    });
  });

  test('CRD schemas: nullable and preserve-unknown-fields are kept as the API server reads them', () => {
    const out = convert({
      type: 'object',
      properties: {
        spec: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true, 'properties': { a: { type: 'string' } } },
        port: { 'x-kubernetes-int-or-string': true },
        note: { type: 'string', nullable: true },
      },
    }, { nullableOptional: false });
    expect(out.additionalProperties).toBe(false);
    expect(out.properties.spec.additionalProperties).toBeUndefined();
    expect(out.properties.port).toEqual({ oneOf: [{ type: 'string' }, { type: 'integer' }] });
    expect(out.properties.note).toEqual({ type: ['string', 'null'] });
  });
});

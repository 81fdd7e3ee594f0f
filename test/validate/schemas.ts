import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import * as YAML from 'yaml';

/**
 * Strict schema validation of Kubernetes objects against the project's vendored schemas (vendor/README.md):
 * the Kubernetes 1.27 definitions and each vendored CRD's openAPIV3Schema. "Strict" as the API server's strict field
 * validation is: an unknown field, a wrong type or a missing required field is an error.
 */
const VENDOR = path.resolve(__dirname, '..', '..', 'vendor');
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** Keywords whose values are data, not sub-schemas. */
const DATA_KEYWORDS = new Set(['enum', 'required', 'x-kubernetes-group-version-kind', 'default', 'example']);

/**
 * A copy of an OpenAPI schema that JSON schema can check strictly: objects that list their properties accept no
 * others unless they say they preserve unknown fields; structural-schema extensions become JSON schema.
 */
function strict(schema: any, openApiV3: boolean): any {
  if (Array.isArray(schema)) return schema.map(s => strict(s, openApiV3));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description') continue;
    out[key] = DATA_KEYWORDS.has(key) ? value : strict(value, openApiV3);
  }
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  if (openApiV3) {
    if (out['x-kubernetes-int-or-string']) {
      delete out.type;
      out.anyOf = out.anyOf ?? [{ type: 'integer' }, { type: 'string' }];
    }
    if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  }
  return out;
}

const apiVersionOf = (group: string, version: string) => (group ? `${group}/${version}` : version);

export class SchemaValidator {
  private readonly ajv = new Ajv({ allErrors: true, strict: false });
  private readonly schemas = new Map<string, object>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    for (const format of ['int-or-string', 'int32', 'int64', 'uint32', 'uint64', 'double', 'float', 'byte', 'date-time', 'quantity']) {
      this.ajv.addFormat(format, true);
    }
    const raw = JSON.parse(fs.readFileSync(path.join(VENDOR, 'k8s-1.27-schema', '_definitions.json'), 'utf8'));
    const definitions = strict(raw.definitions, false);
    this.ajv.addSchema({ $id: 'k8s', definitions });
    for (const [name, def] of Object.entries<any>(definitions)) {
      for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
        const apiVersion = apiVersionOf(gvk.group, gvk.version);
        this.schemas.set(`${apiVersion}|${gvk.kind}`, {
          allOf: [{ $ref: `k8s#/definitions/${name}` }],
          required: ['apiVersion', 'kind', 'metadata'],
          properties: { apiVersion: { const: apiVersion }, kind: { const: gvk.kind } },
        });
      }
    }
    const crdDir = path.join(VENDOR, 'crds');
    for (const file of fs.readdirSync(crdDir).filter(f => f.endsWith('.yaml')).sort()) {
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(crdDir, file), 'utf8'))) {
        const crd = doc.toJS();
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        for (const version of crd.spec.versions) {
          const apiVersion = apiVersionOf(crd.spec.group, version.name);
          const schema = strict(version.schema.openAPIV3Schema, true);
          schema.properties = {
            ...schema.properties,
            apiVersion: { const: apiVersion },
            kind: { const: crd.spec.names.kind },
            metadata: { $ref: `k8s#/definitions/${META}` },
          };
          schema.required = [...new Set([...(schema.required ?? []), 'apiVersion', 'kind', 'metadata'])];
          schema.additionalProperties = false;
          this.schemas.set(`${apiVersion}|${crd.spec.names.kind}`, schema);
        }
      }
    }
  }

  /** Every schema error of one object, as `<json pointer> <message>` (empty when valid). */
  public problems(manifest: any): string[] {
    if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) return ['not an object'];
    const key = `${manifest.apiVersion}|${manifest.kind}`;
    const schema = this.schemas.get(key);
    if (!schema) return [`no schema for apiVersion=${manifest.apiVersion} kind=${manifest.kind}`];
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(key, validate);
    }
    if (validate(manifest)) return [];
    return (validate.errors ?? []).map(e => `${e.instancePath || '/'} ${e.message}`
      + (e.keyword === 'additionalProperties' ? `: '${(e.params as any).additionalProperty}'` : ''));
  }
}

// Writes the offline schemas the judges read, from upstream sources only (run by tools/judges/install.sh):
//
//   <out>/kubeconform/<version>-standalone-strict/<kind>[-<group>]-<apiversion>.json
//       one JSON schema per built-in kind, from the Kubernetes module's api/openapi-spec/swagger.json: every $ref
//       inlined ("standalone"), additionalProperties: false on every object that lists its properties ("strict"),
//       int-or-string as a string-or-integer choice, optional fields nullable (as the API server reads them), and
//       kind/apiVersion pinned to the group-version-kind. This is the layout kubeconform looks up under a
//       -schema-location folder for -kubernetes-version <version> (its registry.go: schemaPath).
//   <out>/kubeconform/crds/<group>/<kind>_<version>.json
//       one per served CRD version, from openAPIV3Schema, for the template {{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.
//   <out>/kubectl-validate/<version>/api/v1.json, apis/<group>/<version>.json
//       the module's api/openapi-spec/v3 documents, in the folder layout kubectl-validate's --local-schemas reads.
//
// Usage: node --require ./tools/synth/ts-register.cjs tools/judges/make-schemas.ts --out DIR --k8s vX.Y.Z=MODULE_DIR... --crds DIR
import * as fs from 'fs';
import * as path from 'path';
// yaml is a devDependency: these tools run in development and CI only, never from the published library
import { parseAllDocuments } from 'yaml';

type Schema = { [key: string]: any };

interface Gvk { group: string; version: string; kind: string }

/** kubeconform's file name for a kind: lower-case kind, the group's first label, the version (registry.go). */
export function kubeconformFileName(gvk: Gvk): string {
  const group = gvk.group === '' ? '' : `-${gvk.group.split('.')[0].toLowerCase()}`;
  return `${gvk.kind.toLowerCase()}${group}-${gvk.version.toLowerCase()}.json`;
}

function apiVersionOf(gvk: Gvk): string {
  return gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`;
}

const DROP = new Set(['description', 'x-kubernetes-patch-strategy', 'x-kubernetes-patch-merge-key', 'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-group-version-kind', 'x-kubernetes-unions', 'x-kubernetes-validations']);

interface ConvertOptions {
  /** swagger definitions to resolve $ref against (built-ins); undefined for CRD schemas, which have none */
  definitions?: Record<string, Schema>;
  /** optional fields accept null (built-ins: the API server's decoder treats null as unset) */
  nullableOptional: boolean;
}

function allowNull(s: Schema): Schema {
  if (s.oneOf) return { ...s, oneOf: [...s.oneOf, { type: 'null' }] };
  if (typeof s.type === 'string') return { ...s, type: [s.type, 'null'] };
  return s; // no type: already accepts anything
}

/** Converts one OpenAPI schema (v2 definition or CRD openAPIV3Schema) to a standalone, strict JSON schema. */
export function convert(schema: Schema, opts: ConvertOptions, seen: string[] = []): Schema {
  if (schema.$ref !== undefined) {
    const name = String(schema.$ref).replace(/^#\/definitions\//, '');
    // A type that contains itself (JSONSchemaProps) cannot be inlined: its inner occurrences accept anything.
    if (seen.includes(name)) return {};
    const target = opts.definitions?.[name];
    if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
    return convert(target, opts, [...seen, name]);
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROP.has(key)) continue;
    out[key] = value;
  }
  // int-or-string, as built-ins (format) and CRDs (x-kubernetes-int-or-string) spell it
  if (schema.format === 'int-or-string' || schema['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    delete out.format;
    delete out['x-kubernetes-int-or-string'];
    out.oneOf = [{ type: 'string' }, { type: 'integer' }];
  }
  if (schema.properties) {
    const required = new Set<string>(schema.required ?? []);
    out.properties = {};
    for (const [name, sub] of Object.entries<Schema>(schema.properties)) {
      let converted = convert(sub, opts, seen);
      if (opts.nullableOptional && !required.has(name)) converted = allowNull(converted);
      out.properties[name] = converted;
    }
    if (schema.additionalProperties === undefined && schema['x-kubernetes-preserve-unknown-fields'] !== true) {
      out.additionalProperties = false;
    }
  }
  if (schema.items && typeof schema.items === 'object') out.items = convert(schema.items, opts, seen);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    out.additionalProperties = convert(schema.additionalProperties, opts, seen);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (Array.isArray(schema[key])) out[key] = schema[key].map((s: Schema) => convert(s, opts, seen));
  }
  if (schema.not) out.not = convert(schema.not, opts, seen);
  if (schema.nullable === true) {
    delete out.nullable;
    Object.assign(out, allowNull(out));
  }
  return out;
}

function pinKind(schema: Schema, gvk: Gvk): Schema {
  const props = schema.properties ?? {};
  return {
    ...schema,
    properties: {
      // every object has metadata, even where a CRD's schema leaves it out (the API server validates it itself)
      metadata: { type: 'object' },
      ...props,
      apiVersion: { type: 'string', enum: [apiVersionOf(gvk)] },
      kind: { type: 'string', enum: [gvk.kind] },
    },
  };
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value));
}

/** Built-in kinds of one Kubernetes version: returns how many files were written. */
export function builtinSchemas(swagger: Schema, outDir: string): number {
  const definitions: Record<string, Schema> = swagger.definitions;
  let written = 0;
  for (const [name, def] of Object.entries(definitions)) {
    const gvks: Gvk[] = def['x-kubernetes-group-version-kind'] ?? [];
    if (gvks.length === 0) continue;
    const converted = convert(def, { definitions, nullableOptional: true }, [name]);
    for (const gvk of gvks) {
      writeJson(path.join(outDir, kubeconformFileName(gvk)), pinKind(converted, gvk));
      written++;
    }
  }
  return written;
}

/** Every served version of every CRD in the YAML files of a folder: returns how many files were written. */
export function crdSchemas(crdDir: string, outDir: string): number {
  let written = 0;
  for (const file of fs.readdirSync(crdDir).filter(f => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(crdDir, file), 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const version of crd.spec.versions ?? []) {
        const schema = version.schema?.openAPIV3Schema;
        if (!schema || version.served === false) continue;
        const gvk = { group: crd.spec.group, version: version.name, kind: crd.spec.names.kind };
        const converted = pinKind(convert(schema, { nullableOptional: false }), gvk);
        writeJson(path.join(outDir, gvk.group, `${gvk.kind.toLowerCase()}_${gvk.version}.json`), converted);
        written++;
      }
    }
  }
  return written;
}

/** kubectl-validate's --local-schemas layout from the module's OpenAPI v3 documents. */
export function kubectlValidateSchemas(v3Dir: string, outDir: string): number {
  let written = 0;
  for (const file of fs.readdirSync(v3Dir).sort()) {
    // api__v1_openapi.json -> api/v1.json; apis__apps__v1_openapi.json -> apis/apps/v1.json; group indexes skipped
    const m = /^(api|apis)__(.+)_openapi\.json$/.exec(file);
    if (!m) continue;
    const parts = m[2].split('__');
    if ((m[1] === 'api' && parts.length !== 1) || (m[1] === 'apis' && parts.length !== 2)) continue;
    const target = path.join(outDir, m[1], ...parts.slice(0, -1), `${parts[parts.length - 1]}.json`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(v3Dir, file), target);
    written++;
  }
  return written;
}

function main(argv: string[]): void {
  let out = '';
  let crds = '';
  const k8s: Array<[string, string]> = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out') {
      out = argv[++i];
    } else if (arg === '--crds') {
      crds = argv[++i];
    } else if (arg === '--k8s') {
      const [version, dir] = argv[++i].split('=');
      k8s.push([version, dir]);
    } else {
      throw new Error(`unknown argument ${arg}`);
    }
  }
  if (!out || k8s.length === 0) throw new Error('usage: make-schemas.ts --out DIR --k8s vX.Y.Z=MODULE_DIR... [--crds DIR]');
  for (const [version, dir] of k8s) {
    const swagger = JSON.parse(fs.readFileSync(path.join(dir, 'api', 'openapi-spec', 'swagger.json'), 'utf8'));
    const n = builtinSchemas(swagger, path.join(out, 'kubeconform', `${version}-standalone-strict`));
    const m = kubectlValidateSchemas(path.join(dir, 'api', 'openapi-spec', 'v3'), path.join(out, 'kubectl-validate', version));
    console.log(`${version}: ${n} kubeconform schemas, ${m} kubectl-validate group-versions`);
  }
  if (crds) console.log(`CRDs: ${crdSchemas(crds, path.join(out, 'kubeconform', 'crds'))} kubeconform schemas`);
}

if (require.main === module) main(process.argv.slice(2));

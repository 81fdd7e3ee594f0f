import { Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { probeSpec } from './plus-internals';

/**
 * Who is being validated: the construct kind and its construct path. Known before the construct itself exists, so
 * that subclasses of cdk8s-plus workloads can refuse bad props before calling `super`.
 * @internal
 */
export interface Subject {
  readonly kind: string;
  readonly path: string;
}

/**
 * The subject of a construct that exists: its path is read only when an error needs it (walking the scopes for every
 * construct that validates would cost a noticeable share of building a thousand backends).
 */
class ConstructSubject implements Subject {
  constructor(public readonly kind: string, private readonly construct: IConstruct) {}

  public get path(): string {
    return this.construct.node.path;
  }
}

/** The subject of a construct about to be created under `scope` with `id`: its path, when an error needs it. */
class PendingSubject implements Subject {
  constructor(public readonly kind: string, private readonly scope: IConstruct, private readonly id: string) {}

  public get path(): string {
    const parent = this.scope.node.path;
    return parent ? `${parent}/${this.id}` : this.id;
  }
}

/** @internal */
export function subjectOf(construct: IConstruct, kind?: string): Subject {
  return new ConstructSubject(kind ?? construct.constructor.name, construct);
}

/** @internal */
export function subjectFor(kind: string, scope: IConstruct, id: string): Subject {
  return new PendingSubject(kind, scope, id);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Size) return value.asString();
  if (value instanceof Duration) return value.toHumanString();
  if (value instanceof kplus.Cpu) return JSON.stringify(value.amount);
  if (value instanceof kplus.PercentOrAbsolute) return JSON.stringify(value.value);
  return String(value);
}

/**
 * The one error format of the library: `Kind 'path': 'prop' (value) must be ...`.
 * @internal
 */
export function propError(subject: Subject, prop: string, value: unknown, allowed: string): Error {
  return new Error(`${subject.kind} '${subject.path}': '${prop}' (${show(value)}) ${allowed}`);
}

/** The largest value of the API's 32-bit integer fields (replicas, ports, seconds, percentages…). @internal */
export const INT32_MAX = 2147483647;

/**
 * A whole number within [min, max]; without `max`, within the API's 32-bit integers (the server rejects more).
 * @internal
 */
export function checkWholeNumber(subject: Subject, prop: string, value: number | undefined, min: number, max?: number): void {
  if (value === undefined) return;
  const inRange = Number.isInteger(value) && value >= min && (max === undefined || value <= max);
  if (!inRange) {
    const range = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
    throw propError(subject, prop, value, `must be a whole number ${range}`);
  }
  if (max === undefined && value > INT32_MAX) {
    throw propError(subject, prop, value, `must be at most ${INT32_MAX}: the API server stores it as a 32-bit integer`);
  }
}

/**
 * A required prop that a JavaScript caller (or a cast) left out: the library's error, never a TypeError. Returns the
 * props (an empty object when none were given at all).
 * @internal
 */
export function requireProps<T extends object>(subject: Subject, props: T | undefined, ...names: Array<keyof T & string>): T {
  const given = (props ?? {}) as T;
  for (const name of names) {
    if ((given as Record<string, unknown>)[name] === undefined || (given as Record<string, unknown>)[name] === null) {
      throw propError(subject, name, undefined, 'must be given: it is a required prop');
    }
  }
  return given;
}

/** @internal */
export function checkPort(subject: Subject, prop: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw propError(subject, prop, value, 'must be a port number: a whole number from 1 to 65535');
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Whether the string is an RFC 1123 label (at most 63 characters). @internal */
export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS_LABEL.test(value);
}

/** RFC 1123 label: what Kubernetes accepts as a Service, namespace or label-safe object name. @internal */
export function checkDnsLabel(subject: Subject, prop: string, value: string | undefined): void {
  if (value === undefined) return;
  if (!isDnsLabel(value)) {
    throw propError(subject, prop, value,
      'must be a DNS label: at most 63 characters, lower-case letters, digits and \'-\', starting and ending with a letter or digit');
  }
}

const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Whether Kubernetes accepts the string as a Service name (an RFC 1035 label). @internal */
export function isDns1035Label(value: string): boolean {
  return value.length <= 63 && DNS_1035.test(value);
}

/**
 * RFC 1035 label: what Kubernetes accepts as a Service name (a DNS label that starts with a letter).
 * @internal
 */
export function checkDns1035Label(subject: Subject, prop: string, value: string | undefined): void {
  if (value === undefined) return;
  if (!isDns1035Label(value)) {
    throw propError(subject, prop, value,
      'must be a DNS-1035 label: at most 63 characters, lower-case letters, digits and \'-\', starting with a letter and ending with a letter or digit');
  }
}

/**
 * A name cdk8s generated from the chart id and construct path must suit its kind too: `valid` says whether it does,
 * `allowed` what the kind requires. The user fixes it with the construct's `nameProp` (or a different id).
 * @internal
 */
export function checkGeneratedName(subject: Subject, nameProp: string, generated: string, valid: boolean, allowed: string): void {
  if (!valid) {
    throw propError(subject, nameProp, generated,
      `${allowed}: this name was generated from the chart id and construct path; set '${nameProp}' (or use ids that start with a letter and are shorter)`);
  }
}

/** The longest StatefulSet name: its pods carry `controller-revision-hash: <name>-<10 characters>`, a label value (63). @internal */
export const STATEFUL_SET_NAME_MAX = 52;

/** Whether the name suits a StatefulSet: a DNS label short enough for its `controller-revision-hash` label. @internal */
export function isStatefulSetName(name: string): boolean {
  return name.length <= STATEFUL_SET_NAME_MAX && DNS_LABEL.test(name);
}

/** The rule of a StatefulSet name, as error text. @internal */
export const STATEFUL_SET_NAME_RULE = `must be a DNS label of at most ${STATEFUL_SET_NAME_MAX} characters: the controller labels every pod `
  + '\'controller-revision-hash: <name>-<hash>\', and a label value over 63 characters stops it from creating any pod';

/** IANA_SVC_NAME: a port name (at most 15 characters). @internal */
export function checkPortName(subject: Subject, prop: string, value: string | undefined): void {
  if (value === undefined) return;
  const ok = value.length >= 1 && value.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(value)
    && !value.includes('--') && /[a-z]/.test(value);
  if (!ok) {
    throw propError(subject, prop, value,
      'must be an IANA service name: at most 15 lower-case letters, digits and \'-\', with at least one letter, no \'--\', starting and ending with a letter or digit');
  }
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** An environment variable name as every supported API server accepts it (Kubernetes 1.27 is the strictest). @internal */
export function checkEnvName(subject: Subject, prop: string, value: string): void {
  if (!ENV_NAME.test(value)) {
    throw propError(subject, prop, value,
      'must be an environment variable name: letters, digits, \'_\', \'-\' and \'.\', not starting with a digit');
  }
}

/** Labels (keys and values) of an object's metadata. @internal */
export function checkLabels(subject: Subject, prop: string, labels: { [key: string]: string } | undefined): void {
  if (!labels) return;
  for (const key of Object.keys(labels)) {
    checkLabelKey(subject, prop, key);
    // The prop is spelled out only for an error.
    const value = labels[key];
    if (value !== undefined && !isLabelValue(value)) checkLabelValue(subject, `${prop}.${key}`, value);
  }
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Whether Kubernetes accepts the string as a label value. @internal */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** A Kubernetes label value: at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric. @internal */
export function checkLabelValue(subject: Subject, prop: string, value: string | undefined): void {
  if (value === undefined) return;
  if (!isLabelValue(value)) {
    throw propError(subject, prop, value,
      'must be a valid label value: at most 63 characters of letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit');
  }
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A label key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters. @internal */
export function checkLabelKey(subject: Subject, prop: string, key: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const ok = name.length > 0 && isLabelValue(name)
    && (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
  if (!ok) {
    throw propError(subject, prop, key,
      'must have valid label keys: an optional DNS subdomain prefix and \'/\', then at most 63 characters of letters, digits, \'-\', \'_\' and \'.\'');
  }
}

// The reference grammar of the container runtimes (distribution/reference): an optional registry host (with a '.' or
// ':' in it, or `localhost`), lower-case path components, then a tag and/or a digest.
const HOST = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)';
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_REFERENCE = new RegExp(`^(?:${HOST}/)?${COMPONENT}(?:/${COMPONENT})*(?::([\\w][\\w.-]{0,127}))?`
  + '(@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$');

/**
 * A container image reference the runtimes can pull, pinned by a tag or a digest: an untagged reference means
 * `:latest`, and `:latest` (refused unless `allowLatest`) makes rollouts and rollbacks unpredictable.
 * `undefined` passes (the caller's default applies).
 * @internal
 */
export function checkImage(subject: Subject, prop: string, image: string | undefined, allowLatest = false): void {
  if (image === undefined) return;
  const match = typeof image === 'string' && image.length <= 4096 ? IMAGE_REFERENCE.exec(image) : null;
  // A first component without '.' or ':' (and not `localhost`) is a path component, not a registry: lower case only.
  // (Only a string can match; anything else a JavaScript caller passes is refused below.)
  const slash = match ? image.indexOf('/') : -1;
  const first = slash < 0 ? '' : image.slice(0, slash);
  const upperPath = slash >= 0 && !/[.:]/.test(first) && first !== 'localhost' && first !== first.toLowerCase();
  if (!match || upperPath) {
    throw propError(subject, prop, image,
      'must be a container image reference such as "registry/name:tag": lower-case name components, an optional tag of letters, digits, \'_\', \'.\' and \'-\', an optional digest');
  }
  const tag = match[1];
  const digest = match[2];
  if (allowLatest) return;
  if (tag === undefined && digest === undefined) {
    throw propError(subject, prop, image, 'must be pinned with a tag or a digest: an untagged image means ":latest", which changes under a running Deployment');
  }
  if (tag === 'latest' && digest === undefined) {
    throw propError(subject, prop, image, 'must be pinned with a tag other than "latest" or a digest (or set \'allowLatestImage\'): ":latest" changes under a running Deployment');
  }
}

/** Quantities (bytes or millicores) stay below 2^63: the API server holds them as int64 scaled values. @internal */
const QUANTITY_LIMIT = 2 ** 63;

/**
 * Whether a quantity string is canonical enough for every API server: a plain decimal number (no exponent such as
 * `1e+30`) with an optional binary or milli suffix, and finite.
 * @internal
 */
export function isWrittenQuantity(text: string, bytes: number): boolean {
  return /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|m)?$/.test(text) && Number.isFinite(bytes) && bytes < QUANTITY_LIMIT;
}

/**
 * A size or CPU amount must be written as a quantity every API server parses: `Size.gibibytes(1e30)` would be written
 * `1e+30Gi`, which none accepts.
 * @internal
 */
export function checkQuantity(subject: Subject, prop: string, value: Size | kplus.Cpu | undefined): void {
  if (value === undefined) return;
  const text = unwrittenQuantity(value);
  if (text !== undefined) {
    throw propError(subject, prop, value,
      `must be written as a plain quantity such as "512Mi" or "250m" (not ${JSON.stringify(text)}), at most 2^63-1 bytes or millicores`);
  }
}

/** How the quantity would be written, when no API server would parse that; undefined when it is fine. */
function unwrittenQuantity(value: Size | kplus.Cpu): string | undefined {
  const size = value instanceof Size;
  const text = size ? value.asString() : String(value.amount);
  return isWrittenQuantity(text, size ? kib(value) * 1024 : cpuMillis(value)) ? undefined : text;
}

/** Millicores of a cdk8s-plus Cpu ("250m", "1", "1.5"). @internal */
export function cpuMillis(cpu: kplus.Cpu): number {
  const amount = String(cpu.amount);
  return amount.endsWith('m') ? Number(amount.slice(0, -1)) : Number(amount) * 1000;
}

/** The size in KiB, unrounded (NaN or Infinity for sizes that are not quantities). @internal */
export function kib(size: Size): number {
  return size.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
}

/** A value shown as is in an error message (not quoted like a string), e.g. a list or a unit. @internal */
export function verbatim(text: string): { toString(): string } {
  return { toString: () => text };
}

/** Refuses a duration that is not a whole number of seconds within [min, max]. @internal */
export function checkWholeSeconds(subject: Subject, prop: string, value: Duration | undefined, min: number, max?: number): void {
  if (value === undefined) return;
  const seconds = value.toMilliseconds({ integral: false }) / 1000;
  // Without a maximum, the API's 32-bit integer fields bound it (`Duration.seconds(1e21)` would be written `1e+21`).
  const top = max ?? INT32_MAX;
  if (!Number.isInteger(seconds) || seconds < min || seconds > top) {
    const range = max === undefined ? (seconds > top ? `from ${min}s to ${top}s` : `>= ${min}s`) : `from ${min}s to ${max}s`;
    throw propError(subject, prop, verbatim(`${seconds}s`), `must be a whole number of seconds ${range}`);
  }
}

/** Requests and limits must be positive and a limit never below its request. @internal */
export function checkResources(subject: Subject, prop: string, resources: kplus.ContainerResources | undefined): void {
  if (!resources) return;
  // Each resource on its own, with plain calls: this runs for every container of every workload.
  if (resources.cpu) checkRequestAndLimit(subject, prop, 'cpu', resources.cpu, cpuMillis);
  if (resources.memory) checkRequestAndLimit(subject, prop, 'memory', resources.memory, kib);
  if (resources.ephemeralStorage) checkRequestAndLimit(subject, prop, 'ephemeralStorage', resources.ephemeralStorage, kib);
}

function checkRequestAndLimit<T extends Size | kplus.Cpu>(subject: Subject, prop: string, name: string,
  pair: { readonly request?: T; readonly limit?: T }, amountOf: (value: T) => number): void {
  const request = checkPositiveQuantity(subject, prop, name, 'request', pair.request, amountOf);
  const limit = checkPositiveQuantity(subject, prop, name, 'limit', pair.limit, amountOf);
  if (request !== undefined && limit !== undefined && limit < request) {
    throw propError(subject, `${prop}.${name}.limit`, pair.limit,
      `must be >= '${prop}.${name}.request' (${show(pair.request)}): a limit below its request is rejected by the API server`);
  }
}

/** The amount of a request or limit (undefined when not given), refused unless positive and a plain quantity. */
function checkPositiveQuantity<T extends Size | kplus.Cpu>(subject: Subject, prop: string, name: string, kind: string,
  value: T | undefined, amountOf: (value: T) => number): number | undefined {
  if (value === undefined) return undefined;
  const amount = value ? amountOf(value) : undefined;
  if (!(typeof amount === 'number' && Number.isFinite(amount) && amount > 0)) {
    throw propError(subject, `${prop}.${name}.${kind}`, value, 'must be a positive quantity');
  }
  if (unwrittenQuantity(value) !== undefined) checkQuantity(subject, `${prop}.${name}.${kind}`, value);
  return amount;
}

// An HTTP token (RFC 9110): what header and cookie names are made of.
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Whether the string is an HTTP token (RFC 9110), as header and cookie names must be. @internal */
export function isHttpToken(value: string): boolean {
  return HTTP_TOKEN.test(value);
}

/**
 * Every HTTP, TCP or gRPC probe of a container must target a port the container exposes (by number or by name).
 * @internal
 */
export function checkProbePorts(subject: Subject, propPrefix: string, container: kplus.ContainerProps): void {
  // A probe without a port of its own targets the container's `portNumber` (or the deprecated `port`), the only
  // field cdk8s-plus reads here. The ports are read from the props, not by building a Container: this runs for every
  // container, and that Container was the largest cost of our own in a profile of 1000 backends (bench/README.md).
  const target = { portNumber: container.portNumber ?? container.port };
  if (container.liveness) checkProbe(subject, propPrefix, 'liveness', probeSpec(container.liveness, target), container);
  if (container.readiness) checkProbe(subject, propPrefix, 'readiness', probeSpec(container.readiness, target), container);
  if (container.startup) checkProbe(subject, propPrefix, 'startup', probeSpec(container.startup, target), container);
}

// The probe fields the API holds as 32-bit integers (a Duration of 1e21 s would be written 1e+21).
const PROBE_INTEGERS = ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold', 'successThreshold'] as const;

function checkProbe(subject: Subject, propPrefix: string, kind: string, spec: kplus.k8s.Probe | undefined,
  container: kplus.ContainerProps): void {
  if (!spec) return;
  for (let i = 0; i < PROBE_INTEGERS.length; i++) {
    const field = PROBE_INTEGERS[i];
    const value = spec[field];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= INT32_MAX)) {
      throw propError(subject, `${propPrefix}${kind}`, verbatim(`${field} ${value}`), `must have a whole ${field} from 0 to ${INT32_MAX}`);
    }
  }
  const headers = spec.httpGet?.httpHeaders;
  if (headers) {
    for (const header of headers) {
      if (!isHttpToken(header.name)) {
        throw propError(subject, `${propPrefix}${kind}`, header.name, 'must send headers whose names are HTTP tokens (letters, digits and !#$%&\'*+-.^_`|~)');
      }
    }
  }
  const port = spec.grpc?.port ?? (spec.httpGet ?? spec.tcpSocket)?.port?.value;
  if (port === undefined) return;
  // The ports the container exposes: `portNumber` (or `port`), then `ports`.
  const portNumber = container.portNumber ?? container.port;
  const numbers: number[] = portNumber ? [portNumber] : [];
  const names: string[] = [];
  for (const p of container.ports ?? []) {
    numbers.push(p.number);
    if (p.name) names.push(p.name);
  }
  const exposed = typeof port === 'number' ? numbers.includes(port) : names.includes(port);
  if (!exposed) {
    const ports = [...numbers, ...names.map(n => JSON.stringify(n))].join(', ') || 'none';
    throw propError(subject, `${propPrefix}${kind}`, port, `must probe a port the container exposes (exposed: ${ports})`);
  }
}

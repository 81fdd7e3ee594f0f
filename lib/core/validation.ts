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

/** @internal */
export function subjectOf(construct: IConstruct, kind?: string): Subject {
  // The path is read only when an error needs it: walking the scopes for every construct that validates costs a
  // noticeable share of building a thousand backends.
  return { kind: kind ?? construct.constructor.name, get path() { return construct.node.path; } };
}

/** @internal */
export function subjectFor(kind: string, scope: IConstruct, id: string): Subject {
  return {
    kind,
    get path() {
      const parent = scope.node.path;
      return parent ? `${parent}/${id}` : id;
    },
  };
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

/** @internal */
export function checkWholeNumber(subject: Subject, prop: string, value: number | undefined, min: number, max?: number): void {
  if (value === undefined) return;
  const inRange = Number.isInteger(value) && value >= min && (max === undefined || value <= max);
  if (!inRange) {
    const range = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
    throw propError(subject, prop, value, `must be a whole number ${range}`);
  }
}

/** @internal */
export function checkPort(subject: Subject, prop: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw propError(subject, prop, value, 'must be a port number: a whole number from 1 to 65535');
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** RFC 1123 label: what Kubernetes accepts as a Service, namespace or label-safe object name. @internal */
export function checkDnsLabel(subject: Subject, prop: string, value: string | undefined): void {
  if (value === undefined) return;
  if (value.length > 63 || !DNS_LABEL.test(value)) {
    throw propError(subject, prop, value,
      'must be a DNS label: at most 63 characters, lower-case letters, digits and \'-\', starting and ending with a letter or digit');
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

/** A container image reference: not empty, no white space. `undefined` passes (the caller's default applies). @internal */
export function checkImage(subject: Subject, prop: string, image: string | undefined): void {
  if (image !== undefined && (!image || /\s/.test(image))) {
    throw propError(subject, prop, image, 'must be a container image reference such as "registry/name:tag"');
  }
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
  if (!Number.isInteger(seconds) || seconds < min || (max !== undefined && seconds > max)) {
    const range = max === undefined ? `>= ${min}s` : `from ${min}s to ${max}s`;
    throw propError(subject, prop, verbatim(`${seconds}s`), `must be a whole number of seconds ${range}`);
  }
}

/** Requests and limits must be positive and a limit never below its request. @internal */
export function checkResources(subject: Subject, prop: string, resources: kplus.ContainerResources | undefined): void {
  if (!resources) return;
  const pairs: Array<[string, number | undefined, number | undefined, unknown, unknown]> = [
    ['cpu', resources.cpu?.request && cpuMillis(resources.cpu.request), resources.cpu?.limit && cpuMillis(resources.cpu.limit),
      resources.cpu?.request, resources.cpu?.limit],
    ['memory', resources.memory?.request && kib(resources.memory.request), resources.memory?.limit && kib(resources.memory.limit),
      resources.memory?.request, resources.memory?.limit],
    ['ephemeralStorage', resources.ephemeralStorage?.request && kib(resources.ephemeralStorage.request),
      resources.ephemeralStorage?.limit && kib(resources.ephemeralStorage.limit),
      resources.ephemeralStorage?.request, resources.ephemeralStorage?.limit],
  ];
  for (const [name, request, limit, rawRequest, rawLimit] of pairs) {
    for (const [kind, amount, raw] of [['request', request, rawRequest], ['limit', limit, rawLimit]] as const) {
      if (raw !== undefined && !(typeof amount === 'number' && Number.isFinite(amount) && amount > 0)) {
        throw propError(subject, `${prop}.${name}.${kind}`, raw, 'must be a positive quantity');
      }
    }
    if (request !== undefined && limit !== undefined && limit < request) {
      throw propError(subject, `${prop}.${name}.limit`, rawLimit,
        `must be >= '${prop}.${name}.request' (${show(rawRequest)}): a limit below its request is rejected by the API server`);
    }
  }
}

const PROBES = ['liveness', 'readiness', 'startup'] as const;

// An HTTP token (RFC 9110): what a header name is made of.
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Every HTTP, TCP or gRPC probe of a container must target a port the container exposes (by number or by name).
 * @internal
 */
export function checkProbePorts(subject: Subject, propPrefix: string, container: kplus.ContainerProps): void {
  // The ports a cdk8s-plus Container exposes, read from its props: `portNumber` (or the deprecated `port`), then
  // `ports`. Not by building a Container: this runs for every container (twice for a ScalableBackend), and that
  // Container was the largest cost of our own in a profile of 1000 backends (bench/README.md).
  const portNumber = container.portNumber ?? container.port;
  const numbers: number[] = portNumber ? [portNumber] : [];
  const names: string[] = [];
  for (const p of container.ports ?? []) {
    numbers.push(p.number);
    if (p.name) names.push(p.name);
  }
  // A probe without a port of its own targets the container's `portNumber`, the only field cdk8s-plus reads here.
  const target = { portNumber };
  for (const kind of PROBES) {
    const probe = container[kind];
    if (!probe) continue;
    const spec = probeSpec(probe, target);
    if (!spec) continue;
    for (const header of spec.httpGet?.httpHeaders ?? []) {
      if (!HTTP_TOKEN.test(header.name)) {
        throw propError(subject, `${propPrefix}${kind}`, header.name, 'must send headers whose names are HTTP tokens (letters, digits and !#$%&\'*+-.^_`|~)');
      }
    }
    const port = spec.grpc?.port ?? (spec.httpGet ?? spec.tcpSocket)?.port?.value;
    if (port === undefined) continue;
    const exposed = typeof port === 'number' ? numbers.includes(port) : names.includes(port);
    if (!exposed) {
      const ports = [...numbers, ...names.map(n => JSON.stringify(n))].join(', ') || 'none';
      throw propError(subject, `${propPrefix}${kind}`, port,
        `must probe a port the container exposes (exposed: ${ports})`);
    }
  }
}

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../types.js';

/** One REST resource the fake server serves. */
export interface FakeResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

/** The resource types a gateway controller touches. */
export const DEFAULT_RESOURCE_TYPES: readonly FakeResourceType[] = [
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true },
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    plural: 'endpointslices',
    kind: 'EndpointSlice',
    namespaced: true,
  },
  { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', kind: 'Ingress', namespaced: true },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'ingressclasses',
    kind: 'IngressClass',
    namespaced: false,
  },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
  ...[
    'Mapping',
    'Host',
    'Listener',
    'Module',
    'AuthService',
    'RateLimitService',
    'TLSContext',
    'TCPMapping',
  ].map((kind) => ({
    group: 'getambassador.io',
    version: 'v3alpha1',
    plural: `${kind.toLowerCase()}s`,
    kind,
    namespaced: true,
  })),
];

export interface FakeApiServerOptions {
  /** Resource types to serve; default {@link DEFAULT_RESOURCE_TYPES}. */
  resourceTypes?: readonly FakeResourceType[];
  /** Objects present before the server starts. */
  objects?: KubeObject[];
}

/** A request the server received (for assertions). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  body?: unknown;
}

interface StoredEvent {
  rv: number;
  typeKey: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  previous?: KubeObject;
}

interface WatchConnection {
  typeKey: string;
  namespace?: string;
  selector: Selector;
  res: ServerResponse;
}

type Selector = (obj: KubeObject) => boolean;

/**
 * A loopback Kubernetes API server for tests and benchmarks: list and watch (chunked NDJSON)
 * with resourceVersions, get/create/replace/patch (merge, strategic-merge treated as merge, JSON
 * patch, apply-patch) and delete, status subresources, label/field selectors, Lease CRUD with
 * optimistic concurrency, and fault injection: drop watches mid-stream, answer `410 Gone`
 * (in-stream `ERROR` or HTTP status), fail lists.
 *
 * It is a stand-in for kube-apiserver (which cannot run here), used with the real
 * `@kubernetes/client-node`.
 *
 * @example
 * ```ts
 * const api = await startFakeApiServer({ objects: [myService] });
 * const controller = createController({ kubeConfig: api.kubeConfig(), sink });
 * api.dropWatches({ partialLine: true }); // the controller must resume without losing events
 * await api.close();
 * ```
 */
export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly types = new Map<string, FakeResourceType>();
  private readonly store = new Map<string, Map<string, KubeObject>>();
  private readonly log: StoredEvent[] = [];
  private readonly watches = new Set<WatchConnection>();
  private rv = 1;
  private compactedRv = 0;
  private watchFailures: Array<{ plural?: string; status: number }> = [];
  private listFailures: Array<{ plural?: string; status: number }> = [];
  private server?: Server;
  private baseUrl = '';

  constructor(opts: FakeApiServerOptions = {}) {
    for (const t of opts.resourceTypes ?? DEFAULT_RESOURCE_TYPES) {
      const key = typeKey(t.group, t.version, t.plural);
      this.types.set(key, t);
      this.store.set(key, new Map());
    }
    for (const obj of opts.objects ?? []) this.create(obj);
  }

  /** Starts listening on 127.0.0.1 (ephemeral port). */
  async listen(): Promise<this> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendStatus(res, 500, 'InternalError', String(err));
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  get url(): string {
    return this.baseUrl;
  }

  /** A client-node KubeConfig pointing at this server (http needs `skipTLSVerify`). */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.baseUrl, skipTLSVerify: true }],
      users: [{ name: 'fake', token: 'fake-token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake', namespace: 'default' }],
      currentContext: 'fake',
    });
    return kc;
  }

  /** Stops the server and ends every open watch. */
  async close(): Promise<void> {
    for (const w of this.watches) w.res.destroy();
    this.watches.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ------------------------------------------------------------------------------------------
  // Direct store access (what other clients of the cluster do)

  /** The current resourceVersion of the store. */
  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Creates an object as another client would; returns the stored copy. */
  create(obj: KubeObject): KubeObject {
    const t = this.typeOf(obj);
    const stored = this.prepareNew(t, clone(obj), obj.metadata?.namespace);
    const key = objectKey(stored);
    const bucket = this.bucket(t);
    if (bucket.has(key)) throw new Error(`${t.kind} ${key} already exists`);
    this.commit(t, 'ADDED', stored);
    return clone(stored);
  }

  /** Creates or replaces an object; returns the stored copy. */
  apply(obj: KubeObject): KubeObject {
    const t = this.typeOf(obj);
    const ns = t.namespaced ? (obj.metadata?.namespace ?? 'default') : undefined;
    const existing = this.bucket(t).get(objectKey({ metadata: { name: obj.metadata?.name, namespace: ns } }));
    if (!existing) return this.create(obj);
    return this.replace(t, existing, clone(obj), { keepStatus: false });
  }

  /** Deletes an object; returns false when it did not exist. */
  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean {
    const t = this.typeOf({ apiVersion, kind });
    const existing = this.bucket(t).get(
      objectKey({ metadata: { name, namespace: t.namespaced ? namespace : undefined } }),
    );
    if (!existing) return false;
    this.remove(t, existing);
    return true;
  }

  /** Reads an object (a copy), or undefined. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const t = this.typeOf({ apiVersion, kind });
    const obj = this.bucket(t).get(
      objectKey({ metadata: { name, namespace: t.namespaced ? namespace : undefined } }),
    );
    return obj ? clone(obj) : undefined;
  }

  /** Every stored object of a kind (copies). */
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[] {
    const t = this.typeOf({ apiVersion, kind });
    return [...this.bucket(t).values()]
      .filter((o) => !namespace || o.metadata?.namespace === namespace)
      .map(clone);
  }

  // ------------------------------------------------------------------------------------------
  // Fault injection

  /**
   * Destroys every open watch connection. With `partialLine`, first writes half of a JSON event
   * line, as a connection cut in the middle of a chunk would. Returns how many were dropped.
   */
  dropWatches(opts: { partialLine?: boolean } = {}): number {
    const n = this.watches.size;
    for (const w of this.watches) {
      if (opts.partialLine) w.res.write('{"type":"MODIFIED","object":{"kind":');
      w.res.socket?.destroy();
    }
    this.watches.clear();
    return n;
  }

  /**
   * Forgets the event history: watches resuming from an older resourceVersion get `410 Gone`
   * (as an in-stream ERROR event, like kube-apiserver) and must relist.
   */
  compact(): void {
    this.compactedRv = this.rv;
    this.log.length = 0;
  }

  /** The next `count` watch requests (optionally for one plural) are answered with `status`. */
  failWatches(count: number, status: number, plural?: string): void {
    for (let i = 0; i < count; i++) this.watchFailures.push({ plural, status });
  }

  /** The next `count` list requests (optionally for one plural) are answered with `status`. */
  failLists(count: number, status: number, plural?: string): void {
    for (let i = 0; i < count; i++) this.listFailures.push({ plural, status });
  }

  /** Number of open watch connections (optionally for one plural). */
  openWatches(plural?: string): number {
    let n = 0;
    for (const w of this.watches) if (!plural || this.types.get(w.typeKey)?.plural === plural) n++;
    return n;
  }

  /** Recorded requests matching a method and a path fragment. */
  requestsMatching(method: string, pathIncludes: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.includes(pathIncludes));
  }

  // ------------------------------------------------------------------------------------------
  // HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams.entries());
    const method = req.method ?? 'GET';
    const bodyText = method === 'GET' || method === 'DELETE' ? '' : await readBody(req);
    const contentType = req.headers['content-type'];
    let body: unknown;
    if (bodyText) {
      try {
        body = contentType?.includes('yaml') ? parseYaml(bodyText) : JSON.parse(bodyText);
      } catch {
        sendStatus(res, 400, 'BadRequest', 'request body is not valid JSON/YAML');
        return;
      }
    }
    // Keep the request log bounded for long benchmarks.
    if (this.requests.length > 10_000) this.requests.splice(0, 5_000);
    this.requests.push({ method, path: url.pathname, query, contentType, body });

    const route = this.route(url.pathname);
    if (!route) {
      if (
        method === 'GET' &&
        (url.pathname === '/api' || url.pathname === '/apis' || this.isDiscovery(url.pathname))
      ) {
        sendJson(res, 200, this.discovery(url.pathname));
        return;
      }
      sendStatus(res, 404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
      return;
    }
    const { type, namespace, name, subresource } = route;
    if (subresource && subresource !== 'status') {
      sendStatus(res, 404, 'NotFound', `subresource ${subresource} is not served`);
      return;
    }
    if (method === 'GET' && !name) {
      if (query.watch === 'true' || query.watch === '1') this.watch(type, namespace, query, res);
      else this.listHttp(type, namespace, query, res);
      return;
    }
    if (method === 'GET') {
      const obj = this.bucket(type).get(objectKey({ metadata: { name, namespace } }));
      if (!obj) sendStatus(res, 404, 'NotFound', `${type.plural} "${name}" not found`);
      else sendJson(res, 200, withTypeMeta(type, obj));
      return;
    }
    if (method === 'POST' && !name) {
      this.createHttp(type, namespace, body as KubeObject, res);
      return;
    }
    if (!name) {
      sendStatus(res, 405, 'MethodNotAllowed', `${method} is not allowed on a collection`);
      return;
    }
    const existing = this.bucket(type).get(objectKey({ metadata: { name, namespace } }));
    if (!existing) {
      sendStatus(res, 404, 'NotFound', `${type.plural} "${name}" not found`);
      return;
    }
    if (method === 'PUT') {
      const incoming = (body ?? {}) as KubeObject;
      const expected = incoming.metadata?.resourceVersion;
      if (expected && expected !== existing.metadata?.resourceVersion) {
        sendConflict(res, type, name);
        return;
      }
      const next = subresource === 'status' ? { ...clone(existing), status: incoming.status } : incoming;
      sendJson(
        res,
        200,
        withTypeMeta(type, this.replace(type, existing, next, { statusOnly: subresource === 'status' })),
      );
      return;
    }
    if (method === 'PATCH') {
      const patched = applyPatch(existing, body, contentType ?? '', subresource === 'status');
      if (patched instanceof Error) {
        sendStatus(res, 422, 'Invalid', patched.message);
        return;
      }
      const expected = (body as KubeObject | undefined)?.metadata?.resourceVersion;
      if (typeof expected === 'string' && expected !== existing.metadata?.resourceVersion) {
        sendConflict(res, type, name);
        return;
      }
      sendJson(
        res,
        200,
        withTypeMeta(type, this.replace(type, existing, patched, { statusOnly: subresource === 'status' })),
      );
      return;
    }
    if (method === 'DELETE') {
      sendJson(res, 200, withTypeMeta(type, this.remove(type, existing)));
      return;
    }
    sendStatus(res, 405, 'MethodNotAllowed', `${method} is not allowed`);
  }

  private route(
    pathname: string,
  ): { type: FakeResourceType; namespace?: string; name?: string; subresource?: string } | undefined {
    const segs = pathname.split('/').filter(Boolean);
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 3) {
      group = '';
      version = segs[1]!;
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs.length >= 4) {
      group = segs[1]!;
      version = segs[2]!;
      rest = segs.slice(3);
    } else {
      return undefined;
    }
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const type = this.types.get(typeKey(group, version, rest[0]!));
    if (!type) return undefined;
    if (namespace !== undefined && !type.namespaced) return undefined;
    return { type, namespace, name: rest[1], subresource: rest[2] };
  }

  private isDiscovery(pathname: string): boolean {
    const segs = pathname.split('/').filter(Boolean);
    return (segs[0] === 'api' && segs.length === 2) || (segs[0] === 'apis' && segs.length === 3);
  }

  private discovery(pathname: string): unknown {
    if (pathname === '/api') return { kind: 'APIVersions', versions: ['v1'] };
    const types = [...this.types.values()];
    if (pathname === '/apis') {
      const groups = [...new Set(types.filter((t) => t.group).map((t) => `${t.group}/${t.version}`))];
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: groups.map((gv) => {
          const [name, version] = gv.split('/');
          return {
            name,
            versions: [{ groupVersion: gv, version }],
            preferredVersion: { groupVersion: gv, version },
          };
        }),
      };
    }
    const segs = pathname.split('/').filter(Boolean);
    const gv = segs[0] === 'api' ? segs[1]! : `${segs[1]}/${segs[2]}`;
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: gv,
      resources: types
        .filter((t) => (t.group ? `${t.group}/${t.version}` : t.version) === gv)
        .map((t) => ({
          name: t.plural,
          namespaced: t.namespaced,
          kind: t.kind,
          verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        })),
    };
  }

  private listHttp(
    type: FakeResourceType,
    namespace: string | undefined,
    query: Record<string, string>,
    res: ServerResponse,
  ): void {
    const failure = takeFailure(this.listFailures, type.plural);
    if (failure) {
      sendStatus(res, failure, failure === 410 ? 'Expired' : 'InternalError', 'injected list failure');
      return;
    }
    const selector = parseSelectors(query.labelSelector, query.fieldSelector);
    const items = [...this.bucket(type).values()]
      .filter((o) => (!namespace || o.metadata?.namespace === namespace) && selector(o))
      .map((o) => itemForList(type, o));
    sendJson(res, 200, {
      kind: `${type.kind}List`,
      apiVersion: type.group ? `${type.group}/${type.version}` : type.version,
      metadata: { resourceVersion: String(this.rv) },
      items,
    });
  }

  private watch(
    type: FakeResourceType,
    namespace: string | undefined,
    query: Record<string, string>,
    res: ServerResponse,
  ): void {
    const failure = takeFailure(this.watchFailures, type.plural);
    if (failure) {
      sendStatus(res, failure, failure === 410 ? 'Expired' : 'InternalError', 'injected watch failure');
      return;
    }
    const selector = parseSelectors(query.labelSelector, query.fieldSelector);
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache',
    });
    res.flushHeaders();
    const conn: WatchConnection = {
      typeKey: typeKey(type.group, type.version, type.plural),
      namespace,
      selector,
      res,
    };
    const from = query.resourceVersion ? Number(query.resourceVersion) : Number.NaN;
    if (!Number.isFinite(from) || from === 0) {
      // No resourceVersion: synthetic ADDED events for the current state, then live events.
      for (const obj of this.bucket(type).values()) {
        if ((!namespace || obj.metadata?.namespace === namespace) && selector(obj))
          writeEvent(res, 'ADDED', withTypeMeta(type, obj));
      }
    } else if (from < this.compactedRv) {
      writeEvent(res, 'ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${from} (${this.compactedRv})`,
        reason: 'Expired',
        code: 410,
      });
      res.end();
      return;
    } else {
      for (const ev of this.log) if (ev.rv > from && ev.typeKey === conn.typeKey) this.deliver(conn, ev);
    }
    this.watches.add(conn);
    res.on('close', () => this.watches.delete(conn));
  }

  private deliver(conn: WatchConnection, ev: StoredEvent): void {
    const type = this.types.get(ev.typeKey)!;
    if (conn.namespace && ev.object.metadata?.namespace !== conn.namespace) return;
    const matchesNow = ev.type !== 'DELETED' && conn.selector(ev.object);
    const matchedBefore = ev.previous ? conn.selector(ev.previous) : false;
    if (ev.type === 'DELETED') {
      if (conn.selector(ev.object)) writeEvent(conn.res, 'DELETED', withTypeMeta(type, ev.object));
    } else if (matchesNow) {
      writeEvent(
        conn.res,
        ev.type === 'MODIFIED' && !matchedBefore ? 'ADDED' : ev.type,
        withTypeMeta(type, ev.object),
      );
    } else if (matchedBefore) {
      writeEvent(conn.res, 'DELETED', withTypeMeta(type, ev.object));
    }
  }

  private createHttp(
    type: FakeResourceType,
    namespace: string | undefined,
    body: KubeObject,
    res: ServerResponse,
  ): void {
    if (!body || typeof body !== 'object') {
      sendStatus(res, 400, 'BadRequest', 'missing body');
      return;
    }
    const obj = clone(body);
    if (!obj.metadata?.name && obj.metadata?.generateName) {
      obj.metadata.name = `${obj.metadata.generateName}${randomUUID().slice(0, 5)}`;
    }
    if (!obj.metadata?.name) {
      sendStatus(res, 422, 'Invalid', 'metadata.name: Required value: name or generateName is required');
      return;
    }
    if (type.namespaced && obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
      sendStatus(
        res,
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
      return;
    }
    const stored = this.prepareNew(type, obj, namespace);
    if (this.bucket(type).has(objectKey(stored))) {
      sendStatus(res, 409, 'AlreadyExists', `${type.plural} "${stored.metadata?.name}" already exists`);
      return;
    }
    this.commit(type, 'ADDED', stored);
    sendJson(res, 201, withTypeMeta(type, stored));
  }

  // ------------------------------------------------------------------------------------------
  // Store internals

  private typeOf(obj: { apiVersion?: string; kind?: string }): FakeResourceType {
    const [group, version] = (obj.apiVersion ?? '').includes('/')
      ? obj.apiVersion!.split('/')
      : ['', obj.apiVersion];
    for (const t of this.types.values())
      if (t.group === group && t.version === version && t.kind === obj.kind) return t;
    throw new Error(`fake API server does not serve ${obj.apiVersion} ${obj.kind}`);
  }

  private bucket(t: FakeResourceType): Map<string, KubeObject> {
    return this.store.get(typeKey(t.group, t.version, t.plural))!;
  }

  private prepareNew(t: FakeResourceType, obj: KubeObject, namespace: string | undefined): KubeObject {
    obj.metadata = { ...(obj.metadata ?? {}) };
    if (t.namespaced) obj.metadata.namespace = namespace ?? obj.metadata.namespace ?? 'default';
    else delete obj.metadata.namespace;
    obj.metadata.uid = obj.metadata.uid ?? randomUUID();
    obj.metadata.creationTimestamp =
      obj.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    obj.metadata.generation = 1;
    delete obj.apiVersion;
    delete obj.kind;
    return obj;
  }

  private replace(
    t: FakeResourceType,
    existing: KubeObject,
    next: KubeObject,
    opts: { statusOnly?: boolean; keepStatus?: boolean } = {},
  ): KubeObject {
    const obj = clone(next);
    delete obj.apiVersion;
    delete obj.kind;
    if (opts.statusOnly) {
      const base = clone(existing);
      base.status = obj.status;
      return this.commit(t, 'MODIFIED', base, existing);
    }
    // The status subresource protects status from spec writes (like kube-apiserver).
    if ((opts.keepStatus ?? true) && existing.status !== undefined) obj.status = clone(existing.status);
    obj.metadata = {
      ...(obj.metadata ?? {}),
      name: existing.metadata?.name,
      namespace: existing.metadata?.namespace,
      uid: existing.metadata?.uid,
      creationTimestamp: existing.metadata?.creationTimestamp,
      generation: existing.metadata?.generation ?? 1,
    };
    const specChanged = JSON.stringify(specOf(obj)) !== JSON.stringify(specOf(existing));
    if (specChanged) obj.metadata.generation = (existing.metadata?.generation ?? 1) + 1;
    return this.commit(t, 'MODIFIED', obj, existing);
  }

  private remove(t: FakeResourceType, existing: KubeObject): KubeObject {
    this.bucket(t).delete(objectKey(existing));
    const obj = clone(existing);
    obj.metadata = { ...obj.metadata, resourceVersion: String(++this.rv) };
    this.record(t, 'DELETED', obj, existing);
    return obj;
  }

  private commit(
    t: FakeResourceType,
    type: 'ADDED' | 'MODIFIED',
    obj: KubeObject,
    previous?: KubeObject,
  ): KubeObject {
    obj.metadata = { ...obj.metadata, resourceVersion: String(++this.rv) };
    this.bucket(t).set(objectKey(obj), obj);
    this.record(t, type, obj, previous);
    return clone(obj);
  }

  private record(
    t: FakeResourceType,
    type: StoredEvent['type'],
    obj: KubeObject,
    previous?: KubeObject,
  ): void {
    const ev: StoredEvent = {
      rv: this.rv,
      typeKey: typeKey(t.group, t.version, t.plural),
      type,
      object: obj,
      previous,
    };
    this.log.push(ev);
    for (const conn of this.watches) if (conn.typeKey === ev.typeKey) this.deliver(conn, ev);
  }
}

/**
 * Creates and starts a {@link FakeApiServer} on 127.0.0.1.
 *
 * @example
 * ```ts
 * const api = await startFakeApiServer();
 * const kc = api.kubeConfig();
 * ```
 */
export async function startFakeApiServer(opts: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  return new FakeApiServer(opts).listen();
}

// ------------------------------------------------------------------------------------------
// helpers

function typeKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

function objectKey(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function specOf(obj: KubeObject): unknown {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
}

function withTypeMeta(t: FakeResourceType, obj: KubeObject): KubeObject {
  return { apiVersion: t.group ? `${t.group}/${t.version}` : t.version, kind: t.kind, ...obj };
}

/** Built-in list items carry no apiVersion/kind (as in kube-apiserver); custom resources do. */
function itemForList(t: FakeResourceType, obj: KubeObject): KubeObject {
  return t.group.includes('.') && !t.group.endsWith('k8s.io') ? withTypeMeta(t, obj) : obj;
}

function takeFailure(list: Array<{ plural?: string; status: number }>, plural: string): number | undefined {
  const i = list.findIndex((f) => !f.plural || f.plural === plural);
  if (i < 0) return undefined;
  return list.splice(i, 1)[0]!.status;
}

function writeEvent(res: ServerResponse, type: string, object: unknown): void {
  res.write(`${JSON.stringify({ type, object })}\n`);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  sendJson(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
}

function sendConflict(res: ServerResponse, t: FakeResourceType, name: string): void {
  sendStatus(
    res,
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${t.plural}${t.group ? `.${t.group}` : ''} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Equality-based label selectors (`a=b,c!=d,e,!f`) and field selectors on dotted paths. */
function parseSelectors(labelSelector?: string, fieldSelector?: string): Selector {
  const tests: Selector[] = [];
  for (const term of (labelSelector ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const labels = (o: KubeObject) => o.metadata?.labels ?? {};
    if (term.includes('!=')) {
      const [k, v] = term.split('!=');
      tests.push((o) => labels(o)[k!.trim()] !== v!.trim());
    } else if (term.includes('=')) {
      const [k, v] = term.split(/==?/);
      tests.push((o) => labels(o)[k!.trim()] === v!.trim());
    } else if (term.startsWith('!')) {
      tests.push((o) => !(term.slice(1) in labels(o)));
    } else {
      tests.push((o) => term in labels(o));
    }
  }
  for (const term of (fieldSelector ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const negate = term.includes('!=');
    const [path, value] = term.split(/!=|==?/);
    const get = (o: KubeObject) =>
      path!
        .trim()
        .split('.')
        .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);
    tests.push((o) => (String(get(o) ?? '') === value!.trim()) !== negate);
  }
  return (o) => tests.every((t) => t(o));
}

/** Applies a PATCH body by content type; status-only patches keep everything but status. */
function applyPatch(
  existing: KubeObject,
  body: unknown,
  contentType: string,
  statusOnly: boolean,
): KubeObject | Error {
  let result: KubeObject;
  if (contentType.startsWith('application/json-patch+json')) {
    if (!Array.isArray(body)) return new Error('json patch must be an array');
    const doc = clone(existing);
    for (const op of body as Array<{ op: string; path: string; value?: unknown }>) {
      const err = applyJsonPatchOp(doc, op);
      if (err) return err;
    }
    result = doc;
  } else {
    // merge-patch, strategic-merge-patch (lists replaced wholesale) and apply-patch.
    result = mergePatch(clone(existing), body) as KubeObject;
  }
  if (statusOnly) return { ...clone(existing), status: result.status };
  return result;
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function applyJsonPatchOp(
  doc: KubeObject,
  op: { op: string; path: string; value?: unknown },
): Error | undefined {
  const parts = op.path
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = parts.pop();
  if (last === undefined) return new Error(`invalid path ${op.path}`);
  let parent: unknown = doc;
  for (const p of parts) {
    if (parent === null || typeof parent !== 'object') return new Error(`path ${op.path} not found`);
    const container = parent as Record<string, unknown>;
    if (container[p] === undefined && op.op === 'add') container[p] = {};
    parent = container[p];
  }
  if (parent === null || typeof parent !== 'object') return new Error(`path ${op.path} not found`);
  const container = parent as Record<string, unknown>;
  const list = Array.isArray(parent) ? (parent as unknown[]) : undefined;
  switch (op.op) {
    case 'add':
      if (list) {
        if (last === '-') list.push(op.value);
        else list.splice(Number(last), 0, op.value);
      } else container[last] = op.value;
      return undefined;
    case 'replace':
      if (!(last in container)) return new Error(`path ${op.path} not found`);
      container[last] = op.value;
      return undefined;
    case 'remove':
      if (!(last in container)) return new Error(`path ${op.path} not found`);
      if (list) list.splice(Number(last), 1);
      else delete container[last];
      return undefined;
    case 'test':
      return JSON.stringify(container[last]) === JSON.stringify(op.value)
        ? undefined
        : new Error(`test failed at ${op.path}`);
    default:
      return new Error(`unsupported json patch op ${op.op}`);
  }
}

import type {
  ApplyResult,
  CompileOptions,
  CompileResult,
  ConfigSink,
  Diagnostic,
  GatewayIR,
  IRCluster,
  Resource,
} from '@gateway/core';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  applyEndpointSlices,
  type EndpointCacheEntry,
  type EndpointSource,
  SERVICE_NAME_LABEL,
} from '../read/endpoint-slices.js';
import { DEFAULT_CONTROLLER_NAME, isIngressServed } from '../read/ingress-class.js';
import { CONFIG_ANNOTATION, isGatewaySourceObject, type ParsedObject, parseObject } from '../read/objects.js';
import { applySecrets } from '../read/secrets.js';
import { splitServiceHost } from '../service-ref.js';
import type {
  EndpointSlice,
  Ingress,
  IngressClass,
  KubeObject,
  LoadBalancerIngress,
  Secret,
  Service,
} from '../types.js';
import { errorMessage } from './backoff.js';
import { type EventProblem, EventRecorder, type EventTarget } from './events.js';
import { IncrementalCompiler } from './incremental.js';
import { type InformerTiming, KindInformer } from './informer.js';
import { type WatchedKind, watchedKinds } from './kinds.js';
import { type LeaderElectionOptions, LeaderElector } from './leader-election.js';
import { StableSealer } from './stable-seal.js';
import { IngressStatusWriter } from './status.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ControllerOptions {
  /** Where the cluster is (client-node KubeConfig). */
  kubeConfig: KubeConfig;
  /** What runs the compiled IR (an ADS server, the in-process proxy…). */
  sink: ConfigSink;
  /** Namespaces to watch; empty or absent = all namespaces. */
  namespaces?: string[];
  /** Ingress class served. Default `gateway`. */
  ingressClass?: string;
  /** IngressClasses whose `spec.controller` is this are served too. Default {@link DEFAULT_CONTROLLER_NAME}. */
  controllerName?: string;
  /** Ingresses without a class: see {@link IngressClassPolicy.unclassed}. */
  unclassedIngresses?: 'default-class' | 'always' | 'never';
  /** Quiet period after a change before recompiling (changes within it are batched). Default 50 ms. */
  debounceMs?: number;
  /** Upper bound on batching under continuous churn. Default 1000 ms. */
  maxDebounceMs?: number;
  /** Passed to core's compile (gatewayNamespace, ambassadorId). */
  compile?: CompileOptions;
  /** Endpoint-level discovery from EndpointSlices (default `eds`); `false` keeps DNS discovery. */
  endpointDiscovery?: 'eds' | 'static' | false;
  /** The gateway's own Service; its load-balancer address is written into served Ingresses' status. */
  publishService?: { namespace: string; name: string };
  /** Leader election (only the leader writes status and Events); `false` = always leader. */
  leaderElection?: false | LeaderElectionOptions;
  /** Event `source.component`. Default `gateway-controller`. */
  component?: string;
  /** Watch getambassador.io kinds (default true) and at which version (default v3alpha1). */
  watchAmbassador?: boolean;
  ambassadorVersion?: string;
  /** Retry timing of lists and watches. */
  timing?: Partial<InformerTiming>;
  log?: (level: LogLevel, message: string) => void;
  /** Called after every reconcile cycle (tests, metrics, benchmarks). */
  onCycle?: (info: CycleInfo) => void;
}

/** What one reconcile cycle did. */
export interface CycleInfo {
  /** When the first change of this batch arrived (ms, `performance.now()` clock); undefined for the initial sync. */
  firstChangeAt?: number;
  /** When the cycle started and when `sink.apply` was called (same clock). */
  startedAt: number;
  appliedAt?: number;
  compiled: boolean;
  /** The compile touched only the changed route groups. */
  incremental: boolean;
  compileMs: number;
  postProcessMs: number;
  applied: boolean;
  irVersion: string;
  applyResult?: ApplyResult;
}

export interface ControllerStats {
  cycles: number;
  /** Compiles of every resource. */
  compiles: number;
  /** Updates that compiled only the route groups a change touched. */
  incrementalCompiles: number;
  applies: number;
  parses: number;
  watchErrors: number;
  statusPatches: number;
  eventsWritten: number;
}

/** A running controller. */
export interface Controller {
  /** Starts watching; resolves after the initial list of every kind and the first `sink.apply`. */
  start(): Promise<void>;
  /** Stops watches, releases leadership, stops timers. */
  close(): Promise<void>;
  /** Resolves once everything seen so far has been compiled and applied. */
  flush(): Promise<void>;
  readonly isLeader: boolean;
  /** The last IR given to the sink. */
  readonly ir: GatewayIR | undefined;
  /** Load, compile and post-processing diagnostics of the last cycle. */
  readonly diagnostics: Diagnostic[];
  readonly stats: ControllerStats;
}

interface ParsedEntry {
  fingerprint: string;
  parsed: ParsedObject;
}

const key = (o: KubeObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/**
 * Creates a Kubernetes controller that watches Services (with `getambassador.io/config`
 * annotations), Ingresses (of its class), IngressClasses, TLS Secrets, EndpointSlices and the
 * getambassador.io kinds through client-node informers, and feeds one {@link ConfigSink}.
 *
 * - Changes are debounced into one recompile and one `sink.apply(ir)`. Each object is parsed
 *   once per change (a per-object cache), so one change re-parses one object before the compile.
 *   Secret and EndpointSlice changes skip the compile and only redo the post-processing
 *   (inline PEM, endpoints).
 * - Lists and watches that fail are retried with backoff; a dropped watch resumes from the last
 *   resourceVersion and `410 Gone` relists, so no change is lost.
 * - The leader (Lease-based election) writes the gateway Service's load-balancer address into
 *   served Ingresses' status and reports configuration problems as Events on the objects that
 *   caused them. Every replica feeds its own sink.
 *
 * @example
 * ```ts
 * const kc = new KubeConfig();
 * kc.loadFromDefault();
 * const controller = createController({ kubeConfig: kc, sink: gateway, ingressClass: 'gateway',
 *   publishService: { namespace: 'gateway-system', name: 'gateway' },
 *   leaderElection: { namespace: 'gateway-system' } });
 * await controller.start();
 * ```
 */
export function createController(opts: ControllerOptions): Controller {
  return new GatewayController(opts);
}

class GatewayController implements Controller {
  readonly stats: ControllerStats = {
    cycles: 0,
    compiles: 0,
    incrementalCompiles: 0,
    applies: 0,
    parses: 0,
    watchErrors: 0,
    statusPatches: 0,
    eventsWritten: 0,
  };
  private readonly kinds: WatchedKind[];
  private readonly informers: KindInformer[] = [];
  private readonly log: (level: LogLevel, message: string) => void;
  private readonly debounceMs: number;
  private readonly maxDebounceMs: number;

  // Caches, all keyed `namespace/name`.
  private readonly parsed = new Map<string, ParsedEntry>();
  /** Gateway resources per parsed object (what the compiler sees), and their previous state since the last compile. */
  private readonly resourcesByObject = new Map<string, readonly Resource[]>();
  private readonly changedObjects = new Map<string, readonly Resource[]>();
  private readonly sealer = new StableSealer();
  private readonly compiler: IncrementalCompiler;
  /** Per Service: bumped when the Service or its EndpointSlices change (endpoint reuse key). */
  private readonly serviceStamps = new Map<string, number>();
  private readonly endpointResults = new WeakMap<IRCluster, EndpointCacheEntry>();
  private readonly clusterCandidates = new WeakMap<IRCluster, string | null>();
  private readonly services = new Map<string, Service>();
  private readonly ingresses = new Map<string, Ingress>();
  private readonly ingressClasses = new Map<string, IngressClass>();
  private readonly secrets = new Map<string, Secret>();
  private readonly slicesByService = new Map<string, Map<string, EndpointSlice>>();
  private readonly sliceOwner = new Map<string, string>();

  // What the last IR refers to: changes elsewhere need no work.
  private candidateServices = new Set<string>();
  private referencedSecrets = new Set<string>();

  private resourcesDirty = true;
  private postDirty = true;
  private statusDirty = true;
  private eventsDirty = true;
  private compiled?: CompileResult;
  private postDiagnostics: Diagnostic[] = [];
  private lastIR?: GatewayIR;
  private lastDiagnostics: Diagnostic[] = [];

  private timer?: NodeJS.Timeout;
  private firstChangeAt?: number;
  private cycle?: Promise<void>;
  private started = false;
  /** False until the initial list of every kind is in (changes during it are part of the first cycle). */
  private ready = false;
  private closed = false;
  private waiters: Array<() => void> = [];

  private readonly elector?: LeaderElector;
  private leader: boolean;
  private readonly events: EventRecorder;
  private readonly status: IngressStatusWriter;

  constructor(private readonly opts: ControllerOptions) {
    this.log = opts.log ?? (() => {});
    this.debounceMs = opts.debounceMs ?? 50;
    this.maxDebounceMs = Math.max(opts.maxDebounceMs ?? 1000, this.debounceMs);
    this.kinds = watchedKinds(opts.kubeConfig, {
      watchAmbassador: opts.watchAmbassador,
      ambassadorVersion: opts.ambassadorVersion,
    });
    const component = opts.component ?? 'gateway-controller';
    const onError = (m: string) => this.log('warn', m);
    if (opts.leaderElection) {
      this.elector = new LeaderElector(opts.kubeConfig, opts.leaderElection, {
        onStartedLeading: () => {
          this.log('info', `leader election: ${this.elector?.identity} is the leader`);
          this.leader = true;
          this.statusDirty = true;
          this.eventsDirty = true;
          this.events.reset();
          this.status.reset();
          this.schedule();
        },
        onStoppedLeading: () => {
          this.log('info', `leader election: ${this.elector?.identity} is on standby`);
          this.leader = false;
        },
        onError: (m) => this.log('warn', `leader election: ${m}`),
      });
      this.leader = false;
    } else {
      this.leader = true;
    }
    this.compiler = new IncrementalCompiler(opts.compile ?? {}, this.sealer, true);
    this.events = new EventRecorder(opts.kubeConfig, {
      component,
      instance: this.elector?.identity,
      onError,
    });
    this.status = new IngressStatusWriter(opts.kubeConfig, onError);
  }

  get isLeader(): boolean {
    return this.leader;
  }

  get ir(): GatewayIR | undefined {
    return this.lastIR;
  }

  get diagnostics(): Diagnostic[] {
    return this.lastDiagnostics;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('controller already started');
    this.started = true;
    const timing: InformerTiming = {
      backoffBaseMs: this.opts.timing?.backoffBaseMs ?? 200,
      backoffMaxMs: this.opts.timing?.backoffMaxMs ?? 30_000,
      missingApiRetryMs: this.opts.timing?.missingApiRetryMs ?? 30_000,
    };
    const namespaces = [...new Set(this.opts.namespaces ?? [])];
    const handlers = {
      upsert: (kind: WatchedKind, obj: KubeObject) => this.onUpsert(kind, obj),
      remove: (kind: WatchedKind, obj: KubeObject) => this.onRemove(kind, obj),
      error: (kind: WatchedKind, ns: string | undefined, message: string, retryInMs: number) => {
        this.stats.watchErrors++;
        this.log(
          'warn',
          `watch ${kind.key}${ns ? ` in ${ns}` : ''}: ${message}; retrying in ${retryInMs} ms`,
        );
      },
    };
    for (const kind of this.kinds) {
      const scopes: Array<string | undefined> =
        !kind.namespaced || namespaces.length === 0 ? [undefined] : [...namespaces];
      // The gateway's own Service must be seen even when its namespace is not watched.
      const publish = this.opts.publishService?.namespace;
      if (kind.key === 'services' && publish && namespaces.length > 0 && !namespaces.includes(publish))
        scopes.push(publish);
      for (const ns of scopes)
        this.informers.push(new KindInformer(this.opts.kubeConfig, kind, ns, handlers, timing));
    }
    for (const inf of this.informers) inf.start();
    await Promise.all(this.informers.map((i) => i.synced));
    if (this.closed) return;
    this.log(
      'info',
      `initial sync done: ${this.parsed.size} gateway objects, ${this.services.size} services`,
    );
    this.ready = true;
    this.elector?.start();
    await this.runCycle();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const inf of this.informers) inf.stop();
    await this.cycle?.catch(() => {});
    await this.elector?.stop();
    for (const w of this.waiters.splice(0)) w();
  }

  flush(): Promise<void> {
    if (!this.timer && !this.cycle && !this.isDirty()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  // ------------------------------------------------------------------------------------------
  // Events from the informers

  private onUpsert(kind: WatchedKind, obj: KubeObject): void {
    const k = key(obj);
    switch (kind.key) {
      case 'services': {
        const prev = this.services.get(k);
        this.services.set(k, obj as Service);
        if (JSON.stringify(prev?.spec) !== JSON.stringify(obj.spec)) this.bumpService(k);
        this.reparse(`Service|${k}`, obj);
        if (this.candidateServices.has(k) && JSON.stringify(prev?.spec) !== JSON.stringify(obj.spec))
          this.postDirty = true;
        if (this.isPublishService(k)) this.statusDirty = true;
        break;
      }
      case 'endpointslices':
        this.indexSlice(obj as EndpointSlice);
        break;
      case 'secrets':
        this.secrets.set(k, obj as Secret);
        if (this.referencedSecrets.has(k)) this.postDirty = true;
        break;
      case 'ingressclasses':
        this.ingressClasses.set(obj.metadata?.name ?? '', obj as IngressClass);
        for (const ing of this.ingresses.values()) this.reparseIngress(ing);
        this.statusDirty = true;
        break;
      case 'ingresses':
        this.ingresses.set(k, obj as Ingress);
        this.reparseIngress(obj as Ingress);
        this.statusDirty = true;
        break;
      default:
        this.reparse(`${kind.kind}|${k}`, obj);
    }
    this.schedule();
  }

  private onRemove(kind: WatchedKind, obj: KubeObject): void {
    const k = key(obj);
    switch (kind.key) {
      case 'services':
        this.services.delete(k);
        this.bumpService(k);
        this.dropParsed(`Service|${k}`);
        if (this.candidateServices.has(k)) this.postDirty = true;
        if (this.isPublishService(k)) this.statusDirty = true;
        break;
      case 'endpointslices':
        this.unindexSlice(k);
        break;
      case 'secrets':
        this.secrets.delete(k);
        if (this.referencedSecrets.has(k)) this.postDirty = true;
        break;
      case 'ingressclasses':
        this.ingressClasses.delete(obj.metadata?.name ?? '');
        for (const ing of this.ingresses.values()) this.reparseIngress(ing);
        this.statusDirty = true;
        break;
      case 'ingresses':
        this.ingresses.delete(k);
        this.dropParsed(`Ingress|${k}`);
        break;
      default:
        this.dropParsed(`${kind.kind}|${k}`);
    }
    this.schedule();
  }

  private isPublishService(k: string): boolean {
    const p = this.opts.publishService;
    return !!p && k === `${p.namespace}/${p.name}`;
  }

  private policy() {
    return {
      ingressClass: this.opts.ingressClass,
      controllerName: this.opts.controllerName,
      unclassed: this.opts.unclassedIngresses,
    };
  }

  private reparseIngress(ing: Ingress): void {
    const k = `Ingress|${key(ing)}`;
    if (isIngressServed(ing, this.ingressClasses.values(), this.policy())) this.reparse(k, ing);
    else this.dropParsed(k);
  }

  /** Parses an object unless its routing-relevant content is unchanged (status updates are not). */
  private reparse(cacheKey: string, obj: KubeObject): void {
    if (!isGatewaySourceObject(obj)) {
      this.dropParsed(cacheKey);
      return;
    }
    const fingerprint = fingerprintOf(obj);
    const cached = this.parsed.get(cacheKey);
    if (cached && cached.fingerprint === fingerprint) return;
    this.stats.parses++;
    const parsed = parseObject(obj, { ...this.policy(), defaultNamespace: 'default' });
    this.parsed.set(cacheKey, { fingerprint, parsed });
    this.setResources(cacheKey, parsed.resources);
  }

  private dropParsed(cacheKey: string): void {
    if (this.parsed.delete(cacheKey)) this.setResources(cacheKey, undefined);
  }

  private setResources(cacheKey: string, resources: readonly Resource[] | undefined): void {
    if (!this.changedObjects.has(cacheKey))
      this.changedObjects.set(cacheKey, this.resourcesByObject.get(cacheKey) ?? []);
    if (resources) this.resourcesByObject.set(cacheKey, resources);
    else this.resourcesByObject.delete(cacheKey);
    this.resourcesDirty = true;
    this.eventsDirty = true;
  }

  private bumpService(k: string): void {
    this.serviceStamps.set(k, (this.serviceStamps.get(k) ?? 0) + 1);
  }

  private indexSlice(slice: EndpointSlice): void {
    const k = key(slice);
    const svcName = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    const owner = svcName ? `${slice.metadata?.namespace ?? ''}/${svcName}` : undefined;
    const prevOwner = this.sliceOwner.get(k);
    if (prevOwner && prevOwner !== owner) this.unindexSlice(k);
    if (!owner) return;
    this.sliceOwner.set(k, owner);
    let slices = this.slicesByService.get(owner);
    if (!slices) {
      slices = new Map();
      this.slicesByService.set(owner, slices);
    }
    slices.set(k, slice);
    this.bumpService(owner);
    if (this.candidateServices.has(owner)) this.postDirty = true;
  }

  private unindexSlice(k: string): void {
    const owner = this.sliceOwner.get(k);
    if (!owner) return;
    this.sliceOwner.delete(k);
    const slices = this.slicesByService.get(owner);
    slices?.delete(k);
    if (slices && slices.size === 0) this.slicesByService.delete(owner);
    this.bumpService(owner);
    if (this.candidateServices.has(owner)) this.postDirty = true;
  }

  // ------------------------------------------------------------------------------------------
  // Scheduling

  private isDirty(): boolean {
    return this.resourcesDirty || this.postDirty || (this.leader && (this.statusDirty || this.eventsDirty));
  }

  private schedule(): void {
    if (!this.ready || this.closed || !this.isDirty()) return;
    if (this.cycle) return; // the running cycle re-checks dirtiness when it ends
    const now = performance.now();
    if (this.firstChangeAt === undefined) this.firstChangeAt = now;
    const deadline = this.firstChangeAt + this.maxDebounceMs;
    const delay = Math.max(0, Math.min(this.debounceMs, deadline - now));
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runCycle();
    }, delay);
  }

  private runCycle(): Promise<void> {
    if (this.cycle) return this.cycle;
    const firstChangeAt = this.firstChangeAt;
    this.firstChangeAt = undefined;
    this.cycle = this.reconcile(firstChangeAt)
      .catch((err: unknown) => this.log('error', `reconcile failed: ${errorMessage(err)}`))
      .finally(() => {
        this.cycle = undefined;
        if (this.isDirty() && !this.closed) this.schedule();
        else for (const w of this.waiters.splice(0)) w();
      });
    return this.cycle;
  }

  // ------------------------------------------------------------------------------------------
  // Reconcile

  private async reconcile(firstChangeAt: number | undefined): Promise<void> {
    const startedAt = performance.now();
    this.stats.cycles++;
    let compileMs = 0;
    let postProcessMs = 0;
    let compiledNow = false;
    let incremental = false;
    if (this.resourcesDirty || !this.compiled) {
      this.resourcesDirty = false;
      const changed = new Map(this.changedObjects);
      this.changedObjects.clear();
      const t0 = performance.now();
      const result = this.compiled
        ? this.compiler.update(this.resourcesByObject, changed)
        : this.compiler.full(this.resourcesByObject);
      this.compiled = result;
      compileMs = performance.now() - t0;
      compiledNow = true;
      incremental = result.incremental;
      if (result.incremental) this.stats.incrementalCompiles++;
      else this.stats.compiles++;
      if (result.fallback && result.fallback !== 'global-change')
        this.log('debug', `full compile (${result.fallback})`);
      this.postDirty = true;
      this.eventsDirty = true;
      this.candidateServices = candidateServices(
        this.compiled.ir,
        this.opts.compile?.gatewayNamespace ?? 'default',
        this.clusterCandidates,
      );
    }
    let ir = this.lastIR;
    if (this.postDirty || !ir) {
      this.postDirty = false;
      const t1 = performance.now();
      ir = this.postProcess(this.compiled.ir);
      postProcessMs = performance.now() - t1;
      this.eventsDirty = true;
    }
    let applied = false;
    let applyResult: ApplyResult | undefined;
    let appliedAt: number | undefined;
    if (!this.lastIR || ir.version !== this.lastIR.version) {
      this.lastIR = ir;
      appliedAt = performance.now();
      try {
        applyResult = await this.opts.sink.apply(ir);
        applied = true;
        this.stats.applies++;
        if (!applyResult.accepted) {
          this.log(
            'warn',
            `sink rejected IR ${ir.version}: ${applyResult.diagnostics.map((d) => d.message).join('; ')}`,
          );
        }
      } catch (err) {
        this.log('error', `sink.apply failed: ${errorMessage(err)}`);
      }
    }
    this.lastDiagnostics = [
      ...this.parseDiagnostics(),
      ...this.compiled.diagnostics,
      ...this.postDiagnostics,
    ];
    if (this.leader) await this.leaderWrites();
    this.opts.onCycle?.({
      firstChangeAt,
      startedAt,
      appliedAt,
      compiled: compiledNow,
      incremental,
      compileMs,
      postProcessMs,
      applied,
      irVersion: ir.version,
      ...(applyResult ? { applyResult } : {}),
    });
  }

  private postProcess(base: GatewayIR): GatewayIR {
    const diagnostics: Diagnostic[] = [];
    const seal = (body: Omit<GatewayIR, 'version' | 'schema'>) => this.sealer.seal(body);
    const withSecrets = applySecrets(base, (ns, name) => this.secrets.get(`${ns}/${name}`), { seal });
    diagnostics.push(...withSecrets.diagnostics);
    let ir = withSecrets.ir;
    this.referencedSecrets = new Set(
      base.secrets
        .filter((s) => s.kubernetesSecret)
        .map((s) => `${s.kubernetesSecret!.namespace}/${s.kubernetesSecret!.name}`),
    );
    if (this.opts.endpointDiscovery !== false) {
      const source: EndpointSource = {
        service: (ns, name) => this.services.get(`${ns}/${name}`),
        slices: (ns, name) => this.slicesByService.get(`${ns}/${name}`)?.values() ?? [],
      };
      const withEndpoints = applyEndpointSlices(ir, source, {
        gatewayNamespace: this.opts.compile?.gatewayNamespace ?? 'default',
        mode: this.opts.endpointDiscovery ?? 'eds',
        seal,
        cache: {
          stamp: (ns, name) => this.serviceStamps.get(`${ns}/${name}`) ?? 0,
          results: this.endpointResults,
        },
      });
      diagnostics.push(...withEndpoints.diagnostics);
      ir = withEndpoints.ir;
    }
    this.postDiagnostics = diagnostics;
    // Incremental compiles leave sealing to here, so the IR is hashed once.
    if (ir.version === '') {
      const { version: _v, schema: _s, ...body } = ir;
      ir = this.sealer.seal(body);
    }
    return ir;
  }

  private parseDiagnostics(): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const e of this.parsed.values()) out.push(...e.parsed.diagnostics);
    return out;
  }

  private async leaderWrites(): Promise<void> {
    if (this.statusDirty) {
      this.statusDirty = false;
      const p = this.opts.publishService;
      if (p) {
        const svc = this.services.get(`${p.namespace}/${p.name}`);
        const addresses: LoadBalancerIngress[] = svc?.status?.loadBalancer?.ingress ?? [];
        if (svc) {
          const served = [...this.ingresses.values()].filter((i) => this.parsed.has(`Ingress|${key(i)}`));
          this.stats.statusPatches += await this.status.sync(served, addresses);
        }
      }
    }
    if (this.eventsDirty) {
      this.eventsDirty = false;
      this.stats.eventsWritten += await this.events.sync(this.problems());
    }
  }

  /** Error and warning diagnostics, attached to the Kubernetes objects that caused them. */
  private problems(): EventProblem[] {
    const out: EventProblem[] = [];
    const reportable = (d: Diagnostic) => d.severity !== 'notice';
    const push = (target: EventTarget, d: Diagnostic) => {
      const where = `${d.resource.kind} ${d.resource.namespace}/${d.resource.name}`;
      const path = d.path ? `${d.path}: ` : '';
      out.push({
        target,
        reason: d.severity === 'error' ? 'InvalidConfig' : 'ConfigWarning',
        message: `${where}: ${path}${d.message}`,
        type: 'Warning',
      });
    };
    const targetOf = (e: ParsedEntry): EventTarget => {
      const o = e.parsed.origin;
      return {
        apiVersion: o.apiVersion,
        kind: o.kind,
        namespace: o.namespace,
        name: o.name,
        ...(o.uid ? { uid: o.uid } : {}),
      };
    };
    for (const e of this.parsed.values()) {
      if (!e.parsed.diagnostics.some(reportable)) continue;
      const target = targetOf(e);
      for (const d of e.parsed.diagnostics) if (reportable(d)) push(target, d);
    }
    const extra = [...(this.compiled?.diagnostics ?? []), ...this.postDiagnostics].filter(reportable);
    if (extra.length === 0) return out;
    // Which object each gateway resource came from (built only when there is something to attach).
    const origins = new Map<string, ParsedEntry>();
    for (const e of this.parsed.values())
      for (const r of e.parsed.resources)
        origins.set(`${r.kind}/${r.metadata.namespace}/${r.metadata.name}`, e);
    for (const d of extra) {
      const r = d.resource;
      const entry = origins.get(`${r.kind}/${r.namespace}/${r.name}`);
      let target = entry ? targetOf(entry) : undefined;
      if (!target && (r.kind === 'Secret' || r.kind === 'Service')) {
        const obj =
          r.kind === 'Secret'
            ? this.secrets.get(`${r.namespace}/${r.name}`)
            : this.services.get(`${r.namespace}/${r.name}`);
        target = {
          apiVersion: 'v1',
          kind: r.kind,
          namespace: r.namespace,
          name: r.name,
          ...(obj?.metadata?.uid ? { uid: obj.metadata.uid } : {}),
        };
      }
      if (target) push(target, d);
    }
    return out;
  }
}

/** What of an object decides its gateway resources (status and bookkeeping excluded). */
function fingerprintOf(obj: KubeObject): string {
  const m = obj.metadata ?? {};
  if (obj.kind === 'Service') {
    return JSON.stringify([m.namespace, m.name, m.labels ?? {}, m.annotations?.[CONFIG_ANNOTATION] ?? null]);
  }
  return JSON.stringify([
    obj.apiVersion,
    m.namespace,
    m.name,
    m.labels ?? {},
    m.annotations ?? {},
    obj.spec ?? null,
  ]);
}

/** Services (`ns/name`) the IR's clusters may point at: their changes can change the IR. */
function candidateServices(
  ir: GatewayIR,
  gatewayNamespace: string,
  memo: WeakMap<IRCluster, string | null>,
): Set<string> {
  const out = new Set<string>();
  for (const c of ir.clusters) {
    let key = memo.get(c);
    if (key === undefined) {
      key = null;
      const d = c.discovery;
      if (d.kind === 'eds') {
        const m = /^k8s\/([^/]+)\/([^/]+)\//.exec(d.serviceName);
        if (m) key = `${m[1]}/${m[2]}`;
      } else if (d.kind === 'dns') {
        const s = splitServiceHost(d.host, gatewayNamespace);
        if (s) key = `${s.namespace}/${s.name}`;
      }
      memo.set(c, key);
    }
    if (key) out.add(key);
  }
  return out;
}

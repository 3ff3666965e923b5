// packages/core/src/util/stable-json.ts
import { createHash } from "node:crypto";
function stableStringify(value, indent) {
  return JSON.stringify(sortKeys(value), null, indent);
}
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value).sort()) {
      const v = value[key];
      if (v !== void 0) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}
function contentHash(value) {
  return createHash("sha256").update(stableStringify(value)).digest("hex").slice(0, 16);
}

// packages/core/src/ir/defaults.ts
function defaultSettings() {
  return {
    xffNumTrustedHops: 0,
    useRemoteAddress: true,
    normalizePath: true,
    mergeSlashes: true,
    escapedSlashesAction: "reject",
    headersWithUnderscoresAction: "allow",
    maxRequestHeadersKb: 60,
    maxRequestBodyBytes: 0,
    requestHeadersTimeoutMs: 1e4,
    streamIdleTimeoutMs: 3e5,
    connectionIdleTimeoutMs: 36e5,
    drainTimeoutMs: 5e3,
    stripHostPort: true,
    http2MaxConcurrentStreams: 100,
    regexMaxProgramSize: 200,
    suppressGatewayHeaders: false,
    ipAllow: [],
    ipDeny: []
  };
}
function sealIR(ir) {
  const body = {
    settings: ir.settings,
    listeners: ir.listeners,
    clusters: ir.clusters,
    secrets: ir.secrets,
    filters: ir.filters,
    tcpRoutes: ir.tcpRoutes
  };
  return { schema: "gateway.ir/v1", version: contentHash(body), ...body };
}

// packages/core/src/model/resource.ts
var SDK_API_VERSION = "gateway.sdk/v1alpha1";
var AMBASSADOR_API_VERSION = "getambassador.io/v3alpha1";

// packages/core/src/load/index.ts
import { LineCounter as LineCounter2, parseAllDocuments as parseAllDocuments2, parseDocument as parseDocument2 } from "yaml";

// packages/core/src/load/annotations.ts
import { parseAllDocuments } from "yaml";

// packages/core/src/model/schema.ts
var str = (nonEmpty = false) => ({ t: "string", nonEmpty });
var bool = () => ({ t: "bool" });
var int = (min, max) => ({ t: "int", min, max });
var num = (min) => ({ t: "number", min });
var oneOf = (...values) => ({ t: "enum", values });
var list = (of) => ({ t: "array", of });
var rec = (of) => ({ t: "record", of });
var obj = (fields, open = false) => ({
  t: "object",
  open,
  fields: Object.fromEntries(
    Object.entries(fields).map(([k, v]) => [k, "s" in v ? v : { s: v }])
  )
});
var union = (...of) => ({ t: "union", of });
var any = () => ({ t: "any" });
var req = (s) => ({ s, required: true });
var dep = (s, deprecated) => ({ s, deprecated });
function snakeToCamel(key) {
  return key.includes("_") ? key.replace(/_+([a-zA-Z0-9])/g, (_m, c) => c.toUpperCase()) : key;
}
var lookupCache = /* @__PURE__ */ new WeakMap();
function lookupField(schema, key) {
  if (key in schema.fields) return key;
  const camel = snakeToCamel(key);
  if (camel in schema.fields) return camel;
  let index = lookupCache.get(schema.fields);
  if (!index) {
    index = new Map(Object.keys(schema.fields).map((k) => [k.toLowerCase(), k]));
    lookupCache.set(schema.fields, index);
  }
  return index.get(key.replace(/_/g, "").toLowerCase());
}
function describeSchema(s) {
  switch (s.t) {
    case "string":
      return s.nonEmpty ? "a non-empty string" : "a string";
    case "bool":
      return "a boolean";
    case "int":
      if (s.min !== void 0 && s.max !== void 0) return `an integer from ${s.min} to ${s.max}`;
      if (s.min !== void 0) return `an integer >= ${s.min}`;
      return "an integer";
    case "number":
      return s.min !== void 0 ? `a number >= ${s.min}` : "a number";
    case "enum":
      return `one of ${s.values.join(", ")}`;
    case "array":
      return `a list of ${plural(describeSchema(s.of))}`;
    case "record":
      return `a map of names to ${plural(describeSchema(s.of))}`;
    case "object":
      return "an object";
    case "union":
      return s.of.map(describeSchema).join(" or ");
    case "any":
      return "any value";
  }
}
function plural(d) {
  return d.replace(/^an? /, "").replace(/^(string|boolean|integer|number|object|list)/, "$1s").replace(/^map/, "maps");
}
function describeValue(v) {
  if (v === null) return "null";
  if (v === void 0) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  return String(v);
}
function isPlainObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
function join(path, key) {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}
function normalizeKeys(value, s, path, issues) {
  switch (s.t) {
    case "object": {
      if (!isPlainObject(value)) return value;
      const out = {};
      for (const [key, v] of Object.entries(value)) {
        const name = lookupField(s, key);
        if (name === void 0) {
          if (s.open) out[key] = v;
          else
            issues.push({
              path: join(path, key),
              message: `unknown field "${key}"; ignored`,
              severity: "warning",
              code: "unknown-field"
            });
          continue;
        }
        const field = s.fields[name];
        if (field.deprecated)
          issues.push({
            path: join(path, name),
            message: field.deprecated,
            severity: "notice",
            code: "deprecated-field"
          });
        out[name] = normalizeKeys(v, field.s, join(path, name), issues);
      }
      return out;
    }
    case "array":
      return Array.isArray(value) ? value.map((v, i) => normalizeKeys(v, s.of, `${path}[${i}]`, issues)) : value;
    case "record": {
      if (!isPlainObject(value)) return value;
      const out = {};
      for (const [k, v] of Object.entries(value)) out[k] = normalizeKeys(v, s.of, `${path}[${JSON.stringify(k)}]`, issues);
      return out;
    }
    case "union": {
      if (isPlainObject(value)) {
        const alt = s.of.find((x) => x.t === "object");
        if (alt) return normalizeKeys(value, alt, path, issues);
      }
      if (Array.isArray(value)) {
        const alt = s.of.find((x) => x.t === "array");
        if (alt) return normalizeKeys(value, alt, path, issues);
      }
      return value;
    }
    default:
      return value;
  }
}
function checkValue(value, s, path, issues) {
  const fail = () => issues.push({
    path,
    message: `expected ${describeSchema(s)}, got ${describeValue(value)}`,
    severity: "error",
    code: "invalid-type"
  });
  switch (s.t) {
    case "string":
      if (typeof value !== "string" || s.nonEmpty && value === "") fail();
      return;
    case "bool":
      if (typeof value !== "boolean") fail();
      return;
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value) || s.min !== void 0 && value < s.min || s.max !== void 0 && value > s.max)
        fail();
      return;
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value) || s.min !== void 0 && value < s.min) fail();
      return;
    case "enum":
      if (typeof value !== "string" || !(s.caseInsensitive ? s.values.some((v) => v.toLowerCase() === value.toLowerCase()) : s.values.includes(value)))
        fail();
      return;
    case "array":
      if (!Array.isArray(value)) return void fail();
      value.forEach((v, i) => checkValue(v, s.of, `${path}[${i}]`, issues));
      return;
    case "record":
      if (!isPlainObject(value)) return void fail();
      for (const [k, v] of Object.entries(value)) checkValue(v, s.of, `${path}[${JSON.stringify(k)}]`, issues);
      return;
    case "object": {
      if (!isPlainObject(value)) return void fail();
      for (const [name, field] of Object.entries(s.fields)) {
        const v = value[name];
        if (v === void 0 || v === null) {
          if (field.required)
            issues.push({
              path: join(path, name),
              message: `required field is missing (expected ${describeSchema(field.s)})`,
              severity: "error",
              code: "missing-field"
            });
          continue;
        }
        checkValue(v, field.s, join(path, name), issues);
      }
      return;
    }
    case "union": {
      for (const alt of s.of) {
        const sub = [];
        checkValue(value, alt, path, sub);
        if (sub.length === 0) return;
      }
      const sameShape = s.of.find(
        (alt) => alt.t === "object" && isPlainObject(value) || alt.t === "array" && Array.isArray(value) || alt.t === "record" && isPlainObject(value)
      );
      if (sameShape) checkValue(value, sameShape, path, issues);
      else fail();
      return;
    }
    case "any":
      return;
  }
}

// packages/core/src/load/context.ts
var locators = /* @__PURE__ */ new WeakMap();
function setLocator(resource, locate2) {
  locators.set(resource, locate2);
}
function locate(resource, path) {
  const fn = locators.get(resource);
  if (fn && path) {
    try {
      const at = fn(path);
      if (at) return at;
    } catch {
    }
  }
  return resource.source;
}
function pushDiag(ctx, resource, path, message, severity, code) {
  const source = path && ctx.locate?.(path) || ctx.source;
  ctx.diagnostics.push({ resource, path, message, severity, code, ...source ? { source } : {} });
}

// packages/core/src/model/schemas.ts
var ambassadorId = union(str(), list(str()));
var stringList = list(str());
var stringOrList = union(str(), list(str()));
var circuitBreakers = list(
  obj({
    priority: oneOf("default", "high"),
    maxConnections: int(0),
    maxPendingRequests: int(0),
    maxRequests: int(0),
    maxRetries: int(0)
  })
);
var retryPolicy = obj({ retryOn: str(), numRetries: int(0), perTryTimeout: union(str(), num(0)) });
var cors = obj({
  origins: stringOrList,
  methods: stringOrList,
  headers: stringOrList,
  credentials: bool(),
  exposedHeaders: stringOrList,
  maxAge: union(str(), int(0))
});
var loadBalancer = obj({
  policy: req(oneOf("round_robin", "least_request", "ring_hash", "maglev")),
  cookie: obj({ name: req(str(true)), path: str(), ttl: str() }),
  header: str(true),
  sourceIp: bool()
});
var keepalive = obj({ probes: int(0), idleTime: int(0), interval: int(0) });
var addHeaders = rec(union(str(), obj({ value: req(str()), append: bool() })));
var labelSpecifier = obj({
  sourceCluster: obj({ key: str() }),
  destinationCluster: obj({ key: str() }),
  remoteAddress: obj({ key: str() }),
  genericKey: obj({ value: req(str()), key: str() }),
  requestHeaders: obj({ headerName: req(str(true)), key: str(), omitIfNotPresent: bool() })
});
var labelsSchema = rec(list(rec(list(labelSpecifier))));
var regexSub = obj({ pattern: req(str(true)), substitution: req(str()) });
var healthChecks = list(
  obj({
    healthCheck: req(
      obj({
        http: obj({
          path: req(str(true)),
          hostname: str(),
          expectedStatuses: list(obj({ min: req(int(100, 599)), max: req(int(100, 599)) })),
          addRequestHeaders: addHeaders,
          removeRequestHeaders: stringList
        }),
        grpc: obj({ upstreamName: req(str(true)), authority: str() })
      })
    ),
    timeout: str(),
    interval: str(),
    unhealthyThreshold: int(0),
    healthyThreshold: int(0)
  })
);
var mappingSchema = obj({
  prefix: req(str(true)),
  prefixRegex: bool(),
  prefixExact: bool(),
  caseSensitive: bool(),
  service: req(str(true)),
  rewrite: str(),
  regexRewrite: regexSub,
  hostname: str(true),
  host: dep(str(true), "host is deprecated in getambassador.io/v3alpha1; use hostname"),
  hostRegex: bool(),
  method: str(true),
  methodRegex: bool(),
  headers: rec(union(str(), bool())),
  regexHeaders: rec(str()),
  queryParameters: rec(union(str(), bool())),
  regexQueryParameters: rec(str()),
  precedence: int(),
  weight: int(0, 100),
  shadow: bool(),
  hostRedirect: bool(),
  pathRedirect: str(true),
  prefixRedirect: str(true),
  regexRedirect: regexSub,
  redirectResponseCode: int(),
  hostRewrite: str(true),
  autoHostRewrite: bool(),
  timeoutMs: int(0),
  idleTimeoutMs: int(0),
  connectTimeoutMs: int(0),
  clusterIdleTimeoutMs: int(0),
  clusterMaxConnectionLifetimeMs: int(0),
  retryPolicy,
  cors,
  circuitBreakers,
  loadBalancer,
  keepalive,
  bypassAuth: bool(),
  authContextExtensions: rec(str()),
  labels: labelsSchema,
  addRequestHeaders: addHeaders,
  addResponseHeaders: addHeaders,
  removeRequestHeaders: stringOrList,
  removeResponseHeaders: stringOrList,
  grpc: bool(),
  allowUpgrade: stringList,
  useWebsocket: dep(bool(), "use_websocket is deprecated; use allow_upgrade: [websocket]"),
  tls: union(str(), bool()),
  resolver: str(true),
  dnsType: oneOf("strict_dns", "logical_dns"),
  respectDnsTtl: bool(),
  enableIpv4: bool(),
  enableIpv6: bool(),
  clusterTag: str(),
  statsName: str(true),
  healthChecks,
  addLinkerdHeaders: bool(),
  priority: str(),
  docs: any(),
  envoyOverride: any(),
  modules: any(),
  errorResponseOverrides: any(),
  bypassErrorResponseOverrides: bool(),
  outlierDetection: any(),
  ambassadorId,
  v2ExplicitTLS: any(),
  v2BoolHeaders: stringList,
  v2BoolQueryParameters: stringList,
  gatewaySdk: obj({
    rateLimit: obj({
      requestsPerUnit: req(int(1)),
      unit: req(oneOf("second", "minute", "hour")),
      burst: int(1),
      responseHeaders: bool()
    }),
    prefixMatch: oneOf("string", "segment")
  })
});
var tcpMappingSchema = obj({
  port: req(int(1, 65535)),
  host: str(true),
  address: str(true),
  service: req(str(true)),
  weight: int(0, 100),
  tls: union(str(), bool()),
  idleTimeoutMs: int(0),
  connectTimeoutMs: int(0),
  circuitBreakers,
  resolver: str(true),
  clusterTag: str(),
  statsName: str(true),
  enableIpv4: bool(),
  enableIpv6: bool(),
  ambassadorId
});
var labelSelector = obj({
  matchLabels: rec(str()),
  matchExpressions: list(
    obj({ key: req(str(true)), operator: req(oneOf("In", "NotIn", "Exists", "DoesNotExist")), values: stringList })
  )
});
var tlsVersion = oneOf("v1.0", "v1.1", "v1.2", "v1.3");
var hostSchema = obj({
  hostname: str(true),
  mappingSelector: labelSelector,
  selector: dep(labelSelector, "selector is deprecated; use mappingSelector"),
  tlsSecret: obj({ name: req(str(true)), namespace: str(true) }),
  tlsContext: obj({ name: req(str(true)) }),
  tls: obj({
    minTlsVersion: tlsVersion,
    maxTlsVersion: tlsVersion,
    alpnProtocols: stringOrList,
    cipherSuites: stringList,
    ecdhCurves: stringList,
    caSecret: str(true),
    certRequired: bool(),
    sni: str(),
    certChainFile: str(),
    privateKeyFile: str(),
    cacertChainFile: str(),
    redirectCleartextFrom: int()
  }),
  requestPolicy: obj({
    insecure: obj({ action: oneOf("Redirect", "Route", "Reject"), additionalPort: int(-1, 65535) })
  }),
  acmeProvider: any(),
  tlsContextSecret: any(),
  previewUrl: any(),
  ambassadorId
});
var listenerSchema = obj({
  port: req(int(1, 65535)),
  protocol: oneOf("HTTP", "HTTPS", "HTTPPROXY", "HTTPSPROXY", "TCP", "TLS", "UDP"),
  protocolStack: list(oneOf("HTTP", "PROXY", "TLS", "TCP", "UDP")),
  securityModel: req(oneOf("XFP", "SECURE", "INSECURE")),
  hostBinding: obj({ namespace: obj({ from: req(oneOf("SELF", "ALL")) }), selector: labelSelector }),
  statsPrefix: str(),
  l7Depth: int(0),
  http2MaxConcurrentStreams: int(1),
  ambassadorId
});
var ipPrincipal = obj({ peer: str(true), remote: str(true) });
var moduleConfigSchema = obj(
  {
    clusterRequestTimeoutMs: int(0),
    clusterIdleTimeoutMs: int(0),
    clusterMaxConnectionLifetimeMs: int(0),
    retryPolicy,
    cors,
    circuitBreakers: union(circuitBreakers, obj({
      priority: oneOf("default", "high"),
      maxConnections: int(0),
      maxPendingRequests: int(0),
      maxRequests: int(0),
      maxRetries: int(0)
    })),
    loadBalancer,
    keepalive,
    resolver: str(true),
    regexMaxSize: int(1),
    useRemoteAddress: bool(),
    xffNumTrustedHops: int(0),
    enableIpv4: bool(),
    enableIpv6: bool(),
    useAmbassadorNamespaceForServiceResolution: bool(),
    defaultLabelDomain: str(true),
    defaultLabels: rec(obj({ defaults: list(any()) }, true)),
    defaults: obj({ httpmapping: any() }, true),
    mergeSlashes: bool(),
    stripMatchingHostPort: bool(),
    bufferLimitBytes: int(0),
    maxRequestHeadersKb: int(1, 8192),
    ipAllow: list(ipPrincipal),
    ipDeny: list(ipPrincipal),
    suppressEnvoyHeaders: bool(),
    pruneUnreachableRoutes: bool(),
    headersWithUnderscoresAction: oneOf("ALLOW", "REJECT_REQUEST", "DROP_HEADER"),
    addLinkerdHeaders: bool()
  },
  true
);
var moduleSchema = obj({ config: moduleConfigSchema, ambassadorId });
var authServiceSchema = obj({
  authService: req(str(true)),
  proto: oneOf("http", "grpc"),
  protocolVersion: oneOf("v2", "v3"),
  pathPrefix: str(),
  timeoutMs: int(0),
  allowedRequestHeaders: stringList,
  allowedAuthorizationHeaders: stringList,
  addAuthHeaders: rec(str()),
  includeBody: obj({ maxBytes: req(int(0)), allowPartial: req(bool()) }),
  statusOnError: obj({ code: req(int(100, 599)) }),
  failureModeAllow: bool(),
  tls: union(str(), bool()),
  circuitBreakers,
  statsName: str(true),
  addLinkerdHeaders: bool(),
  allowRequestBody: dep(bool(), "allow_request_body is deprecated; use include_body"),
  v3StatusOnError: any(),
  v3FailureModeAllow: any(),
  ambassadorId
});
var rateLimitServiceSchema = obj({
  service: req(str(true)),
  domain: str(true),
  protocolVersion: oneOf("v2", "v3"),
  timeoutMs: int(0),
  failureModeDeny: bool(),
  grpc: obj({ useResourceExhaustedCode: bool() }),
  tls: union(str(), bool()),
  statsName: str(true),
  ambassadorId
});
var tlsContextSchema = obj({
  hosts: stringList,
  secret: str(true),
  certChainFile: str(true),
  privateKeyFile: str(true),
  caSecret: str(true),
  cacertChainFile: str(true),
  crlSecret: str(true),
  certRequired: bool(),
  minTlsVersion: tlsVersion,
  maxTlsVersion: tlsVersion,
  cipherSuites: stringList,
  ecdhCurves: stringList,
  alpnProtocols: str(),
  sni: str(),
  secretNamespacing: bool(),
  redirectCleartextFrom: int(),
  ambassadorId
});
var mappingSelector = obj({ names: stringList, matchLabels: rec(str()) });
var jwtProviderSchema = obj({
  issuer: str(true),
  audiences: stringList,
  jwksUri: str(true),
  jwks: union(str(true), obj({ keys: req(list(any())) }, true)),
  jwksCacheDurationSeconds: int(0),
  from: list(obj({ header: str(true), prefix: str(), query: str(true), cookie: str(true) })),
  claimToHeaders: list(obj({ claim: req(str(true)), header: req(str(true)) })),
  algorithms: stringList,
  clockSkewSeconds: int(0, 3600),
  forward: bool(),
  required: bool(),
  selector: mappingSelector,
  kubernetesServiceAccount: obj({ issuer: str(true), jwksUri: str(true) })
});
var ruleSchema = obj({
  principals: stringList,
  notPrincipals: stringList,
  namespaces: stringList,
  sourceIPs: stringList,
  notSourceIPs: stringList,
  hosts: stringList,
  methods: stringList,
  notMethods: stringList,
  paths: stringList,
  notPaths: stringList,
  headers: rec(stringOrList)
});
var authorizationPolicySchema = obj({
  action: oneOf("ALLOW", "DENY"),
  rules: req(list(ruleSchema)),
  selector: mappingSelector
});
var SPEC_SCHEMAS = {
  Mapping: mappingSchema,
  TCPMapping: tcpMappingSchema,
  Host: hostSchema,
  Listener: listenerSchema,
  Module: moduleSchema,
  AuthService: authServiceSchema,
  RateLimitService: rateLimitServiceSchema,
  TLSContext: tlsContextSchema,
  JwtProvider: jwtProviderSchema,
  AuthorizationPolicy: authorizationPolicySchema
};

// packages/core/src/load/labels.ts
function normalizeLabels(raw, path, issues) {
  if (!isPlainObject(raw)) return raw;
  const out = {};
  for (const [domain, groups] of Object.entries(raw)) {
    const gPath = `${path}.${domain}`;
    if (!Array.isArray(groups)) {
      issues.push({
        path: gPath,
        message: `expected a list of label groups, got ${describe(groups)}`,
        severity: "error",
        code: "invalid-type"
      });
      continue;
    }
    out[domain] = groups.map((group, gi) => {
      const groupPath = `${gPath}[${gi}]`;
      if (!isPlainObject(group) || Object.keys(group).length !== 1 || !Array.isArray(Object.values(group)[0])) {
        const spec = normalizeSpecifier(group, groupPath, issues);
        return { [`group_${gi}`]: spec ? [spec] : [] };
      }
      const [name, specs] = Object.entries(group)[0];
      const list3 = [];
      specs.forEach((s, si) => {
        const spec = normalizeSpecifier(s, `${groupPath}.${name}[${si}]`, issues);
        if (spec) list3.push(spec);
      });
      return { [name]: list3 };
    });
  }
  return out;
}
function describe(v) {
  return Array.isArray(v) ? "a list" : v === null ? "null" : typeof v === "object" ? "an object" : JSON.stringify(v);
}
var KEYED = {
  source_cluster: "sourceCluster",
  sourceCluster: "sourceCluster",
  destination_cluster: "destinationCluster",
  destinationCluster: "destinationCluster",
  remote_address: "remoteAddress",
  remoteAddress: "remoteAddress"
};
function normalizeSpecifier(s, path, issues) {
  if (typeof s === "string") {
    const k = KEYED[s];
    if (k) return { [k]: { key: camelToSnakeKey(k) } };
    return { genericKey: { value: s } };
  }
  if (isPlainObject(s) && Object.keys(s).length === 1) {
    const [key, v] = Object.entries(s)[0];
    const k = KEYED[key];
    if (k) {
      const keyName = isPlainObject(v) && typeof v.key === "string" ? v.key : camelToSnakeKey(k);
      return { [k]: { key: keyName } };
    }
    if (key === "generic_key" || key === "genericKey") {
      if (typeof v === "string") return { genericKey: { value: v } };
      if (isPlainObject(v) && typeof v.value === "string")
        return { genericKey: { value: v.value, ...typeof v.key === "string" ? { key: v.key } : {} } };
    } else if (key === "request_headers" || key === "requestHeaders") {
      if (isPlainObject(v)) {
        const header = v.header_name ?? v.headerName;
        if (typeof header === "string" && header !== "")
          return {
            requestHeaders: {
              headerName: header,
              key: typeof v.key === "string" ? v.key : header,
              omitIfNotPresent: v.omit_if_not_present === true || v.omitIfNotPresent === true
            }
          };
      }
    } else if (isPlainObject(v) && typeof v.header === "string") {
      return {
        requestHeaders: {
          headerName: v.header,
          key,
          omitIfNotPresent: v.omit_if_not_present === true || v.omitIfNotPresent === true
        }
      };
    }
  }
  issues.push({
    path,
    message: "expected a label specifier (source_cluster, destination_cluster, remote_address, generic_key {value}, request_headers {header_name}), got " + describe(s),
    severity: "error",
    code: "invalid-label"
  });
  return void 0;
}
function camelToSnakeKey(k) {
  return k.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}
function rateLimitsToLabels(rateLimits, domain) {
  if (!Array.isArray(rateLimits)) return void 0;
  const groups = rateLimits.map((rl, i) => {
    const specs = ["source_cluster", "destination_cluster", "remote_address"];
    if (isPlainObject(rl)) {
      if (typeof rl.descriptor === "string" && rl.descriptor) specs.push({ generic_key: rl.descriptor });
      if (Array.isArray(rl.headers)) {
        for (const h of rl.headers)
          if (typeof h === "string") specs.push({ [h]: { header: h, omit_if_not_present: true } });
      }
    }
    return { [`v0_ratelimit_${String(i + 1).padStart(2, "0")}`]: specs };
  });
  return { [domain]: groups };
}

// packages/core/src/load/legacy.ts
function convertLegacySpec(kind, version, spec, issues) {
  if (version === "v3alpha1") return;
  const note = (path, message) => issues.push({ path, message, severity: "notice", code: "converted" });
  if (kind === "Mapping") {
    if (typeof spec.host === "string" && spec.hostRegex !== true) {
      spec.hostname = spec.host === "" ? "*" : spec.host;
      note("spec.host", `host converted to hostname "${spec.hostname}"`);
      delete spec.host;
      delete spec.hostRegex;
    } else if (spec.host === void 0 && spec.hostname === void 0) {
      spec.hostname = "*";
    }
    convertBoolTls(spec, note);
    if (isPlainObject(spec.cors) && typeof spec.cors.origins === "string") {
      spec.cors = { ...spec.cors, origins: splitList(spec.cors.origins) };
      note("spec.cors.origins", "comma-separated origins converted to a list");
    }
  }
  if (kind === "TCPMapping" || kind === "AuthService" || kind === "RateLimitService") {
    convertBoolTls(spec, note);
  }
  if (kind === "Host" && spec.selector !== void 0 && spec.mappingSelector === void 0) {
    spec.mappingSelector = spec.selector;
    delete spec.selector;
    note("spec.selector", "selector converted to mappingSelector");
  }
}
function convertBoolTls(spec, note) {
  if (spec.tls === true) {
    if (typeof spec.service === "string" && !/^[a-z]+:\/\//i.test(spec.service)) {
      spec.service = `https://${spec.service}`;
    }
    spec.v2ExplicitTLS = { tls: "true" };
    delete spec.tls;
    note("spec.tls", "tls: true converted to an https:// service (originate TLS)");
  } else if (spec.tls === false) {
    delete spec.tls;
  } else if (typeof spec.tls === "string" && /^(true|false)$/i.test(spec.tls)) {
    const on = spec.tls.toLowerCase() === "true";
    spec.tls = on;
    convertBoolTls(spec, note);
  }
}
function splitList(s) {
  return s.split(",").map((x) => x.trim()).filter((x) => x !== "");
}
function renameLegacyRawFields(kind, raw) {
  if (kind === "AuthService" && raw.allowed_headers !== void 0 && raw.allowed_request_headers === void 0) {
    raw.allowed_request_headers = raw.allowed_headers;
    delete raw.allowed_headers;
  }
}

// packages/core/src/load/objects.ts
var AMBASSADOR_KINDS = /* @__PURE__ */ new Set([
  "Mapping",
  "Host",
  "Listener",
  "Module",
  "AuthService",
  "RateLimitService",
  "TLSContext",
  "TCPMapping"
]);
var SDK_KINDS = /* @__PURE__ */ new Set(["JwtProvider", "AuthorizationPolicy"]);
var UNSUPPORTED_AMBASSADOR_KINDS = /* @__PURE__ */ new Set([
  "TracingService",
  "LogService",
  "KubernetesServiceResolver",
  "KubernetesEndpointResolver",
  "ConsulResolver",
  "DevPortal",
  "Filter",
  "FilterPolicy",
  "RateLimit",
  "ExternalFilter",
  "WebApplicationFirewall",
  "WebApplicationFirewallPolicy",
  "CircuitBreaker",
  "OutlierDetection",
  "GRPCMapping"
]);
var VERSIONS = /* @__PURE__ */ new Set(["v0", "v1", "v2", "v3alpha1"]);
var foreign;
function registerForeignLoaders(f) {
  foreign = f;
}
function refOf(obj2, ctx) {
  const meta = isPlainObject(obj2.metadata) ? obj2.metadata : obj2;
  const kind = typeof obj2.kind === "string" && obj2.kind ? obj2.kind : "<unknown>";
  const name = typeof meta.name === "string" && meta.name ? meta.name : `document-${ctx.index}`;
  const namespace = typeof meta.namespace === "string" && meta.namespace ? meta.namespace : ctx.defaultNamespace;
  return { kind, namespace, name };
}
function loadObject(raw, ctx, parent) {
  if (raw === null || raw === void 0) return;
  if (!isPlainObject(raw)) {
    pushDiag(
      ctx,
      { kind: "<unknown>", namespace: ctx.defaultNamespace, name: `document-${ctx.index}` },
      "",
      `expected a Kubernetes object (a map with apiVersion and kind), got ${describeValue(raw)}`,
      "error",
      "not-an-object"
    );
    return;
  }
  const ref = refOf(raw, ctx);
  const apiVersion = raw.apiVersion;
  const kind = raw.kind;
  if (typeof kind !== "string" || kind === "") {
    pushDiag(ctx, ref, "kind", `missing kind (expected e.g. Mapping), got ${describeValue(kind)}`, "error", "missing-kind");
    return;
  }
  if (typeof apiVersion !== "string" || apiVersion === "") {
    pushDiag(
      ctx,
      ref,
      "apiVersion",
      `missing apiVersion (expected e.g. ${AMBASSADOR_API_VERSION}), got ${describeValue(apiVersion)}`,
      "error",
      "missing-api-version"
    );
    return;
  }
  const [group, version = ""] = splitApiVersion(apiVersion);
  if (kind === "List" && Array.isArray(raw.items)) {
    for (const item of raw.items) loadObject(item, ctx, parent);
    return;
  }
  if (group === "" && version === "v1" && kind === "Service") {
    foreign?.service(raw, ctx);
    return;
  }
  if ((group === "networking.k8s.io" || group === "extensions") && kind === "Ingress") {
    foreign?.ingress(raw, ctx);
    return;
  }
  if (group === "getambassador.io" || group === "ambassador" || group === "x.getambassador.io") {
    if (!VERSIONS.has(version)) {
      pushDiag(
        ctx,
        ref,
        "apiVersion",
        `unsupported apiVersion "${apiVersion}" (expected getambassador.io/v3alpha1, v2, v1 or ambassador/v0, v1)`,
        "error",
        "unsupported-api-version"
      );
      return;
    }
    if (UNSUPPORTED_AMBASSADOR_KINDS.has(kind)) {
      pushDiag(ctx, ref, "kind", `${kind} is not supported by @gateway; ignored`, "warning", "unsupported-kind");
      return;
    }
    if (!AMBASSADOR_KINDS.has(kind)) {
      pushDiag(
        ctx,
        ref,
        "kind",
        `unknown kind "${kind}" for ${apiVersion} (expected one of ${[...AMBASSADOR_KINDS].join(", ")})`,
        "error",
        "unknown-kind"
      );
      return;
    }
    loadTyped(raw, kind, apiVersion, version, ctx, parent);
    return;
  }
  if (apiVersion === SDK_API_VERSION) {
    if (!SDK_KINDS.has(kind)) {
      pushDiag(
        ctx,
        ref,
        "kind",
        `unknown kind "${kind}" for ${apiVersion} (expected JwtProvider or AuthorizationPolicy)`,
        "error",
        "unknown-kind"
      );
      return;
    }
    loadTyped(raw, kind, apiVersion, version, ctx, parent);
    return;
  }
  if (group === "gateway.sdk") {
    pushDiag(
      ctx,
      ref,
      "apiVersion",
      `unsupported apiVersion "${apiVersion}" (expected ${SDK_API_VERSION})`,
      "error",
      "unsupported-api-version"
    );
    return;
  }
  pushDiag(
    ctx,
    ref,
    "",
    `${apiVersion} ${kind} is not a gateway resource; ignored`,
    "notice",
    "ignored-kind"
  );
}
function splitApiVersion(apiVersion) {
  const slash = apiVersion.lastIndexOf("/");
  return slash < 0 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}
var FLAT_META_KEYS = /* @__PURE__ */ new Set(["apiVersion", "kind", "name", "namespace", "generation", "metadata_labels"]);
function loadTyped(raw, kind, apiVersion, version, ctx, parent) {
  const flat = raw.metadata === void 0 && raw.spec === void 0;
  let metaRaw;
  let specRaw;
  if (flat) {
    metaRaw = {
      name: raw.name,
      namespace: raw.namespace ?? parent?.namespace,
      labels: raw.metadata_labels ?? parent?.labels
    };
    specRaw = {};
    for (const [k, v] of Object.entries(raw)) if (!FLAT_META_KEYS.has(k)) specRaw[k] = v;
  } else {
    metaRaw = isPlainObject(raw.metadata) ? { ...raw.metadata } : {};
    if (parent) {
      metaRaw.namespace ??= parent.namespace;
      metaRaw.labels ??= parent.labels;
    }
    specRaw = isPlainObject(raw.spec) ? { ...raw.spec } : {};
  }
  const ref = refOf(flat ? { kind, metadata: metaRaw } : raw, ctx);
  const metaPath = flat ? "" : "metadata.";
  const specPath = flat ? "" : "spec";
  const issuePath = (p) => flat ? p.replace(/^spec\.?/, "") : p;
  const name = metaRaw.name;
  if (typeof name !== "string" || name === "") {
    pushDiag(
      ctx,
      ref,
      `${metaPath}name`,
      `missing name (expected a non-empty string), got ${describeValue(name)}`,
      "error",
      "missing-name"
    );
    return;
  }
  if (!flat && raw.spec !== void 0 && !isPlainObject(raw.spec)) {
    pushDiag(ctx, ref, "spec", `expected an object, got ${describeValue(raw.spec)}`, "error", "invalid-type");
    return;
  }
  const namespace = typeof metaRaw.namespace === "string" && metaRaw.namespace !== "" ? metaRaw.namespace : ctx.defaultNamespace;
  const labels = stringMap(metaRaw.labels, `${metaPath}labels`, ref, ctx);
  const annotations = stringMap(metaRaw.annotations, `${metaPath}annotations`, ref, ctx);
  const issues = [];
  if (version !== "v3alpha1" && apiVersion !== SDK_API_VERSION) {
    issues.push({
      path: flat ? "apiVersion" : "apiVersion",
      message: `${apiVersion} is deprecated (Emissary 4 disables the v2 conversion webhook); converted to ${AMBASSADOR_API_VERSION}`,
      severity: "notice",
      code: "deprecated-api-version"
    });
  }
  renameLegacyRawFields(kind, specRaw);
  if (kind === "Mapping") {
    if (specRaw.rate_limits !== void 0) {
      if (version === "v0") {
        specRaw.labels = rateLimitsToLabels(specRaw.rate_limits, "ambassador");
        issues.push({
          path: "spec.rate_limits",
          message: "rate_limits (ambassador/v0) converted to labels",
          severity: "notice",
          code: "converted"
        });
      } else {
        issues.push({
          path: "spec.rate_limits",
          message: "rate_limits is only valid in ambassador/v0 Mappings; use labels",
          severity: "error",
          code: "invalid-field"
        });
      }
      delete specRaw.rate_limits;
    }
    for (const legacy of ["circuit_breaker", "outlier_detection_name"]) {
      if (specRaw[legacy] !== void 0) {
        issues.push({
          path: `spec.${legacy}`,
          message: `${legacy} (a reference to a separate ambassador/v0 object) is not supported; use circuit_breakers`,
          severity: "warning",
          code: "unsupported-field"
        });
        delete specRaw[legacy];
      }
    }
    if (specRaw.labels !== void 0) specRaw.labels = normalizeLabels(specRaw.labels, "spec.labels", issues);
  }
  if (kind === "Module" && isPlainObject(specRaw.config)) {
    const config = { ...specRaw.config };
    specRaw.config = config;
  }
  const spec = normalizeKeys(specRaw, SPEC_SCHEMAS[kind], "spec", issues);
  if (apiVersion !== SDK_API_VERSION) convertLegacySpec(kind, version, spec, issues);
  if (kind === "Module" && isPlainObject(spec.config)) {
    spec.config = normalizeModuleConfig(spec.config, issues);
  }
  const resource = {
    apiVersion,
    kind,
    metadata: { name, namespace, labels, annotations },
    spec,
    ...ctx.source ? { source: ctx.source } : {}
  };
  if (ctx.locate) setLocator(resource, ctx.locate);
  const realRef = { kind, namespace, name };
  for (const issue of issues) {
    pushDiag(ctx, realRef, issuePath(issue.path), issue.message, issue.severity, issue.code);
  }
  void specPath;
  ctx.resources.push(resource);
}
function normalizeModuleConfig(config, issues) {
  const defaults = config.defaults;
  if (isPlainObject(defaults) && isPlainObject(defaults.httpmapping)) {
    const hm = normalizeKeys(
      defaults.httpmapping,
      SPEC_SCHEMAS.Mapping,
      "spec.config.defaults.httpmapping",
      issues
    );
    return { ...config, defaults: { ...defaults, httpmapping: hm } };
  }
  return config;
}
function stringMap(v, path, ref, ctx) {
  if (v === void 0 || v === null) return {};
  if (!isPlainObject(v)) {
    pushDiag(ctx, ref, path, `expected a map of strings, got ${describeValue(v)}`, "warning", "invalid-type");
    return {};
  }
  const out = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === "string") out[k] = val;
    else if (typeof val === "number" || typeof val === "boolean") {
      out[k] = String(val);
      pushDiag(
        ctx,
        ref,
        `${path}.${k}`,
        `expected a string, got ${describeValue(val)}; using "${String(val)}"`,
        "warning",
        "coerced"
      );
    } else
      pushDiag(
        ctx,
        ref,
        `${path}.${k}`,
        `expected a string, got ${describeValue(val)}; ignored`,
        "warning",
        "invalid-type"
      );
  }
  return out;
}

// packages/core/src/load/annotations.ts
var CONFIG_ANNOTATION = "getambassador.io/config";
function loadConfigAnnotation(obj2, ctx) {
  const meta = isPlainObject(obj2.metadata) ? obj2.metadata : {};
  const annotations = isPlainObject(meta.annotations) ? meta.annotations : {};
  const text = annotations[CONFIG_ANNOTATION];
  const carrierName = typeof meta.name === "string" ? meta.name : `document-${ctx.index}`;
  const namespace = typeof meta.namespace === "string" && meta.namespace ? meta.namespace : ctx.defaultNamespace;
  const kind = typeof obj2.kind === "string" ? obj2.kind : "Service";
  const ref = { kind, namespace, name: carrierName };
  if (text === void 0) {
    if (kind === "Service")
      pushDiag(
        ctx,
        ref,
        "",
        `Service has no ${CONFIG_ANNOTATION} annotation; ignored`,
        "notice",
        "ignored-kind"
      );
    return;
  }
  const path = `metadata.annotations["${CONFIG_ANNOTATION}"]`;
  if (typeof text !== "string") {
    pushDiag(ctx, ref, path, `expected a YAML string, got ${describeValue(text)}`, "error", "invalid-type");
    return;
  }
  const labels = {};
  if (isPlainObject(meta.labels)) {
    for (const [k, v] of Object.entries(meta.labels)) if (typeof v === "string") labels[k] = v;
  }
  const parent = { namespace, labels, describe: `${kind} ${namespace}/${carrierName}` };
  const docs = parseAllDocuments(text);
  const list3 = Array.isArray(docs) ? docs : [];
  const inner = { ...ctx, locate: () => ctx.locate?.(path) };
  let i = 0;
  for (const doc of list3) {
    i++;
    if (doc.errors.length > 0) {
      pushDiag(
        ctx,
        ref,
        path,
        `annotation document ${i} is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`,
        "error",
        "yaml-syntax"
      );
      continue;
    }
    let value;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      pushDiag(ctx, ref, path, `annotation document ${i}: ${err.message}`, "error", "yaml-syntax");
      continue;
    }
    loadObject(value, { ...inner, index: i }, parent);
  }
}

// packages/core/src/load/ingress.ts
function loadIngress(obj2, ctx) {
  pushDiag(ctx, { kind: "Ingress", namespace: ctx.defaultNamespace, name: String(obj2.metadata?.name) }, "", "Ingress not supported yet", "warning", "unsupported-kind");
}

// packages/core/src/load/yaml-text.ts
import { LineCounter, parseDocument, isMap, isSeq, isScalar } from "yaml";
var MARKER = /^(---|\.\.\.)(?=[ \t]|$)/;
function splitDocuments(text) {
  const chunks = [];
  let start = 0;
  let startLine = 1;
  let line = 1;
  let pos = 0;
  const len = text.length;
  while (pos <= len) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = len;
    const c = text.charCodeAt(pos);
    if (c === 45 || c === 46 || c === 37) {
      const lineText = text.slice(pos, end).replace(/\r$/, "");
      if (c === 37) return void 0;
      const m = MARKER.exec(lineText);
      if (m) {
        const rest = lineText.slice(3).trim();
        if (rest !== "" && !rest.startsWith("#")) return void 0;
        if (pos > start) chunks.push({ text: text.slice(start, pos), line: startLine });
        start = end + 1;
        startLine = line + 1;
      }
    }
    pos = end + 1;
    line++;
  }
  if (start < len) chunks.push({ text: text.slice(start), line: startLine });
  return chunks;
}
function lazyLocator(chunk, file, prefix = []) {
  return (path) => {
    const lc = new LineCounter();
    const doc = parseDocument(chunk.text, { lineCounter: lc, keepSourceTokens: false });
    const node = findNode(doc.contents, [...prefix, ...splitPath(path)]);
    if (!node?.range) return void 0;
    const pos = lc.linePos(node.range[0]);
    return withFile({ line: chunk.line + pos.line - 1, column: pos.col }, file);
  };
}
function withFile(loc, file) {
  return file === void 0 ? loc : { file, line: loc.line, column: loc.column };
}
function splitPath(path) {
  const out = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    if (m[1] !== void 0) out.push(m[1]);
    else if (m[2] !== void 0) out.push(Number(m[2]));
    else if (m[3] !== void 0) out.push(JSON.parse(`"${m[3]}"`));
  }
  return out;
}
var normKey = (k) => k.replace(/_/g, "").toLowerCase();
function findNode(root, segments) {
  let node = root;
  let last;
  for (const seg of segments) {
    if (!node) break;
    if (typeof seg === "number") {
      if (!isSeq(node)) break;
      node = node.items[seg];
    } else {
      if (!isMap(node)) break;
      const want = normKey(seg);
      const pair = node.items.find((p) => isScalar(p.key) && normKey(String(p.key.value)) === want);
      if (!pair) break;
      last = pair.key;
      node = pair.value;
      continue;
    }
    last = node ?? void 0;
  }
  return last;
}

// packages/core/src/load/index.ts
registerForeignLoaders({
  service: (obj2, ctx) => loadConfigAnnotation(obj2, ctx),
  ingress: (obj2, ctx) => loadIngress(obj2, ctx)
});
function baseContext(opts, resources, diagnostics) {
  return {
    file: opts?.file,
    defaultNamespace: opts?.defaultNamespace || "default",
    ingressClass: opts?.ingressClass || "gateway",
    resources,
    diagnostics,
    index: 0
  };
}
function loadYaml(text, opts) {
  const resources = [];
  const diagnostics = [];
  const base = baseContext(opts, resources, diagnostics);
  try {
    if (typeof text !== "string") {
      diagnostics.push(streamError(base, 1, 1, `expected YAML text, got ${typeof text}`));
      return { resources, diagnostics };
    }
    const trimmed = text.trimStart();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      let parsed;
      let ok = false;
      try {
        parsed = JSON.parse(text);
        ok = true;
      } catch {
        ok = false;
      }
      if (ok) {
        const items = Array.isArray(parsed) ? parsed : [parsed];
        items.forEach((item, i) => {
          loadObject(item, {
            ...base,
            index: i + 1,
            ...opts?.file !== void 0 ? { source: { file: opts.file, line: 1, column: 1 } } : {}
          });
        });
        return { resources, diagnostics };
      }
    }
    const chunks = splitDocuments(text);
    if (chunks) {
      let index = 0;
      for (const chunk of chunks) {
        index++;
        loadChunk(chunk.text, chunk.line, index, base, opts);
      }
    } else {
      loadWholeStream(text, base, opts);
    }
  } catch (err) {
    diagnostics.push(streamError(base, 1, 1, `internal error while loading: ${err.message}`));
  }
  return { resources, diagnostics };
}
function streamError(base, line, column, message) {
  return {
    resource: { kind: "<document>", namespace: base.defaultNamespace, name: `document-${base.index}` },
    path: "",
    message,
    severity: "error",
    code: "yaml-syntax",
    source: withFile({ line, column }, base.file)
  };
}
function loadChunk(text, firstLine, index, base, opts) {
  if (/^\s*(#.*)?$/.test(text) && !/\S/.test(text.replace(/#.*$/gm, ""))) return;
  const lc = new LineCounter2();
  const doc = parseDocument2(text, { lineCounter: lc, prettyErrors: false });
  const source = withFile({ line: firstLine, column: 1 }, opts?.file);
  const ctx = { ...base, index, source };
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const pos = lc.linePos(err.pos[0]);
    base.diagnostics.push({
      resource: { kind: "<document>", namespace: base.defaultNamespace, name: `document-${index}` },
      path: "",
      message: `invalid YAML: ${err.message.split("\n")[0]}`,
      severity: "error",
      code: "yaml-syntax",
      source: withFile({ line: firstLine + pos.line - 1, column: pos.col }, opts?.file)
    });
    return;
  }
  let value;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    base.diagnostics.push({
      resource: { kind: "<document>", namespace: base.defaultNamespace, name: `document-${index}` },
      path: "",
      message: `invalid YAML: ${err.message}`,
      severity: "error",
      code: "yaml-syntax",
      source
    });
    return;
  }
  const contentsStart = doc.contents?.range?.[0];
  if (contentsStart !== void 0) {
    const pos = lc.linePos(contentsStart);
    ctx.source = withFile({ line: firstLine + pos.line - 1, column: pos.col }, opts?.file);
  }
  ctx.locate = lazyLocator({ text, line: firstLine }, opts?.file);
  loadObject(value, ctx);
}
function loadWholeStream(text, base, opts) {
  const lc = new LineCounter2();
  const docs = parseAllDocuments2(text, { lineCounter: lc });
  const list3 = Array.isArray(docs) ? docs : [];
  let index = 0;
  for (const doc of list3) {
    index++;
    const start = doc.contents?.range?.[0] ?? doc.range[0];
    const pos = lc.linePos(start);
    const source = withFile({ line: pos.line, column: pos.col }, opts?.file);
    if (doc.errors.length > 0) {
      const err = doc.errors[0];
      const epos = lc.linePos(err.pos[0]);
      base.diagnostics.push({
        resource: { kind: "<document>", namespace: base.defaultNamespace, name: `document-${index}` },
        path: "",
        message: `invalid YAML: ${err.message.split("\n")[0]}`,
        severity: "error",
        code: "yaml-syntax",
        source: withFile({ line: epos.line, column: epos.col }, opts?.file)
      });
      continue;
    }
    let value;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      base.diagnostics.push(streamError(base, pos.line, pos.col, `invalid YAML: ${err.message}`));
      continue;
    }
    loadObject(value, { ...base, index, source });
  }
}

// packages/core/src/util/globs.ts
function checkHostGlob(glob) {
  if (glob === "*") return void 0;
  const stars = glob.split("*").length - 1;
  if (stars > 1 || stars === 1 && !glob.startsWith("*") && !glob.endsWith("*"))
    return `expected a hostname glob with at most one * at the start or end, got "${glob}"`;
  const bare = glob.replace("*", "");
  if (!/^[A-Za-z0-9_.:-]+$/.test(bare) && !/^\[[0-9a-fA-F:.]+\](:\d+)?$/.test(bare))
    return `expected a hostname glob (letters, digits, '-', '.', optional :port), got "${glob}"`;
  return void 0;
}
function parseHostGlob(glob) {
  const g = glob.toLowerCase();
  if (g === "*" || g === "") return { kind: "any" };
  if (g.startsWith("*")) return { kind: "suffix", value: g.slice(1) };
  if (g.endsWith("*")) return { kind: "prefix", value: g.slice(0, -1) };
  return { kind: "exact", value: g };
}
function hostMatches(glob, name) {
  const g = parseHostGlob(glob);
  const n = name.toLowerCase();
  switch (g.kind) {
    case "any":
      return true;
    case "exact":
      return n === g.value;
    case "suffix":
      return n.length > g.value.length && n.endsWith(g.value);
    case "prefix":
      return n.length > g.value.length && n.startsWith(g.value);
  }
}
function hostGlobsOverlap(a, b) {
  const x = parseHostGlob(a);
  const y2 = parseHostGlob(b);
  if (x.kind === "any" || y2.kind === "any") return true;
  if (x.kind === "exact") return hostMatches(b, x.value);
  if (y2.kind === "exact") return hostMatches(a, y2.value);
  if (x.kind === "suffix" && y2.kind === "suffix") return x.value.endsWith(y2.value) || y2.value.endsWith(x.value);
  if (x.kind === "prefix" && y2.kind === "prefix") return x.value.startsWith(y2.value) || y2.value.startsWith(x.value);
  return true;
}
function hostGlobCovers(outer, inner) {
  const o = parseHostGlob(outer);
  const i = parseHostGlob(inner);
  if (o.kind === "any") return true;
  if (i.kind === "any") return false;
  if (i.kind === "exact") return hostMatches(outer, i.value);
  if (o.kind === "exact") return false;
  if (o.kind === "suffix" && i.kind === "suffix") return i.value.endsWith(o.value);
  if (o.kind === "prefix" && i.kind === "prefix") return i.value.startsWith(o.value);
  return false;
}

// packages/core/src/util/service.ts
var IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
var HOSTNAME = /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;
function isIPv4(s) {
  return IPV4.test(s);
}
function isIPv6(s) {
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || !s.includes(":")) return false;
  const dbl = s.split("::");
  if (dbl.length > 2) return false;
  const groups = s.split(":").filter((g) => g !== "");
  const last = groups[groups.length - 1] ?? "";
  const hasV4 = last.includes(".");
  if (hasV4 && !IPV4.test(last)) return false;
  const n = groups.length + (hasV4 ? 1 : 0);
  if (groups.some((g) => !g.includes(".") && !/^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  return dbl.length === 2 ? n < 8 : n === 8;
}
function parseService(service) {
  let rest = service.trim();
  let scheme;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(rest);
  if (m) {
    const s = m[1].toLowerCase();
    if (s !== "http" && s !== "https")
      return { ok: false, message: `expected an http:// or https:// scheme, got "${m[1]}://"` };
    scheme = s;
    rest = rest.slice(m[0].length);
  }
  if (rest.endsWith("/")) rest = rest.replace(/\/+$/, "");
  if (rest.includes("/"))
    return { ok: false, message: `expected [scheme://]host[:port] without a path, got "${service}"` };
  let host;
  let portText;
  let ipv6 = false;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0) return { ok: false, message: `unterminated IPv6 literal in "${service}"` };
    host = rest.slice(1, close);
    ipv6 = true;
    const after = rest.slice(close + 1);
    if (after !== "") {
      if (!after.startsWith(":")) return { ok: false, message: `expected :port after ], got "${after}"` };
      portText = after.slice(1);
    }
    if (!isIPv6(host)) return { ok: false, message: `expected an IPv6 address inside [], got "${host}"` };
  } else {
    const colons = rest.split(":").length - 1;
    if (colons > 1) {
      if (isIPv6(rest)) {
        host = rest;
        ipv6 = true;
      } else return { ok: false, message: `expected host[:port], got "${service}" (write IPv6 as [addr]:port)` };
    } else if (colons === 1) {
      const idx = rest.indexOf(":");
      host = rest.slice(0, idx);
      portText = rest.slice(idx + 1);
    } else host = rest;
  }
  if (host === "") return { ok: false, message: `expected a host name, got "${service}"` };
  if (!ipv6 && !HOSTNAME.test(host)) return { ok: false, message: `expected a DNS name or IP address, got "${host}"` };
  let port;
  if (portText !== void 0) {
    if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535)
      return { ok: false, message: `expected a port from 1 to 65535, got "${portText}"` };
    port = Number(portText);
  }
  const isIp = ipv6 || isIPv4(host);
  return { ok: true, value: { scheme, host, port, isIp, ipv6 } };
}

// packages/core/src/util/duration.ts
function parseDurationMs(v) {
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? Math.round(v * 1e3) : void 0;
  if (typeof v !== "string") return void 0;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1e3);
  const re = /(\d+(?:\.\d+)?)(ms|us|µs|ns|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const n = Number(m[1]);
    const unit = m[2];
    total += unit === "h" ? n * 36e5 : unit === "m" ? n * 6e4 : unit === "s" ? n * 1e3 : unit === "ms" ? n : n / 1e3;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== s.length) return void 0;
  return Math.round(total);
}

// packages/core/src/validate/regex.ts
import { RE2JS } from "re2js";
var DEFAULT_REGEX_MAX_SIZE = 200;
function checkRegex(pattern, maxProgramSize) {
  let re;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    const msg = err.message.replace(/^error parsing regexp: /, "");
    return `expected an RE2 regular expression, got "${pattern}" (${msg})`;
  }
  const size = re.programSize();
  if (size > maxProgramSize)
    return `regular expression "${pattern.length > 60 ? `${pattern.slice(0, 57)}...` : pattern}" has program size ${size}, over the limit of ${maxProgramSize} (Module regex_max_size)`;
  return void 0;
}

// packages/core/src/validate/mapping.ts
var RESOLVERS = /* @__PURE__ */ new Set(["kubernetes-service", "kubernetes-endpoint"]);
var RETRY_ON = /* @__PURE__ */ new Set([
  "5xx",
  "gateway-error",
  "connect-failure",
  "retriable-4xx",
  "refused-stream",
  "retriable-status-codes",
  "reset",
  "cancelled",
  "deadline-exceeded",
  "internal",
  "resource-exhausted",
  "unavailable"
]);
var REDIRECT_CODES = /* @__PURE__ */ new Set([301, 302, 303, 307, 308]);
var HEADER_NAME = /^:?[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
function validateMapping(m, rep, ctx) {
  const s = m.spec;
  if (s.prefixRegex && s.prefixExact)
    rep.error("spec.prefix_exact", "prefix_regex and prefix_exact are mutually exclusive; set at most one");
  if (typeof s.prefix === "string") {
    if (s.prefixRegex) {
      const err = checkRegex(s.prefix, ctx.regexMaxSize);
      if (err) rep.error("spec.prefix", err, "invalid-regex");
    } else if (!s.prefix.startsWith("/")) {
      rep.error("spec.prefix", `expected a path starting with "/", got "${s.prefix}"`);
    }
  }
  if (typeof s.service === "string") {
    const parsed = parseService(s.service);
    if (!parsed.ok) rep.error("spec.service", parsed.message, "invalid-service");
  }
  if (s.hostname !== void 0 && typeof s.hostname === "string") {
    const err = checkHostGlob(s.hostname);
    if (err) rep.error("spec.hostname", err);
  }
  if (typeof s.host === "string") {
    if (s.hostRegex) {
      const err = checkRegex(s.host, ctx.regexMaxSize);
      if (err) rep.error("spec.host", err, "invalid-regex");
    }
    if (s.hostname !== void 0)
      rep.warn("spec.host", "both host and hostname are set; host decides the :authority match", "conflicting-fields");
  }
  if (typeof s.method === "string" && s.methodRegex) {
    const err = checkRegex(s.method, ctx.regexMaxSize);
    if (err) rep.error("spec.method", err, "invalid-regex");
  } else if (typeof s.method === "string" && !/^[A-Za-z]+$/.test(s.method)) {
    rep.error("spec.method", `expected an HTTP method such as GET or POST, got "${s.method}"`);
  }
  for (const field of ["headers", "regexHeaders"]) {
    const map = s[field];
    if (!isPlainObject(map)) continue;
    for (const [name, value] of Object.entries(map)) {
      if (!HEADER_NAME.test(name))
        rep.error(`spec.${snake(field)}["${name}"]`, `expected a header name, got "${name}"`);
      if (field === "regexHeaders" && typeof value === "string") {
        const err = checkRegex(value, ctx.regexMaxSize);
        if (err) rep.error(`spec.regex_headers["${name}"]`, err, "invalid-regex");
      }
      if (field === "headers" && value === false)
        rep.error(`spec.headers["${name}"]`, "expected a string value or true (header present), got false");
    }
  }
  for (const field of ["queryParameters", "regexQueryParameters"]) {
    const map = s[field];
    if (!isPlainObject(map)) continue;
    for (const [name, value] of Object.entries(map)) {
      if (field === "regexQueryParameters" && typeof value === "string") {
        const err = checkRegex(value, ctx.regexMaxSize);
        if (err) rep.error(`spec.regex_query_parameters["${name}"]`, err, "invalid-regex");
      }
      if (field === "queryParameters" && value === false)
        rep.error(
          `spec.query_parameters["${name}"]`,
          "expected a string value or true (parameter present), got false"
        );
    }
  }
  if (s.regexRewrite) {
    const err = checkRegex(s.regexRewrite.pattern, ctx.regexMaxSize);
    if (err) rep.error("spec.regex_rewrite.pattern", err, "invalid-regex");
    if (s.rewrite !== void 0 && s.rewrite !== "/" && s.rewrite !== "")
      rep.notice(
        "spec.rewrite",
        "both rewrite and regex_rewrite are set: using regex_rewrite and ignoring rewrite",
        "conflicting-fields"
      );
  }
  if (typeof s.rewrite === "string" && !s.regexRewrite && !s.prefixRegex && !s.prefixExact && typeof s.prefix === "string" && !s.prefix.endsWith("/") && s.rewrite.endsWith("/") && s.rewrite !== "") {
    rep.warn(
      "spec.rewrite",
      `prefix "${s.prefix}" has no trailing "/" but rewrite "${s.rewrite}" has one: "${s.prefix}/x" becomes "${s.rewrite}/x"; end both with "/" or neither`,
      "rewrite-slash"
    );
  }
  if (s.hostRedirect) {
    const forms = ["pathRedirect", "prefixRedirect", "regexRedirect"].filter((f) => s[f] !== void 0);
    if (forms.length > 1)
      rep.warn(
        `spec.${snake(forms[1])}`,
        `${forms.map(snake).join(", ")} are mutually exclusive; using ${snake(forms[0])} (precedence path_redirect > prefix_redirect > regex_redirect)`,
        "conflicting-fields"
      );
    if (s.regexRedirect) {
      const err = checkRegex(s.regexRedirect.pattern, ctx.regexMaxSize);
      if (err) rep.error("spec.regex_redirect.pattern", err, "invalid-regex");
    }
    if (s.shadow) rep.warn("spec.host_redirect", "shadow and host_redirect are both set; shadow wins", "conflicting-fields");
  } else {
    for (const f of ["pathRedirect", "prefixRedirect", "regexRedirect", "redirectResponseCode"])
      if (s[f] !== void 0) rep.warn(`spec.${snake(f)}`, `${snake(f)} has no effect without host_redirect: true`);
  }
  if (s.redirectResponseCode !== void 0 && !REDIRECT_CODES.has(s.redirectResponseCode))
    rep.error(
      "spec.redirect_response_code",
      `expected one of 301, 302, 303, 307, 308, got ${s.redirectResponseCode}`
    );
  if (s.retryPolicy) validateRetryPolicy(s.retryPolicy, "spec.retry_policy", rep);
  if (s.cors) validateCors(s.cors, "spec.cors", rep);
  if (s.circuitBreakers) validateCircuitBreakers(s.circuitBreakers, "spec.circuit_breakers", rep);
  const resolver = s.resolver ?? ctx.defaultResolver;
  if (s.resolver !== void 0 && !RESOLVERS.has(s.resolver))
    rep.error(
      "spec.resolver",
      `unknown resolver "${s.resolver}" (expected kubernetes-service or kubernetes-endpoint; resolver resources are not supported)`,
      "unknown-resolver"
    );
  if (s.loadBalancer) validateLoadBalancer(s.loadBalancer, "spec.load_balancer", resolver, rep);
  if (s.healthChecks !== void 0 && resolver !== "kubernetes-endpoint")
    rep.error(
      "spec.health_checks",
      "health_checks need endpoint discovery: set resolver: kubernetes-endpoint (Emissary silently ignores them with the service resolver)",
      "unsupported-field"
    );
  for (const [f, why] of [
    ["envoyOverride", "raw Envoy configuration is not supported (Emissary accepts and ignores it)"],
    ["modules", "per-Mapping modules are not supported (Emissary accepts and ignores them)"],
    ["errorResponseOverrides", "error_response_overrides is not supported"],
    ["outlierDetection", "outlier_detection is not supported"]
  ]) {
    if (s[f] !== void 0) rep.error(`spec.${snake(f)}`, why, "unsupported-field");
  }
  if (s.bypassErrorResponseOverrides !== void 0)
    rep.notice("spec.bypass_error_response_overrides", "error response overrides are not supported; ignored");
  if (s.docs !== void 0) rep.notice("spec.docs", "docs is for the Dev Portal; ignored", "ignored-field");
  if (s.priority !== void 0 && !/^(default|high)$/i.test(s.priority))
    rep.error("spec.priority", `expected default or high, got "${s.priority}"`);
  for (const f of ["addRequestHeaders", "addResponseHeaders"]) {
    const map = s[f];
    if (!isPlainObject(map)) continue;
    for (const name of Object.keys(map))
      if (!HEADER_NAME.test(name) || name.startsWith(":"))
        rep.error(`spec.${snake(f)}["${name}"]`, `expected a header name, got "${name}"`);
  }
  if (s.allowUpgrade)
    s.allowUpgrade.forEach((u, i) => {
      if (!/^[A-Za-z0-9._-]+$/.test(u))
        rep.error(`spec.allow_upgrade[${i}]`, `expected a protocol token such as websocket, got "${u}"`);
    });
  if (s.weight !== void 0 && s.shadow !== true && s.weight === 0)
    rep.notice("spec.weight", "weight 0 receives no traffic", "zero-weight");
  if (s.labels) {
    for (const domain of Object.keys(s.labels))
      if (domain === "") rep.error("spec.labels", "expected a non-empty rate-limit domain name");
  }
}
function validateTCPMapping(m, rep) {
  const s = m.spec;
  if (typeof s.service === "string") {
    const parsed = parseService(s.service);
    if (!parsed.ok) rep.error("spec.service", parsed.message, "invalid-service");
    else if (parsed.value.port === void 0)
      rep.error("spec.service", `expected host:port (TCPMapping services need a port), got "${s.service}"`);
  }
  if (s.circuitBreakers) validateCircuitBreakers(s.circuitBreakers, "spec.circuit_breakers", rep);
  if (s.resolver !== void 0 && !RESOLVERS.has(s.resolver))
    rep.error("spec.resolver", `unknown resolver "${s.resolver}" (expected kubernetes-service or kubernetes-endpoint)`);
  if (typeof s.host === "string") {
    const err = checkHostGlob(s.host);
    if (err) rep.error("spec.host", err);
  }
}
function validateRetryPolicy(p, path, rep) {
  if (typeof p.retryOn === "string") {
    for (const cond of p.retryOn.split(",").map((x) => x.trim()))
      if (!RETRY_ON.has(cond))
        rep.error(`${path}.retry_on`, `expected one of ${[...RETRY_ON].join(", ")}, got "${cond}"`);
  }
  if (p.perTryTimeout !== void 0 && parseDurationMs(p.perTryTimeout) === void 0)
    rep.error(`${path}.per_try_timeout`, `expected a duration such as "0.5s" or "250ms", got "${p.perTryTimeout}"`);
}
function validateCors(c, path, rep) {
  const origins = typeof c.origins === "string" ? c.origins.split(",") : Array.isArray(c.origins) ? c.origins : [];
  origins.forEach((o, i) => {
    if (typeof o !== "string") return;
    const t = o.trim();
    if (t === "*") return;
    const stars = t.split("*").length - 1;
    if (stars > 1) rep.error(`${path}.origins[${i}]`, `expected an origin with at most one "*" wildcard, got "${t}"`);
    else if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]+$/i.test(t) && !/^\*\.[^/]+$/.test(t) && !/^[^/:]+$/.test(t))
      rep.error(`${path}.origins[${i}]`, `expected an origin such as https://app.example.com, got "${t}"`);
  });
  if (c.maxAge !== void 0 && !/^\d+$/.test(String(c.maxAge)))
    rep.error(`${path}.max_age`, `expected a number of seconds, got ${JSON.stringify(c.maxAge)}`);
}
function validateCircuitBreakers(list3, path, rep) {
  const seen = /* @__PURE__ */ new Set();
  list3.forEach((cb, i) => {
    const p = cb?.priority ?? "default";
    if (seen.has(p)) rep.error(`${path}[${i}].priority`, `expected at most one circuit breaker per priority; "${p}" repeats`);
    seen.add(p);
  });
}
function validateLoadBalancer(lb, path, resolver, rep) {
  const sources = ["cookie", "header", "sourceIp"].filter((k) => lb[k] !== void 0 && lb[k] !== false);
  if (lb.policy === "round_robin" || lb.policy === "least_request") {
    if (sources.length > 0)
      rep.error(`${path}.${snake(sources[0])}`, `${lb.policy} takes no hash source; only ring_hash and maglev hash on ${sources.map(snake).join(", ")}`);
  } else if (lb.policy === "ring_hash" || lb.policy === "maglev") {
    if (sources.length !== 1)
      rep.error(
        path,
        `${lb.policy} needs exactly one hash source (cookie, header or source_ip), got ${sources.length === 0 ? "none" : sources.map(snake).join(" and ")}`
      );
  }
  if (lb.policy !== void 0 && lb.policy !== "round_robin" && resolver !== "kubernetes-endpoint")
    rep.error(
      `${path}.policy`,
      `load_balancer policy ${lb.policy} is not allowed with the ${resolver} resolver: hashing and least-request need every endpoint (EDS); set resolver: kubernetes-endpoint or use round_robin`,
      "lb-needs-endpoints"
    );
}
function snake(camel) {
  return camel.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

// packages/core/src/validate/kinds.ts
function validateHost(h, rep) {
  const s = h.spec;
  if (typeof s.hostname === "string") {
    const err = checkHostGlob(s.hostname);
    if (err) rep.error("spec.hostname", err);
  }
  if (s.acmeProvider !== void 0)
    rep.notice("spec.acmeProvider", "ACME is an Edge Stack feature; ignored (provide tlsSecret instead)", "ignored-field");
  if (s.tlsContext && s.tls)
    rep.error("spec.tls", "tls and tlsContext are mutually exclusive; set at most one");
}
function validateListener(l, rep) {
  const s = l.spec;
  if (s.protocol === void 0 && s.protocolStack === void 0)
    rep.error("spec.protocol", "required field is missing (expected one of HTTP, HTTPS, HTTPPROXY, HTTPSPROXY, TCP, TLS, UDP, or protocolStack)");
  if (s.protocol !== void 0 && s.protocolStack !== void 0)
    rep.error("spec.protocolStack", "protocol and protocolStack are mutually exclusive; set at most one");
  if (s.hostBinding === void 0)
    rep.error("spec.hostBinding", "required field is missing (expected {namespace: {from: ALL|SELF}} or {selector: \u2026})");
  if (s.protocol === "UDP" || s.protocolStack?.includes("UDP"))
    rep.error("spec.protocol", "UDP listeners are not supported (HTTP/3 is not implemented)", "unsupported-field");
}
function validateModule(m, rep) {
  if (m.metadata.name !== "ambassador") {
    rep.notice("metadata.name", `only the Module named "ambassador" configures the gateway; Module "${m.metadata.name}" ignored`, "ignored-module");
    return;
  }
  const c = m.spec.config ?? {};
  if (c.retryPolicy) validateRetryPolicy(c.retryPolicy, "spec.config.retry_policy", rep);
  if (c.cors) validateCors(c.cors, "spec.config.cors", rep);
  if (Array.isArray(c.circuitBreakers)) validateCircuitBreakers(c.circuitBreakers, "spec.config.circuit_breakers", rep);
  if (c.loadBalancer)
    validateLoadBalancer(c.loadBalancer, "spec.config.load_balancer", String(c.resolver ?? "kubernetes-service"), rep);
  if (typeof c.resolver === "string" && c.resolver !== "kubernetes-service" && c.resolver !== "kubernetes-endpoint")
    rep.error("spec.config.resolver", `unknown resolver "${c.resolver}" (expected kubernetes-service or kubernetes-endpoint)`);
  for (const f of ["ipAllow", "ipDeny"]) {
    const list3 = c[f];
    if (!Array.isArray(list3)) continue;
    list3.forEach((p, i) => {
      const cidr = p?.peer ?? p?.remote;
      if (typeof cidr === "string" && !isCidr(cidr))
        rep.error(`spec.config.${f === "ipAllow" ? "ip_allow" : "ip_deny"}[${i}]`, `expected an IP address or CIDR, got "${cidr}"`);
    });
  }
}
function isCidr(s) {
  const [ip, bits, extra] = s.split("/");
  if (extra !== void 0 || ip === void 0) return false;
  const v6 = isIPv6(ip);
  if (!v6 && !isIPv4(ip)) return false;
  if (bits === void 0) return true;
  if (!/^\d+$/.test(bits)) return false;
  return Number(bits) <= (v6 ? 128 : 32);
}
function validateAuthService(a, rep) {
  const s = a.spec;
  if (typeof s.authService === "string") {
    const p = parseService(s.authService);
    if (!p.ok) rep.error("spec.auth_service", p.message, "invalid-service");
  }
  if (s.proto === "grpc" && s.protocolVersion !== "v3")
    rep.error("spec.protocol_version", `gRPC auth services must use protocol_version: v3, got ${s.protocolVersion ?? "nothing (v2)"}`);
  if (s.proto !== "grpc" && s.protocolVersion === "v2")
    rep.notice("spec.protocol_version", "protocol_version v2 is obsolete; treated as v3");
  if (s.circuitBreakers) validateCircuitBreakers(s.circuitBreakers, "spec.circuit_breakers", rep);
}
function validateRateLimitService(r2, rep) {
  const s = r2.spec;
  if (typeof s.service === "string") {
    const p = parseService(s.service);
    if (!p.ok) rep.error("spec.service", p.message, "invalid-service");
  }
  if (s.protocolVersion === "v2")
    rep.error("spec.protocol_version", "expected protocol_version: v3 (the v2 rate-limit protocol is gone from Envoy)");
}
function validateTLSContext(t, rep) {
  const s = t.spec;
  const hasCert = s.secret !== void 0 || s.certChainFile !== void 0;
  if (s.hosts && s.hosts.length > 0 && !hasCert)
    rep.error("spec.secret", "a TLSContext that terminates TLS for hosts needs certificate material (secret or cert_chain_file + private_key_file)");
  if (s.certChainFile === void 0 !== (s.privateKeyFile === void 0))
    rep.error(s.certChainFile ? "spec.private_key_file" : "spec.cert_chain_file", "cert_chain_file and private_key_file must be set together");
  if (s.certRequired && !s.caSecret && !s.cacertChainFile)
    rep.error("spec.cert_required", "cert_required needs ca_secret or cacert_chain_file to verify client certificates");
  s.hosts?.forEach((h, i) => {
    const err = checkHostGlob(h);
    if (err) rep.error(`spec.hosts[${i}]`, err);
  });
}
var ALLOWED_ALGS = /* @__PURE__ */ new Set([
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "HS256",
  "HS384",
  "HS512"
]);
function validateJwtProvider(j, rep) {
  const s = j.spec;
  const preset = s.kubernetesServiceAccount !== void 0;
  if (!preset && s.issuer === void 0)
    rep.error("spec.issuer", "required field is missing (expected the token issuer URL, or use kubernetesServiceAccount)");
  if (!preset && s.jwksUri === void 0 && s.jwks === void 0)
    rep.error("spec.jwksUri", "expected one of jwksUri or jwks (or the kubernetesServiceAccount preset)");
  if (s.jwksUri !== void 0 && s.jwks !== void 0)
    rep.error("spec.jwks", "jwksUri and jwks are mutually exclusive; set one");
  const uri = s.jwksUri ?? s.kubernetesServiceAccount?.jwksUri;
  if (uri !== void 0) {
    let url;
    try {
      url = new URL(uri);
    } catch {
      url = void 0;
    }
    if (!url || url.protocol !== "https:" && url.protocol !== "http:")
      rep.error(s.jwksUri !== void 0 ? "spec.jwksUri" : "spec.kubernetesServiceAccount.jwksUri", `expected an http(s) URL, got "${uri}"`);
    else if (url.protocol === "http:")
      rep.warn("spec.jwksUri", "the JWKS is fetched over cleartext http; keys can be tampered with in transit");
  }
  if (typeof s.jwks === "string") {
    try {
      const parsed = JSON.parse(s.jwks);
      if (!Array.isArray(parsed?.keys)) rep.error("spec.jwks", 'expected a JWKS JSON object with a "keys" list');
    } catch {
      rep.error("spec.jwks", "expected JWKS JSON text, got text that is not JSON");
    }
  }
  if (preset && (!s.audiences || s.audiences.length === 0))
    rep.error("spec.audiences", "kubernetesServiceAccount tokens must be audience-bound: set audiences (e.g. the gateway URL)");
  s.algorithms?.forEach((a, i) => {
    if (a.toLowerCase() === "none") rep.error(`spec.algorithms[${i}]`, 'the "none" algorithm is never allowed');
    else if (!ALLOWED_ALGS.has(a)) rep.error(`spec.algorithms[${i}]`, `expected one of ${[...ALLOWED_ALGS].join(", ")}, got "${a}"`);
  });
  s.from?.forEach((loc, i) => {
    const n = ["header", "query", "cookie"].filter((k) => loc[k] !== void 0).length;
    if (n !== 1) rep.error(`spec.from[${i}]`, `expected exactly one of header, query or cookie, got ${n}`);
  });
}
function validateAuthorizationPolicy(p, rep) {
  const s = p.spec;
  s.rules?.forEach((r2, i) => {
    for (const f of ["paths", "notPaths"])
      r2[f]?.forEach((path, j) => {
        const stars = path.split("*").length - 1;
        if (path !== "*" && (stars > 1 || stars === 1 && !path.startsWith("*") && !path.endsWith("*")))
          rep.error(`spec.rules[${i}].${f}[${j}]`, `expected an exact path, a prefix "/a/*", a suffix "*.json" or "*", got "${path}"`);
        else if (stars === 0 && !path.startsWith("/"))
          rep.error(`spec.rules[${i}].${f}[${j}]`, `expected a path starting with "/", got "${path}"`);
      });
    for (const f of ["sourceIPs", "notSourceIPs"])
      r2[f]?.forEach((ip, j) => {
        if (!isCidr(ip)) rep.error(`spec.rules[${i}].${f}[${j}]`, `expected an IP address or CIDR, got "${ip}"`);
      });
    for (const f of ["methods", "notMethods"])
      r2[f]?.forEach((m, j) => {
        if (!/^[A-Z]+$/.test(m)) rep.error(`spec.rules[${i}].${f}[${j}]`, `expected an upper-case HTTP method, got "${m}"`);
      });
    r2.hosts?.forEach((h, j) => {
      const err = checkHostGlob(h);
      if (err) rep.error(`spec.rules[${i}].hosts[${j}]`, err);
    });
  });
  if (s.rules && s.rules.length === 0 && (s.action ?? "ALLOW") === "ALLOW")
    rep.notice("spec.rules", "an ALLOW policy without rules denies every request it applies to", "deny-all");
}

// packages/core/src/validate/report.ts
var Reporter = class {
  constructor(resource) {
    this.resource = resource;
  }
  resource;
  diagnostics = [];
  hasError = false;
  add(path, message, severity = "error", code = "invalid-value") {
    const r2 = this.resource;
    const source = locate(r2, path);
    this.diagnostics.push({
      resource: { kind: r2.kind, namespace: r2.metadata.namespace, name: r2.metadata.name },
      path,
      message,
      severity,
      code,
      ...source ? { source } : {}
    });
    if (severity === "error") this.hasError = true;
  }
  error(path, message, code) {
    this.add(path, message, "error", code);
  }
  warn(path, message, code) {
    this.add(path, message, "warning", code);
  }
  notice(path, message, code) {
    this.add(path, message, "notice", code);
  }
};
function diagFor(r2, path, message, severity, code) {
  const source = locate(r2, path);
  return {
    resource: { kind: r2.kind, namespace: r2.metadata.namespace, name: r2.metadata.name },
    path,
    message,
    severity,
    code,
    ...source ? { source } : {}
  };
}

// packages/core/src/validate/index.ts
var KEY = (r2) => `${r2.kind}\0${r2.metadata?.namespace}\0${r2.metadata?.name}`;
function displayPath(kind, path) {
  if (kind === "Host" || kind === "Listener" || kind === "JwtProvider" || kind === "AuthorizationPolicy") return path;
  return path.replace(/(^|\.)([a-zA-Z0-9]+)/g, (_m, dot, seg) => dot + snake(seg));
}
function validateAll(resources) {
  const diagnostics = [];
  const invalid = /* @__PURE__ */ new Set();
  const list3 = Array.isArray(resources) ? resources : [];
  const modules = list3.filter(
    (r2) => isResourceLike(r2) && r2.kind === "Module" && r2.metadata.name === "ambassador"
  );
  const sortedModules = [...modules].sort((a, b) => a.metadata.namespace.localeCompare(b.metadata.namespace));
  const module = sortedModules[0];
  for (const extra of sortedModules.slice(1)) {
    diagnostics.push(
      diagFor(
        extra,
        "",
        `more than one ambassador Module; using the one in namespace "${module.metadata.namespace}" and ignoring this one`,
        "error",
        "duplicate-module"
      )
    );
    invalid.add(extra);
  }
  const config = isPlainObject(module?.spec?.config) ? module.spec.config : {};
  const ctx = {
    regexMaxSize: typeof config.regexMaxSize === "number" && config.regexMaxSize > 0 ? config.regexMaxSize : DEFAULT_REGEX_MAX_SIZE,
    defaultResolver: typeof config.resolver === "string" ? config.resolver : "kubernetes-service"
  };
  const seen = /* @__PURE__ */ new Map();
  for (const r2 of list3) {
    if (!isResourceLike(r2)) {
      diagnostics.push({
        resource: { kind: "<unknown>", namespace: "", name: "" },
        path: "",
        message: "expected a resource object with kind, metadata and spec",
        severity: "error",
        code: "not-a-resource"
      });
      continue;
    }
    const key = KEY(r2);
    const first = seen.get(key);
    if (first) {
      const where = first.source ? ` at ${first.source.file ?? "-"}:${first.source.line}` : "";
      diagnostics.push(
        diagFor(r2, "metadata.name", `duplicate ${r2.kind} ${r2.metadata.namespace}/${r2.metadata.name} (first defined${where}); ignored`, "error", "duplicate-resource")
      );
      invalid.add(r2);
      continue;
    }
    seen.set(key, r2);
    if (invalid.has(r2)) continue;
    const rep = new Reporter(r2);
    validateOne(r2, rep, ctx);
    diagnostics.push(...rep.diagnostics);
    if (rep.hasError) invalid.add(r2);
  }
  return { diagnostics, invalid, module: module && !invalid.has(module) ? module : void 0 };
}
function isResourceLike(r2) {
  return isPlainObject(r2) && typeof r2.kind === "string" && isPlainObject(r2.metadata) && typeof r2.metadata.name === "string" && typeof r2.metadata.namespace === "string";
}
function validateOne(r2, rep, ctx) {
  const schema = SPEC_SCHEMAS[r2.kind];
  if (!schema) {
    rep.error("kind", `unknown kind "${r2.kind}"`, "unknown-kind");
    return;
  }
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(r2.metadata.name) || r2.metadata.name.length > 253)
    rep.warn("metadata.name", `expected a DNS subdomain name (lower-case letters, digits, '-', '.'), got "${r2.metadata.name}"`);
  const issues = [];
  checkValue(r2.spec, schema, "spec", issues);
  for (const i of issues) rep.add(displayPath(r2.kind, i.path), i.message, i.severity, i.code);
  if (rep.hasError) return;
  switch (r2.kind) {
    case "Mapping":
      validateMapping(r2, rep, ctx);
      break;
    case "TCPMapping":
      validateTCPMapping(r2, rep);
      break;
    case "Host":
      validateHost(r2, rep);
      break;
    case "Listener":
      validateListener(r2, rep);
      break;
    case "Module":
      validateModule(r2, rep);
      break;
    case "AuthService":
      validateAuthService(r2, rep);
      break;
    case "RateLimitService":
      validateRateLimitService(r2, rep);
      break;
    case "TLSContext":
      validateTLSContext(r2, rep);
      break;
    case "JwtProvider":
      validateJwtProvider(r2, rep);
      break;
    case "AuthorizationPolicy":
      validateAuthorizationPolicy(r2, rep);
      break;
  }
}

// packages/core/src/compile/clusters.ts
import { createHash as createHash2 } from "node:crypto";

// packages/core/src/compile/secrets.ts
function secretRef(ref, namespace, namespacing = true) {
  if (namespacing && ref.includes(".")) {
    const dot = ref.lastIndexOf(".");
    return { name: ref.slice(0, dot), namespace: ref.slice(dot + 1) };
  }
  return { name: ref, namespace };
}
function kubernetesSecret(ctx, namespace, name) {
  return ctx.addSecret({ name: `${namespace}/${name}`, kubernetesSecret: { namespace, name } });
}
function tlsContextSecrets(ctx, t) {
  const s = t.spec;
  const ns = t.metadata.namespace;
  const out = {};
  if (s.secret) {
    const ref = secretRef(s.secret, ns, s.secretNamespacing !== false);
    out.certificate = kubernetesSecret(ctx, ref.namespace, ref.name);
  } else if (s.certChainFile && s.privateKeyFile) {
    out.certificate = ctx.addSecret({
      name: `file:${ns}/${t.metadata.name}`,
      certificateChain: { file: s.certChainFile },
      privateKey: { file: s.privateKeyFile }
    });
  }
  if (s.caSecret) {
    const ref = secretRef(s.caSecret, ns, s.secretNamespacing !== false);
    out.ca = kubernetesSecret(ctx, ref.namespace, ref.name);
  } else if (s.cacertChainFile) {
    out.ca = ctx.addSecret({ name: `file-ca:${ns}/${t.metadata.name}`, trustedCa: { file: s.cacertChainFile } });
  }
  return out;
}

// packages/core/src/compile/clusters.ts
var SANITIZE = /[^0-9A-Za-z_]/g;
function breakerName(cb) {
  let name = "cb";
  name += cb.priority ? cb.priority.toLowerCase()[0] : "n";
  if (cb.maxConnections !== void 0) name += `c${cb.maxConnections}`;
  if (cb.maxPendingRequests !== void 0) name += `p${cb.maxPendingRequests}`;
  if (cb.maxRequests !== void 0) name += `r${cb.maxRequests}`;
  if (cb.maxRetries !== void 0) name += `t${cb.maxRetries}`;
  return name;
}
function qualifyService(service, namespace, gatewayNamespace, skip) {
  if (skip || namespace === gatewayNamespace) return service;
  const parsed = parseService(service);
  if (!parsed.ok) return service;
  const { host, isIp } = parsed.value;
  if (isIp || host.includes(".") || host === "localhost") return service;
  const schemeEnd = service.indexOf("://");
  const start = schemeEnd >= 0 ? schemeEnd + 3 : 0;
  const hostStart = service.indexOf(host, start);
  return service.slice(0, hostStart + host.length) + `.${namespace}` + service.slice(hostStart + host.length);
}
function buildCluster(ctx, req2) {
  const skipQualify = req2.noQualify || ctx.module.useAmbassadorNamespaceForServiceResolution === true;
  const service = qualifyService(req2.service.trim(), req2.namespace, ctx.gatewayNamespace, skipQualify);
  const parsed = parseService(service);
  if (!parsed.ok) {
    ctx.report(req2.owner, req2.path, parsed.message, "error", "invalid-service");
    return void 0;
  }
  const svc = parsed.value;
  const fields = ["cluster"];
  if (req2.marker) fields.push(req2.marker);
  fields.push(service);
  let tlsCtx;
  if (typeof req2.tls === "string") {
    tlsCtx = ctx.tlsContexts.get(req2.tls);
    if (!tlsCtx) {
      ctx.report(req2.owner, "spec.tls", `TLSContext "${req2.tls}" is not defined`, "error", "unknown-tls-context");
      return void 0;
    }
  }
  let originate = false;
  if (svc.scheme === "https") {
    originate = true;
    fields.push("otls");
  } else if (svc.scheme === "http") {
    if (tlsCtx || req2.tls === true) {
      ctx.report(
        req2.owner,
        "spec.tls",
        `service ${req2.service} says http:// but a TLS context is set; originating TLS anyway (drop the scheme or the context)`,
        "warning",
        "tls-scheme-conflict"
      );
      originate = true;
      fields.push("otls");
    }
  } else if (tlsCtx || req2.tls === true) {
    originate = true;
    fields.push("otls");
    if (tlsCtx) fields.push(tlsCtx.metadata.name);
  }
  if (originate && req2.hostRewrite) fields.push(`hr-${req2.hostRewrite}`);
  fields.push(req2.namespace);
  const breakers = req2.circuitBreakers ?? [];
  for (const cb of breakers) fields.push(breakerName(cb));
  const endpoint = req2.resolver === "kubernetes-endpoint";
  const lb = req2.loadBalancer;
  if (endpoint && lb) {
    const key = ["er", lb.policy.toLowerCase()];
    if (lb.header) key.push("hdr", lb.header);
    if (lb.cookie) key.push("cookie", lb.cookie.name);
    if (lb.sourceIp) key.push("srcip");
    fields.push(key.join("-"));
  }
  const name = fields.join("_").replace(SANITIZE, "_");
  const port = svc.port ?? (originate ? 443 : 80);
  let discovery;
  if (svc.isIp) {
    discovery = {
      kind: "static",
      endpoints: [{ address: svc.host, port, weight: 1, zone: "", health: "unknown" }]
    };
  } else if (endpoint) {
    const [svcName = svc.host, ns = req2.namespace] = svc.host.split(".");
    discovery = { kind: "eds", serviceName: `k8s/${ns}/${svcName}/${port}`, endpoints: [] };
  } else {
    discovery = {
      kind: "dns",
      host: svc.host,
      port,
      mode: req2.dnsType === "logical_dns" ? "logical" : "strict",
      respectDnsTtl: req2.respectDnsTtl === true
    };
  }
  let tls;
  if (originate) {
    const secrets = tlsCtx ? tlsContextSecrets(ctx, tlsCtx) : {};
    tls = {
      sni: tlsCtx?.spec.sni || (svc.isIp ? void 0 : svc.host),
      ...secrets.certificate ? { clientSecret: secrets.certificate } : {},
      ...secrets.ca ? { caSecret: secrets.ca } : {},
      verify: true,
      alpnProtocols: splitAlpn(tlsCtx?.spec.alpnProtocols)
    };
    if (tls.sni === void 0) delete tls.sni;
  }
  const v4 = req2.enableIpv4 ?? ctx.module.enableIpv4 ?? true;
  const v6 = req2.enableIpv6 ?? ctx.module.enableIpv6 ?? false;
  const cluster = {
    name,
    service: `${svc.ipv6 ? `[${svc.host}]` : svc.host}:${port}`,
    discovery,
    protocol: req2.grpc ? "http2" : "http1",
    ...tls ? { tls } : {},
    lbPolicy: endpoint && lb ? lb.policy : "round_robin",
    connectTimeoutMs: req2.connectTimeoutMs ?? 3e3,
    idleTimeoutMs: req2.idleTimeoutMs ?? 0,
    maxConnectionLifetimeMs: req2.maxConnectionLifetimeMs ?? 0,
    circuitBreakers: breakers.map(toIRBreaker),
    healthChecks: (endpoint ? req2.healthChecks ?? [] : []).map(toIRHealthCheck),
    ...req2.keepalive ? { tcpKeepalive: toKeepalive(req2.keepalive) } : {},
    dnsLookupFamily: v4 && v6 ? "auto" : v6 ? "v6" : "v4",
    statsName: req2.statsName ?? service.replace(/^https?:\/\//i, "").replace(SANITIZE, "_")
  };
  return ctx.addCluster(cluster, req2.owner, req2.path);
}
function splitAlpn(v) {
  if (v === void 0) return [];
  const list3 = Array.isArray(v) ? v : v.split(",");
  return list3.map((x) => x.trim()).filter((x) => x !== "");
}
function toIRBreaker(cb) {
  return {
    priority: cb.priority === "high" ? "high" : "default",
    maxConnections: cb.maxConnections ?? 1024,
    maxPendingRequests: cb.maxPendingRequests ?? 1024,
    maxRequests: cb.maxRequests ?? 1024,
    maxRetries: cb.maxRetries ?? 3
  };
}
function toKeepalive(k) {
  const out = {};
  if (k.probes !== void 0) out.probes = k.probes;
  if (k.idleTime !== void 0) out.idleTimeS = k.idleTime;
  if (k.interval !== void 0) out.intervalS = k.interval;
  return out;
}
function toIRHealthCheck(h) {
  const hc = h.healthCheck;
  let check;
  if (hc.http) {
    const statuses = hc.http.expectedStatuses ?? [];
    check = {
      kind: "http",
      path: String(hc.http.path),
      ...typeof hc.http.hostname === "string" ? { host: hc.http.hostname } : {},
      expectedStatuses: statuses.length > 0 ? statuses.map((s) => [s.min, s.max]) : [[200, 299]]
    };
  } else if (hc.grpc) {
    check = {
      kind: "grpc",
      serviceName: String(hc.grpc.upstreamName),
      ...typeof hc.grpc.authority === "string" ? { authority: hc.grpc.authority } : {}
    };
  } else check = { kind: "tcp" };
  return {
    timeoutMs: parseDurationMs(h.timeout) ?? 3e3,
    intervalMs: parseDurationMs(h.interval) ?? 5e3,
    unhealthyThreshold: h.unhealthyThreshold ?? 2,
    healthyThreshold: h.healthyThreshold ?? 1,
    check
  };
}
function shortenClusterNames(names) {
  const long = [...names].filter((n) => n.length > 60).sort();
  const byShort = /* @__PURE__ */ new Map();
  for (const n of long) {
    const short = `${n.slice(0, 40)}-${createHash2("sha1").update(n).digest("hex").slice(0, 16).toUpperCase()}`;
    const list3 = byShort.get(short) ?? [];
    list3.push(n);
    byShort.set(short, list3);
  }
  const out = /* @__PURE__ */ new Map();
  for (const [short, list3] of byShort) list3.forEach((n, i) => out.set(n, `${short}-${i}`));
  return out;
}

// packages/core/src/compile/context.ts
var CompileContext = class {
  constructor(gatewayNamespace, module, settings) {
    this.gatewayNamespace = gatewayNamespace;
    this.module = module;
    this.settings = settings;
  }
  gatewayNamespace;
  module;
  settings;
  diagnostics = [];
  clusters = /* @__PURE__ */ new Map();
  secrets = /* @__PURE__ */ new Map();
  /** TLSContexts by name (names are global in Ambassador). */
  tlsContexts = /* @__PURE__ */ new Map();
  report(r2, path, message, severity, code) {
    this.diagnostics.push(diagFor(r2, path, message, severity, code));
  }
  /**
   * Registers a cluster. Clusters are shared by name (as in Emissary); when a later resource
   * builds the same name with different settings, the first definition is kept and the
   * difference reported, so output never depends on which resource won silently.
   */
  addCluster(cluster, owner, path) {
    const existing = this.clusters.get(cluster.name);
    if (!existing) {
      this.clusters.set(cluster.name, { cluster, owner });
      return cluster.name;
    }
    if (stableStringify(existing.cluster) !== stableStringify(cluster)) {
      const diff = Object.keys(cluster).filter(
        (k) => stableStringify(cluster[k]) !== stableStringify(existing.cluster[k])
      );
      const o = existing.owner;
      this.report(
        owner,
        path,
        `cluster ${cluster.name} is also built by ${o.kind} ${o.metadata.namespace}/${o.metadata.name} with different ${diff.join(", ")}; using that definition (give one of them a cluster_tag to separate them)`,
        "warning",
        "cluster-conflict"
      );
    }
    return cluster.name;
  }
  addSecret(secret) {
    if (!this.secrets.has(secret.name)) this.secrets.set(secret.name, secret);
    return secret.name;
  }
};

// packages/core/src/compile/mapping-info.ts
import { createHash as createHash3 } from "node:crypto";
var DEFAULTABLE = ["addRequestHeaders", "addResponseHeaders", "removeRequestHeaders", "removeResponseHeaders"];
function applyMappingDefaults(spec, module) {
  const d = module.defaults?.httpmapping;
  if (!d || typeof d !== "object") return spec;
  let out = spec;
  for (const k of DEFAULTABLE) {
    if (out[k] === void 0 && d[k] !== void 0) {
      if (out === spec) out = { ...spec };
      out[k] = d[k];
    }
  }
  return out;
}
function entryLength(e) {
  return e.name.length + (e.value ?? "*").length + (e.regex ? 1 : 0);
}
function mappingInfo(m, module, selectingHosts2) {
  const spec = applyMappingDefaults(m.spec, module);
  const headers = [];
  let host;
  let hostRegex = false;
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    if (value === true) headers.push({ name, regex: false });
    else {
      if (name.toLowerCase() === ":authority") {
        host = String(value);
        continue;
      }
      headers.push({ name, value: String(value), regex: false });
    }
  }
  for (const [name, value] of Object.entries(spec.regexHeaders ?? {})) headers.push({ name, value, regex: true });
  if (spec.host !== void 0) {
    host = spec.host;
    hostRegex = spec.hostRegex === true;
  } else if (spec.hostname !== void 0) {
    host = spec.hostname;
  }
  const authority = host !== void 0 ? { name: ":authority", value: host, regex: hostRegex } : void 0;
  if (authority) headers.push(authority);
  if (spec.method !== void 0) headers.push({ name: ":method", value: spec.method, regex: spec.methodRegex === true });
  const query = [];
  for (const [name, value] of Object.entries(spec.queryParameters ?? {}))
    query.push(value === true ? { name, regex: false } : { name, value: String(value), regex: false });
  for (const [name, value] of Object.entries(spec.regexQueryParameters ?? {})) query.push({ name, value, regex: true });
  const prefix = spec.prefix;
  const path = spec.prefixRegex ? { kind: "regex", value: prefix } : spec.prefixExact ? { kind: "exact", value: prefix } : spec.gatewaySdk?.prefixMatch === "segment" ? { kind: "segment-prefix", value: prefix } : { kind: "prefix", value: prefix };
  const precedence = spec.precedence ?? 0;
  const h = createHash3("sha1");
  h.update("HTTP-");
  h.update(spec.method || "GET");
  h.update(prefix);
  for (const e of headers) h.update(e.name + (e.value ?? ""));
  for (const e of query) h.update(e.name + (e.value ?? ""));
  if (host === void 0) {
    for (const hostRes of selectingHosts2(m)) {
      const labels = (hostRes.spec.mappingSelector ?? hostRes.spec.selector)?.matchLabels ?? {};
      for (const [k, v] of Object.entries(labels)) h.update(k + v);
    }
  }
  if (path.kind === "segment-prefix") h.update("\0segment");
  if (precedence !== 0) h.update(String(precedence));
  const groupId = h.digest("hex");
  const weighted = authority ? headers : [...headers, { name: ":authority", value: "*", regex: false }];
  const routeWeight = [
    precedence,
    prefix.length,
    weighted.reduce((n, e) => n + entryLength(e), 0),
    query.reduce((n, e) => n + entryLength(e), 0),
    prefix,
    spec.method ?? "GET",
    ...weighted.map((e) => `${e.name}-${e.value ?? "*"}`),
    ...query.map((e) => `${e.name}-${e.value ?? "*"}`)
  ];
  return {
    m,
    key: `${m.metadata.namespace}/${m.metadata.name}`,
    spec,
    path,
    caseSensitive: spec.caseSensitive !== false,
    host,
    hostRegex,
    headers,
    query,
    method: spec.method,
    precedence,
    groupId,
    routeWeight
  };
}
function compareWeights(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y2 = b[i];
    if (x === y2) continue;
    if (typeof x === "number" && typeof y2 === "number") return x - y2;
    const sx = String(x);
    const sy = String(y2);
    return sx < sy ? -1 : sx > sy ? 1 : 0;
  }
  return a.length - b.length;
}
function valueMatch(e, ignoreCase) {
  if (e.value === void 0) return void 0;
  if (e.regex) return e.value === ".*" ? void 0 : { regex: e.value };
  return ignoreCase ? { exact: e.value, ignoreCase: true } : { exact: e.value };
}
function headerMatchers(info) {
  const out = [];
  for (const e of info.headers) {
    if (e.name === ":authority") continue;
    const match = valueMatch(e, false);
    out.push({ name: e.name.toLowerCase(), ...match ? { match } : {} });
  }
  return out;
}
function queryMatchers(info) {
  return info.query.map((e) => {
    const match = valueMatch(e, false);
    return { name: e.name, ...match ? { match } : {} };
  });
}
function authorityMatcher(info) {
  if (info.host === void 0) return void 0;
  if (info.hostRegex) return { name: ":authority", match: { regex: info.host } };
  const g = parseHostGlob(info.host);
  switch (g.kind) {
    case "any":
      return void 0;
    case "exact":
      return { name: ":authority", match: { exact: g.value, ignoreCase: true } };
    case "suffix":
      return { name: ":authority", match: { suffix: g.value, ignoreCase: true } };
    case "prefix":
      return { name: ":authority", match: { prefix: g.value, ignoreCase: true } };
  }
}
function roundHalfEven(x) {
  const f = Math.floor(x);
  const diff = x - f;
  if (Math.abs(diff - 0.5) < 1e-9) return f % 2 === 0 ? f : f + 1;
  return Math.round(x);
}

// packages/core/src/compile/hosts.ts
function labelsMatch(selector, labels) {
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}
function selectingHosts(hosts) {
  const withSelector = hosts.filter((h) => h.matchLabels !== void 0);
  return (m) => withSelector.filter((h) => labelsMatch(h.matchLabels, m.metadata.labels ?? {})).map((h) => h.h);
}
function tlsVersion2(v) {
  return v === "v1.0" || v === "v1.1" || v === "v1.2" || v === "v1.3" ? v : void 0;
}
function alpn(v) {
  if (v === void 0) return ["h2", "http/1.1"];
  return (Array.isArray(v) ? v : v.split(",")).map((x) => x.trim()).filter((x) => x !== "");
}
function hostInfos(hosts, ctx) {
  const contexts = [...ctx.tlsContexts.values()];
  return hosts.map((h) => {
    const s = h.spec;
    const hostname = s.hostname ?? "*";
    const sel = (s.mappingSelector ?? s.selector)?.matchLabels;
    let tlsCtx;
    if (s.tlsContext) {
      tlsCtx = ctx.tlsContexts.get(s.tlsContext.name);
      if (!tlsCtx)
        ctx.report(h, "spec.tlsContext.name", `TLSContext "${s.tlsContext.name}" is not defined`, "error", "unknown-tls-context");
    } else if (hostname !== "*") {
      tlsCtx = contexts.find((c) => (c.spec.hosts ?? []).some((x) => x === hostname));
    }
    let secret;
    let ca;
    if (s.tlsSecret) secret = kubernetesSecret(ctx, s.tlsSecret.namespace ?? h.metadata.namespace, s.tlsSecret.name);
    if (tlsCtx) {
      const sec = tlsContextSecrets(ctx, tlsCtx);
      secret ??= sec.certificate;
      ca = sec.ca;
    }
    if (s.tls?.caSecret) ca = kubernetesSecret(ctx, h.metadata.namespace, s.tls.caSecret);
    let tls;
    if (secret) {
      const t = tlsCtx?.spec;
      const inline = s.tls;
      const minVersion = tlsVersion2(inline?.minTlsVersion ?? t?.minTlsVersion);
      const maxVersion = tlsVersion2(inline?.maxTlsVersion ?? t?.maxTlsVersion);
      const cipherSuites = inline?.cipherSuites ?? t?.cipherSuites;
      const ecdhCurves = inline?.ecdhCurves ?? t?.ecdhCurves;
      tls = {
        serverNames: hostname === "*" ? [] : [hostname.replace(/:\d+$/, "")],
        secret,
        ...minVersion ? { minVersion } : {},
        ...maxVersion ? { maxVersion } : {},
        alpnProtocols: alpn(inline?.alpnProtocols ?? t?.alpnProtocols),
        ...cipherSuites ? { cipherSuites } : {},
        ...ecdhCurves ? { ecdhCurves } : {},
        ...ca ? { clientCaSecret: ca } : {},
        requireClientCertificate: (inline?.certRequired ?? t?.certRequired) === true
      };
    } else if (s.tls || s.tlsContext) {
      ctx.report(h, "spec.tlsSecret", "TLS settings without a certificate: set tlsSecret (or a TLSContext with secret)", "warning", "tls-without-cert");
    }
    const action = s.requestPolicy?.insecure?.action;
    const insecure = action === "Route" ? "route" : action === "Reject" ? "reject" : action === "Redirect" ? "redirect" : tls ? "redirect" : "route";
    return { h, hostname, ...sel && Object.keys(sel).length > 0 ? { matchLabels: sel } : {}, ...tls ? { tls } : {}, insecure };
  });
}
function hostAttaches(host, group) {
  const p = group.primary;
  if (p.hostRegex) return true;
  const labels = p.m.metadata.labels ?? {};
  if (host.matchLabels && p.host !== void 0)
    return labelsMatch(host.matchLabels, labels) && hostGlobsOverlap(host.hostname, p.host);
  if (host.matchLabels) return labelsMatch(host.matchLabels, labels);
  if (p.host !== void 0) return hostGlobsOverlap(host.hostname, p.host);
  return false;
}
function routesFor(group, domain) {
  const p = group.primary;
  if (p.host === void 0) return group.routes;
  if (!p.hostRegex && hostGlobCovers(p.host, domain)) return group.routes;
  const auth = authorityMatcher(p);
  if (!auth) return group.routes;
  return group.routes.map((r2) => ({ ...r2, match: { ...r2.match, headers: [auth, ...r2.match.headers] } }));
}
function domainOrder(a, b) {
  const rank = (d) => d === "*" ? 2 : d.includes("*") ? 1 : 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1 && a.length !== b.length) return b.length - a.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
function buildVirtualHosts(listenerName, hosts, groups, ctx) {
  const byDomain = /* @__PURE__ */ new Map();
  for (const h of hosts) {
    const prev = byDomain.get(h.hostname);
    if (prev) {
      ctx.report(
        h.h,
        "spec.hostname",
        `hostname "${h.hostname}" is also served by Host ${prev.h.metadata.namespace}/${prev.h.metadata.name}; using that Host's settings and routes`,
        "warning",
        "duplicate-hostname"
      );
      continue;
    }
    byDomain.set(h.hostname, h);
  }
  const domains = [...byDomain.keys()].sort(domainOrder);
  return domains.map((domain) => {
    const h = byDomain.get(domain);
    const routes = [];
    for (const g of groups) if (hostAttaches(h, g)) routes.push(...routesFor(g, domain));
    return { name: `${listenerName}/${domain}`, domains: [domain], insecure: h.insecure, routes };
  });
}
function defaultVirtualHost(listenerName, groups) {
  const routes = [];
  for (const g of groups) routes.push(...routesFor(g, "*"));
  return { name: `${listenerName}/*`, domains: ["*"], insecure: "route", routes };
}
function listenerTls(hosts) {
  const seen = /* @__PURE__ */ new Set();
  const out = [];
  for (const h of hosts) {
    if (!h.tls) continue;
    const key = h.tls.serverNames.join(",");
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(h.tls);
  }
  return out.sort((a, b) => {
    if (a.serverNames.length === 0) return 1;
    if (b.serverNames.length === 0) return -1;
    return domainOrder(a.serverNames[0], b.serverNames[0]);
  });
}
function buildListeners(listeners, hosts, groups, ctx) {
  const out = [];
  if (listeners.length === 0) {
    const http = {
      name: "listener-8080",
      address: "0.0.0.0",
      port: 8080,
      protocol: "http",
      securityModel: "XFP",
      statsPrefix: "ingress-http",
      virtualHosts: hosts.length === 0 ? [defaultVirtualHost("listener-8080", groups)] : buildVirtualHosts("listener-8080", hosts, groups, ctx),
      tls: []
    };
    out.push(http);
    const tlsHosts = hosts.filter((h) => h.tls);
    if (tlsHosts.length > 0) {
      out.push({
        name: "listener-8443",
        address: "0.0.0.0",
        port: 8443,
        protocol: "https",
        securityModel: "XFP",
        statsPrefix: "ingress-https",
        virtualHosts: buildVirtualHosts("listener-8443", tlsHosts, groups, ctx),
        tls: listenerTls(tlsHosts)
      });
    }
    return out;
  }
  const ports = /* @__PURE__ */ new Map();
  for (const l of listeners) {
    const prev = ports.get(l.spec.port);
    if (prev) {
      ctx.report(l, "spec.port", `port ${l.spec.port} is already used by Listener ${prev.metadata.namespace}/${prev.metadata.name}; ignored`, "error", "duplicate-port");
      continue;
    }
    ports.set(l.spec.port, l);
    const s = l.spec;
    const stack = s.protocolStack ?? [];
    const proto = s.protocol ?? "";
    const protocol = proto === "HTTPS" || proto === "HTTPSPROXY" || stack.includes("TLS") && stack.includes("HTTP") ? "https" : proto === "HTTP" || proto === "HTTPPROXY" || stack.includes("HTTP") ? "http" : proto === "TLS" || stack.includes("TLS") ? "tls" : "tcp";
    const name = `listener-${s.port}`;
    const bound = hosts.filter((h) => {
      const hb = s.hostBinding;
      if (hb?.selector?.matchLabels) return labelsMatch(hb.selector.matchLabels, h.h.metadata.labels ?? {});
      if (hb?.namespace?.from === "SELF") return h.h.metadata.namespace === l.metadata.namespace;
      return true;
    });
    let virtualHosts = [];
    let tls = [];
    if (protocol === "http") {
      virtualHosts = hosts.length === 0 ? [defaultVirtualHost(name, groups)] : buildVirtualHosts(name, bound, groups, ctx);
    } else if (protocol === "https") {
      const tlsHosts = bound.filter((h) => h.tls);
      if (tlsHosts.length === 0)
        ctx.report(l, "spec.protocol", `HTTPS Listener on port ${s.port} has no Host with a certificate bound to it; it serves nothing`, "warning", "https-without-hosts");
      virtualHosts = buildVirtualHosts(name, tlsHosts, groups, ctx);
      tls = listenerTls(tlsHosts);
    }
    out.push({
      name,
      address: "0.0.0.0",
      port: s.port,
      protocol,
      securityModel: s.securityModel,
      statsPrefix: s.statsPrefix ?? (protocol === "https" ? "ingress-https" : "ingress-http"),
      virtualHosts,
      tls
    });
  }
  return out;
}

// packages/core/src/compile/filters.ts
var refOf2 = (r2) => ({
  kind: r2.kind,
  namespace: r2.metadata.namespace,
  name: r2.metadata.name
});
function pickOne(list3, ctx) {
  const [first, ...rest] = list3;
  for (const r2 of rest)
    ctx.report(
      r2,
      "",
      `only one ${r2.kind} is supported; using ${first.metadata.namespace}/${first.metadata.name} and ignoring this one`,
      "error",
      "duplicate-singleton"
    );
  return first;
}
function compileAuthService(a, ctx) {
  const s = a.spec;
  const grpc = s.proto === "grpc";
  const cluster = buildCluster(ctx, {
    owner: a,
    path: "spec.auth_service",
    service: s.authService,
    namespace: a.metadata.namespace,
    marker: "extauth",
    tls: s.tls,
    resolver: "kubernetes-service",
    circuitBreakers: s.circuitBreakers,
    grpc,
    statsName: s.statsName
  });
  if (!cluster) return void 0;
  return {
    source: refOf2(a),
    protocol: grpc ? "grpc" : "http",
    cluster,
    pathPrefix: s.pathPrefix ?? "",
    timeoutMs: s.timeoutMs ?? 5e3,
    allowedRequestHeaders: (s.allowedRequestHeaders ?? []).map((h) => h.toLowerCase()).sort(),
    allowedAuthorizationHeaders: (s.allowedAuthorizationHeaders ?? []).map((h) => h.toLowerCase()).sort(),
    addAuthHeaders: Object.fromEntries(
      Object.keys(s.addAuthHeaders ?? {}).sort().map((k) => [k.toLowerCase(), s.addAuthHeaders[k]])
    ),
    ...s.includeBody ? { includeBody: { maxBytes: s.includeBody.maxBytes, allowPartial: s.includeBody.allowPartial } } : {},
    failureModeAllow: s.failureModeAllow === true,
    statusOnError: s.statusOnError?.code ?? 403
  };
}
function compileRateLimitService(r2, ctx, defaultDomain) {
  const s = r2.spec;
  const cluster = buildCluster(ctx, {
    owner: r2,
    path: "spec.service",
    service: s.service,
    namespace: r2.metadata.namespace,
    marker: "ratelimit",
    tls: s.tls,
    resolver: "kubernetes-service",
    grpc: true,
    statsName: s.statsName
  });
  if (!cluster) return void 0;
  return {
    source: refOf2(r2),
    cluster,
    domain: s.domain ?? defaultDomain,
    timeoutMs: s.timeoutMs ?? 20,
    failureModeDeny: s.failureModeDeny === true,
    useResourceExhaustedCode: s.grpc?.useResourceExhaustedCode === true
  };
}
var DEFAULT_ALGORITHMS = ["ES256", "ES384", "ES512", "EdDSA", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512"];
var K8S_SA_ISSUER = "https://kubernetes.default.svc.cluster.local";
var K8S_SA_JWKS = "https://kubernetes.default.svc/openid/v1/jwks";
function compileJwtProvider(j, ctx) {
  const s = j.spec;
  const preset = s.kubernetesServiceAccount;
  const issuer = s.issuer ?? preset?.issuer ?? K8S_SA_ISSUER;
  const uri = s.jwksUri ?? (s.jwks === void 0 && preset ? preset.jwksUri ?? K8S_SA_JWKS : void 0);
  let jwks;
  if (uri !== void 0) {
    const url = new URL(uri);
    const cluster = buildCluster(ctx, {
      owner: j,
      path: s.jwksUri !== void 0 ? "spec.jwksUri" : "spec.kubernetesServiceAccount",
      service: `${url.protocol}//${url.host}`,
      namespace: j.metadata.namespace,
      marker: "jwks",
      resolver: "kubernetes-service",
      noQualify: true
    });
    if (!cluster) return void 0;
    jwks = {
      kind: "remote",
      uri,
      cluster,
      cacheDurationMs: (s.jwksCacheDurationSeconds ?? 600) * 1e3,
      timeoutMs: 5e3
    };
  } else {
    jwks = { kind: "inline", jwks: typeof s.jwks === "string" ? s.jwks : JSON.stringify(s.jwks) };
  }
  const from = (s.from ?? [{ header: "Authorization", prefix: "Bearer " }]).map((loc) => {
    if ("header" in loc && loc.header)
      return {
        kind: "header",
        name: loc.header.toLowerCase(),
        prefix: loc.prefix ?? (loc.header.toLowerCase() === "authorization" ? "Bearer " : "")
      };
    if ("query" in loc && loc.query) return { kind: "query", name: loc.query };
    return { kind: "cookie", name: loc.cookie };
  });
  return {
    name: `${j.metadata.namespace}/${j.metadata.name}`,
    source: refOf2(j),
    issuer,
    audiences: [...s.audiences ?? []],
    jwks,
    from,
    claimToHeaders: (s.claimToHeaders ?? []).map((c) => ({ claim: c.claim, header: c.header.toLowerCase() })),
    algorithms: s.algorithms ? [...s.algorithms] : DEFAULT_ALGORITHMS,
    clockSkewSeconds: s.clockSkewSeconds ?? 60,
    forward: s.forward !== false,
    principal: preset ? "kubernetes-service-account" : "sub"
  };
}
function compileAuthorizationPolicy(p) {
  const s = p.spec;
  const rules = (s.rules ?? []).map((r2) => {
    const out = {};
    const copy = (k, v) => {
      if (v !== void 0) out[k] = v;
    };
    copy("principals", r2.principals);
    copy("notPrincipals", r2.notPrincipals);
    copy("namespaces", r2.namespaces);
    copy("sourceIps", r2.sourceIPs);
    copy("notSourceIps", r2.notSourceIPs);
    copy("hosts", r2.hosts?.map((h) => h.toLowerCase()));
    copy("methods", r2.methods);
    copy("notMethods", r2.notMethods);
    copy("paths", r2.paths);
    copy("notPaths", r2.notPaths);
    if (r2.headers)
      out.headers = Object.keys(r2.headers).sort().map((name) => {
        const v = r2.headers[name];
        return { name: name.toLowerCase(), values: Array.isArray(v) ? v : [v] };
      });
    return out;
  });
  return {
    name: `${p.metadata.namespace}/${p.metadata.name}`,
    source: refOf2(p),
    action: s.action ?? "ALLOW",
    rules,
    gatewayWide: s.selector === void 0
  };
}
function selectorMatches(sel, policyNamespace, m) {
  const byName2 = sel.names === void 0 || sel.names.some(
    (n) => n.includes("/") ? n === `${m.metadata.namespace}/${m.metadata.name}` : m.metadata.namespace === policyNamespace && n === m.metadata.name
  );
  const byLabels = sel.matchLabels === void 0 || labelsMatch(sel.matchLabels, m.metadata.labels ?? {});
  return byName2 && byLabels;
}
function attachAuth(routes, providers, policies) {
  if (providers.length === 0 && policies.length === 0) return;
  for (const { route, mappings } of routes) {
    if (route.action.kind !== "forward") continue;
    const jwt = [];
    for (const p of providers) {
      const sel = p.res.spec.selector;
      if (!sel || mappings.some((m) => selectorMatches(sel, p.res.metadata.namespace, m)))
        jwt.push({ name: p.ir.name, required: p.res.spec.required !== false });
    }
    route.auth = {
      ...route.auth,
      jwtProviders: jwt.map((j) => j.name).sort(),
      jwtOptional: jwt.length > 0 && jwt.every((j) => !j.required)
    };
    route.authorizationPolicies = policies.filter((p) => p.res.spec.selector && mappings.some((m) => selectorMatches(p.res.spec.selector, p.res.metadata.namespace, m))).map((p) => p.ir.name).sort();
  }
}

// packages/core/src/compile/cors.ts
function list2(v) {
  if (v === void 0) return [];
  return (Array.isArray(v) ? v : splitList(v)).map((x) => x.trim()).filter((x) => x !== "");
}
function escapeRe2(s) {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
}
function originMatcher(origin) {
  if (origin === "*") return { exact: "*" };
  if (!origin.includes("*")) return { exact: origin };
  if (origin.startsWith("*") && !origin.includes("://")) return { suffix: origin.slice(1) };
  const [before, after] = origin.split("*");
  return { regex: `${escapeRe2(before)}[A-Za-z0-9.-]+${escapeRe2(after)}` };
}
function toCorsPolicy(c) {
  const maxAge = c.maxAge === void 0 ? void 0 : Number.parseInt(String(c.maxAge), 10);
  return {
    allowOrigins: list2(c.origins).map(originMatcher),
    allowMethods: list2(c.methods).map((m) => m.toUpperCase()),
    allowHeaders: list2(c.headers).map((h) => h.toLowerCase()),
    exposeHeaders: list2(c.exposedHeaders).map((h) => h.toLowerCase()),
    allowCredentials: c.credentials === true,
    ...maxAge !== void 0 && Number.isFinite(maxAge) ? { maxAgeSeconds: maxAge } : {}
  };
}

// packages/core/src/compile/groups.ts
function coreKeys(info, ctx) {
  const s = info.spec;
  const mod = ctx.module;
  return {
    bypass_auth: s.bypassAuth === true,
    circuit_breakers: s.circuitBreakers ?? moduleBreakers(ctx) ?? [],
    connect_timeout_ms: s.connectTimeoutMs ?? 3e3,
    cluster_idle_timeout_ms: s.clusterIdleTimeoutMs ?? mod.clusterIdleTimeoutMs ?? 0,
    cluster_max_connection_lifetime_ms: s.clusterMaxConnectionLifetimeMs ?? mod.clusterMaxConnectionLifetimeMs ?? 0,
    headers: info.headers.map((h) => `${h.name}=${h.value ?? "*"}${h.regex ? "~" : ""}`).sort(),
    keepalive: s.keepalive ?? mod.keepalive ?? null,
    labels: s.labels ?? null,
    load_balancer: s.loadBalancer ?? mod.loadBalancer ?? null,
    method: s.method ?? null,
    prefix: s.prefix,
    prefix_regex: s.prefixRegex === true,
    prefix_exact: s.prefixExact === true
  };
}
function moduleBreakers(ctx) {
  const cb = ctx.module.circuitBreakers;
  if (cb === void 0) return void 0;
  return Array.isArray(cb) ? cb : [cb];
}
function checkCoreKeys(members, ctx) {
  if (members.length < 2) return true;
  const keys = members.map((m) => coreKeys(m, ctx));
  const conflicts = [];
  for (const k of Object.keys(keys[0])) {
    const byValue = /* @__PURE__ */ new Map();
    keys.forEach((kv, i) => {
      const v = stableStringify(kv[k]);
      const list3 = byValue.get(v) ?? [];
      list3.push(members[i].key);
      byValue.set(v, list3);
    });
    if (byValue.size > 1)
      conflicts.push(
        `${k} (${[...byValue.entries()].map(([v, ms]) => `${ms.join(", ")}: ${v === void 0 ? "unset" : v}`).join("; ")})`
      );
  }
  if (conflicts.length === 0) return true;
  const names = members.map((m) => m.key).join(", ");
  for (const m of members)
    ctx.report(
      m.m,
      "spec",
      `Mappings ${names} share a match (same group) but disagree on ${conflicts.join(" and ")}; the group is rejected until they agree`,
      "error",
      "group-mismatch"
    );
  return false;
}
function canaryCumulative(members, ctx) {
  if (members.length === 1) return [100];
  const weighted = members.filter((m) => m.spec.weight !== void 0);
  const weightless = members.filter((m) => m.spec.weight === void 0);
  const sum = weighted.reduce((n, m) => n + (m.spec.weight ?? 0), 0);
  const list3 = members.map((m) => `${m.key}=${m.spec.weight ?? "none"}`).join(", ");
  if (sum > 100) {
    ctx.report(
      weighted[0].m,
      "spec.weight",
      `canary weights of the Mappings sharing this match sum to ${sum}, over 100 (${list3}); no route is emitted for them`,
      "error",
      "weight-over-100"
    );
    return void 0;
  }
  if (weightless.length === 0 && sum < 100) {
    ctx.report(
      weighted[0].m,
      "spec.weight",
      `canary weights of the Mappings sharing this match sum to ${sum}, under 100, and no Mapping without a weight takes the remaining ${100 - sum}% (${list3}); add one or make the weights sum to 100`,
      "error",
      "weight-under-100"
    );
    return void 0;
  }
  const cumulative = /* @__PURE__ */ new Map();
  let running = 0;
  for (const m of weighted) {
    running += m.spec.weight ?? 0;
    cumulative.set(m, running);
  }
  const each = weightless.length > 0 ? roundHalfEven((100 - sum) / weightless.length) : 0;
  weightless.forEach((m, i) => {
    running = i === weightless.length - 1 ? 100 : Math.min(100, running + each);
    cumulative.set(m, running);
  });
  return [...weighted, ...weightless].map((m) => cumulative.get(m));
}
function headerValues(map) {
  if (!map) return [];
  return Object.keys(map).sort().map((name) => {
    const v = map[name];
    return typeof v === "string" ? { name: name.toLowerCase(), value: v, append: true } : { name: name.toLowerCase(), value: v.value, append: v.append !== false };
  });
}
function removeList(v) {
  if (v === void 0) return [];
  return (Array.isArray(v) ? v : [v]).map((h) => h.toLowerCase()).sort();
}
function retryPolicy2(p) {
  if (!p) return void 0;
  return {
    retryOn: (p.retryOn ?? "5xx").split(",").map((x) => x.trim()).filter((x) => x !== ""),
    numRetries: p.numRetries ?? 1,
    perTryTimeoutMs: p.perTryTimeout !== void 0 ? parseDurationMs(p.perTryTimeout) ?? 0 : 0,
    retriableStatusCodes: [],
    backoffBaseMs: 25,
    backoffMaxMs: 250,
    retryNonIdempotent: false
  };
}
function hashPolicy(spec, ctx) {
  const lb = spec.loadBalancer ?? ctx.module.loadBalancer;
  if (!lb || lb.policy !== "ring_hash" && lb.policy !== "maglev") return void 0;
  if (lb.header) return { kind: "header", name: lb.header.toLowerCase() };
  if (lb.cookie) {
    const ttl = lb.cookie.ttl !== void 0 ? parseDurationMs(lb.cookie.ttl) : void 0;
    return {
      kind: "cookie",
      name: lb.cookie.name,
      ...lb.cookie.path ? { path: lb.cookie.path } : {},
      ...ttl !== void 0 ? { ttlMs: ttl } : {}
    };
  }
  if (lb.sourceIp) return { kind: "source-ip" };
  return void 0;
}
function specifierEntry(s) {
  if ("sourceCluster" in s) return { kind: "source-cluster" };
  if ("destinationCluster" in s) return { kind: "destination-cluster" };
  if ("remoteAddress" in s) return { kind: "remote-address" };
  if ("genericKey" in s) return { kind: "generic", key: s.genericKey.key ?? "generic_key", value: s.genericKey.value };
  if ("requestHeaders" in s)
    return {
      kind: "request-header",
      header: s.requestHeaders.headerName.toLowerCase(),
      key: s.requestHeaders.key ?? s.requestHeaders.headerName,
      omitIfNotPresent: s.requestHeaders.omitIfNotPresent === true
    };
  return void 0;
}
function rateLimitActions(labels, ctx, defaults) {
  if (!labels) return [];
  const out = [];
  for (const domain of Object.keys(labels).sort()) {
    const prefix = [];
    for (const g of defaults[domain] ?? [])
      for (const specs of Object.values(g)) for (const s of specs) {
        const e = specifierEntry(s);
        if (e) prefix.push(e);
      }
    for (const group of labels[domain] ?? []) {
      for (const specs of Object.values(group)) {
        const entries = specs.map(specifierEntry).filter((e) => e !== void 0);
        out.push({ domain, entries: [...prefix, ...entries] });
      }
    }
  }
  void ctx;
  return out;
}
function localRateLimit(spec) {
  const rl = spec.gatewaySdk?.rateLimit;
  if (!rl) return void 0;
  const unitMs = rl.unit === "hour" ? 36e5 : rl.unit === "minute" ? 6e4 : 1e3;
  return {
    maxTokens: rl.burst ?? rl.requestsPerUnit,
    tokensPerFill: rl.requestsPerUnit,
    fillIntervalMs: unitMs,
    descriptors: [],
    responseHeaders: rl.responseHeaders !== false
  };
}
function rewriteOf(info) {
  const s = info.spec;
  if (s.regexRewrite) return { kind: "regex", pattern: s.regexRewrite.pattern, substitution: s.regexRewrite.substitution };
  const isPrefix = info.path.kind === "prefix" || info.path.kind === "segment-prefix";
  const rewrite = s.rewrite ?? (isPrefix ? "/" : void 0);
  if (rewrite === void 0 || rewrite === "") return void 0;
  if (isPrefix) return rewrite === info.path.value ? void 0 : { kind: "prefix", value: rewrite };
  return { kind: "full", value: rewrite };
}
function memberCluster(info, ctx, marker) {
  const s = info.spec;
  const mod = ctx.module;
  return buildCluster(ctx, {
    owner: info.m,
    path: "spec.service",
    service: s.service,
    namespace: info.m.metadata.namespace,
    marker: s.clusterTag || marker,
    tls: typeof s.tls === "string" ? s.tls : s.tls === true ? true : void 0,
    hostRewrite: s.hostRewrite,
    resolver: s.resolver ?? (typeof mod.resolver === "string" ? mod.resolver : "kubernetes-service"),
    connectTimeoutMs: s.connectTimeoutMs,
    idleTimeoutMs: s.clusterIdleTimeoutMs ?? mod.clusterIdleTimeoutMs,
    maxConnectionLifetimeMs: s.clusterMaxConnectionLifetimeMs ?? mod.clusterMaxConnectionLifetimeMs,
    circuitBreakers: s.circuitBreakers ?? moduleBreakers(ctx),
    loadBalancer: s.loadBalancer ?? mod.loadBalancer,
    keepalive: s.keepalive ?? mod.keepalive,
    grpc: s.grpc,
    dnsType: s.dnsType,
    respectDnsTtl: s.respectDnsTtl,
    enableIpv4: s.enableIpv4,
    enableIpv6: s.enableIpv6,
    statsName: s.statsName,
    healthChecks: s.healthChecks
  });
}
function memberRoute(info, ctx) {
  const s = info.spec;
  const mod = ctx.module;
  const cluster = memberCluster(info, ctx);
  if (!cluster) return void 0;
  const addRequest = headerValues(s.addRequestHeaders);
  if (s.addLinkerdHeaders ?? mod.addLinkerdHeaders) {
    const p = parseService(s.service);
    if (p.ok) {
      const port = p.value.port ?? (p.value.scheme === "https" ? 443 : 80);
      addRequest.push({ name: "l5d-dst-override", value: `${p.value.host}:${port}`, append: false });
    }
  }
  const upgrades = [...s.allowUpgrade ?? [], ...s.useWebsocket ? ["websocket"] : []].map((u) => u.toLowerCase());
  const cors2 = s.cors ?? mod.cors;
  const rewrite = rewriteOf(info);
  const retry = retryPolicy2(s.retryPolicy ?? mod.retryPolicy);
  const hash = hashPolicy(s, ctx);
  const lrl = localRateLimit(s);
  const ext = s.authContextExtensions ?? {};
  return {
    info,
    cluster,
    ...s.hostRewrite ? { hostRewrite: s.hostRewrite } : {},
    addRequest,
    attrs: {
      ...rewrite ? { rewrite } : {},
      autoHostRewrite: s.autoHostRewrite === true,
      timeoutMs: s.timeoutMs ?? mod.clusterRequestTimeoutMs ?? 3e3,
      idleTimeoutMs: s.idleTimeoutMs ?? 0,
      ...retry ? { retry } : {},
      upgrades: [...new Set(upgrades)].sort(),
      ...hash ? { hashPolicy: hash } : {},
      grpc: s.grpc === true,
      priority: s.priority?.toLowerCase() === "high" ? "high" : "default",
      caseSensitive: info.caseSensitive,
      removeRequest: removeList(s.removeRequestHeaders),
      responseHeaders: { add: headerValues(s.addResponseHeaders), remove: removeList(s.removeResponseHeaders) },
      ...cors2 ? { cors: toCorsPolicy(cors2) } : {},
      contextExtensions: Object.fromEntries(Object.keys(ext).sort().map((k) => [k, ext[k]])),
      bypass: s.bypassAuth === true,
      ...lrl ? { localRateLimit: lrl } : {}
    }
  };
}
function statsName(key) {
  return key.replace(/[^0-9A-Za-z_]/g, "_");
}
function compileGroup(members, ctx, labelDefaults) {
  if (!checkCoreKeys(members, ctx)) return void 0;
  const shadows = members.filter((m) => m.spec.shadow === true);
  const redirects = members.filter((m) => m.spec.shadow !== true && m.spec.hostRedirect === true);
  const normal = members.filter((m) => m.spec.shadow !== true && m.spec.hostRedirect !== true);
  for (const extra of shadows.slice(1))
    ctx.report(extra.m, "spec.shadow", `only one shadow Mapping per match is allowed; ${shadows[0].key} is used`, "error", "extra-shadow");
  for (const extra of redirects.slice(1))
    ctx.report(extra.m, "spec.host_redirect", `only one host_redirect Mapping per match is allowed; ${redirects[0].key} is used`, "error", "extra-redirect");
  const primary = redirects[0] ?? normal[0];
  if (!primary) {
    ctx.report(
      shadows[0].m,
      "spec.shadow",
      "a shadow Mapping mirrors the traffic of a Mapping with the same match, but there is none; nothing to mirror",
      "warning",
      "shadow-without-primary"
    );
    return void 0;
  }
  const groupId = primary.groupId;
  const sources = members.map((m) => ({ kind: "Mapping", namespace: m.m.metadata.namespace, name: m.m.metadata.name }));
  const headers = headerMatchers(primary);
  const queryParams = queryMatchers(primary);
  const rateLimits = rateLimitActions(primary.spec.labels, ctx, labelDefaults);
  const base = {
    group: groupId,
    sources,
    rateLimits,
    authorizationPolicies: []
  };
  if (redirects[0]) {
    const r2 = redirects[0];
    const s = r2.spec;
    if (normal.length > 0)
      for (const n of normal)
        ctx.report(n.m, "spec", `ignored: ${r2.key} redirects every request with this match (host_redirect)`, "warning", "redirect-shadows");
    const p = parseService(s.service);
    const action = {
      kind: "redirect",
      ...p.ok ? { host: p.value.ipv6 ? `[${p.value.host}]` : p.value.host } : {},
      ...p.ok && p.value.scheme ? { scheme: p.value.scheme } : {},
      ...p.ok && p.value.port !== void 0 ? { port: p.value.port } : {},
      ...s.pathRedirect !== void 0 ? { path: { kind: "full", value: s.pathRedirect } } : s.prefixRedirect !== void 0 ? { path: { kind: "prefix", value: s.prefixRedirect } } : s.regexRedirect !== void 0 ? { path: { kind: "regex", pattern: s.regexRedirect.pattern, substitution: s.regexRedirect.substitution } } : {},
      statusCode: s.redirectResponseCode ?? 301
    };
    const route = {
      name: r2.key,
      ...base,
      match: { path: r2.path, caseSensitive: r2.caseSensitive, headers, queryParams },
      action,
      requestHeaders: { add: [], remove: [] },
      responseHeaders: { add: headerValues(s.addResponseHeaders), remove: removeList(s.removeResponseHeaders) },
      // Redirects never reach an upstream, so external auth is skipped as in Emissary.
      auth: { bypassExtAuthz: true, contextExtensions: {}, jwtProviders: [], jwtOptional: false },
      statsName: statsName(r2.key)
    };
    return { groupId, primary: r2, members, routeWeight: r2.routeWeight, routes: [route] };
  }
  const cumulative = canaryCumulative(normal, ctx);
  if (!cumulative) return void 0;
  const ordered = normal.length === 1 ? normal : [...normal.filter((m) => m.spec.weight !== void 0), ...normal.filter((m) => m.spec.weight === void 0)];
  const routes = [];
  const shares = [];
  const cum = [];
  let prev = 0;
  for (let i = 0; i < ordered.length; i++) {
    const mr = memberRoute(ordered[i], ctx);
    const c = cumulative[i];
    if (!mr) return void 0;
    routes.push(mr);
    shares.push(c - prev);
    cum.push(c);
    prev = c;
  }
  let mirrors = [];
  const shadow = shadows[0];
  if (shadow) {
    const cluster = memberCluster(shadow, ctx, "shadow");
    if (cluster) mirrors = [{ cluster, percent: shadow.spec.weight ?? 100 }];
  }
  const sig = (mr) => stableStringify(mr.attrs);
  const sameAttrs = routes.every((r2) => sig(r2) === sig(routes[0]));
  const out = [];
  const build = (members2, weights, name, fraction) => {
    const first = members2[0];
    const a = first.attrs;
    const sameHostRewrite = members2.every((m) => m.hostRewrite === first.hostRewrite);
    const sameAdd = members2.every((m) => stableStringify(m.addRequest) === stableStringify(first.addRequest));
    const clusters = members2.map((m, i) => ({
      cluster: m.cluster,
      weight: weights[i],
      ...!sameHostRewrite && m.hostRewrite ? { hostRewrite: m.hostRewrite } : {},
      ...!sameAdd && m.addRequest.length > 0 ? { requestHeaders: { add: m.addRequest, remove: [] } } : {},
      source: { kind: "Mapping", namespace: m.info.m.metadata.namespace, name: m.info.m.metadata.name }
    }));
    const action = {
      kind: "forward",
      clusters,
      ...a.rewrite ? { rewrite: a.rewrite } : {},
      ...sameHostRewrite && first.hostRewrite ? { hostRewrite: first.hostRewrite } : {},
      autoHostRewrite: a.autoHostRewrite,
      timeoutMs: a.timeoutMs,
      idleTimeoutMs: a.idleTimeoutMs,
      ...a.retry ? { retry: a.retry } : {},
      mirrors,
      upgrades: a.upgrades,
      ...a.hashPolicy ? { hashPolicy: a.hashPolicy } : {},
      grpc: a.grpc,
      priority: a.priority
    };
    return {
      name,
      ...base,
      match: {
        path: first.info.path,
        caseSensitive: a.caseSensitive,
        headers,
        queryParams,
        ...fraction !== void 0 ? { fraction } : {}
      },
      action,
      requestHeaders: { add: sameAdd ? first.addRequest : [], remove: a.removeRequest },
      responseHeaders: a.responseHeaders,
      ...a.cors ? { cors: a.cors } : {},
      auth: { bypassExtAuthz: a.bypass, contextExtensions: a.contextExtensions, jwtProviders: [], jwtOptional: false },
      rateLimits,
      ...a.localRateLimit ? { localRateLimit: a.localRateLimit } : {},
      statsName: statsName(first.info.key)
    };
  };
  const groupName = primary.key;
  if (sameAttrs) {
    out.push(build(routes, shares, groupName));
  } else {
    routes.forEach((mr, i) => {
      if (shares[i] === 0) return;
      const last = i === routes.length - 1 || cum[i] === 100;
      out.push(build([mr], [100], `${groupName}#${i}`, last ? void 0 : cum[i]));
    });
  }
  return { groupId, primary, members, routeWeight: primary.routeWeight, routes: out };
}

// packages/core/src/compile/settings.ts
function settingsFromModule(c) {
  const s = defaultSettings();
  if (typeof c.xffNumTrustedHops === "number") s.xffNumTrustedHops = c.xffNumTrustedHops;
  if (typeof c.useRemoteAddress === "boolean") s.useRemoteAddress = c.useRemoteAddress;
  if (typeof c.mergeSlashes === "boolean") s.mergeSlashes = c.mergeSlashes;
  if (typeof c.stripMatchingHostPort === "boolean") s.stripHostPort = c.stripMatchingHostPort;
  if (typeof c.maxRequestHeadersKb === "number") s.maxRequestHeadersKb = c.maxRequestHeadersKb;
  if (typeof c.bufferLimitBytes === "number") s.maxRequestBodyBytes = c.bufferLimitBytes;
  if (typeof c.regexMaxSize === "number") s.regexMaxProgramSize = c.regexMaxSize;
  if (typeof c.suppressEnvoyHeaders === "boolean") s.suppressGatewayHeaders = c.suppressEnvoyHeaders;
  switch (c.headersWithUnderscoresAction) {
    case "ALLOW":
      s.headersWithUnderscoresAction = "allow";
      break;
    case "REJECT_REQUEST":
      s.headersWithUnderscoresAction = "reject";
      break;
    case "DROP_HEADER":
      s.headersWithUnderscoresAction = "drop";
      break;
  }
  const cidrs = (list3) => (Array.isArray(list3) ? list3 : []).map((p) => p?.peer ?? p?.remote).filter((x) => typeof x === "string");
  s.ipAllow = cidrs(c.ipAllow);
  s.ipDeny = cidrs(c.ipDeny);
  return s;
}

// packages/core/src/compile/tcp.ts
function compileTcp(mappings, ctx, listeners) {
  const groups = /* @__PURE__ */ new Map();
  for (const m of mappings) {
    const key = `${m.spec.port}\0${m.spec.host ?? ""}`;
    const list3 = groups.get(key) ?? [];
    list3.push(m);
    groups.set(key, list3);
  }
  const routes = [];
  const listenerByPort = new Map(listeners.map((l) => [l.port, l]));
  for (const members of groups.values()) {
    const first = members[0];
    const port = first.spec.port;
    const host = first.spec.host;
    const existing = listenerByPort.get(port);
    if (existing && (existing.protocol === "http" || existing.protocol === "https")) {
      for (const m of members)
        ctx.report(m, "spec.port", `port ${port} is an ${existing.protocol.toUpperCase()} listener; a TCPMapping needs its own port`, "error", "tcp-port-conflict");
      continue;
    }
    const weights = rawWeights(members, ctx);
    if (!weights) continue;
    const clusters = [];
    let ok = true;
    members.forEach((m, i) => {
      const s = m.spec;
      const name = buildCluster(ctx, {
        owner: m,
        path: "spec.service",
        service: s.service,
        namespace: m.metadata.namespace,
        marker: s.clusterTag || void 0,
        tls: s.tls,
        resolver: s.resolver ?? "kubernetes-service",
        connectTimeoutMs: s.connectTimeoutMs,
        circuitBreakers: s.circuitBreakers ?? moduleBreakers(ctx),
        enableIpv4: s.enableIpv4,
        enableIpv6: s.enableIpv6,
        statsName: s.statsName
      });
      if (!name) ok = false;
      else
        clusters.push({
          cluster: name,
          weight: weights[i],
          source: { kind: "TCPMapping", namespace: m.metadata.namespace, name: m.metadata.name }
        });
    });
    if (!ok) continue;
    let tlsSecret;
    if (host) {
      const tctx = [...ctx.tlsContexts.values()].find((c) => (c.spec.hosts ?? []).includes(host));
      if (tctx) tlsSecret = tlsContextSecrets(ctx, tctx).certificate;
    }
    routes.push({
      name: `${first.metadata.namespace}/${first.metadata.name}`,
      sources: members.map((m) => ({ kind: "TCPMapping", namespace: m.metadata.namespace, name: m.metadata.name })),
      port,
      ...host ? { sniHost: host } : {},
      clusters,
      idleTimeoutMs: first.spec.idleTimeoutMs ?? 0,
      ...tlsSecret ? { tlsSecret } : {}
    });
    if (!existing) {
      const l = {
        name: `listener-${port}`,
        address: first.spec.address ?? "0.0.0.0",
        port,
        protocol: host ? "tls" : "tcp",
        securityModel: "INSECURE",
        statsPrefix: `ingress-tcp-${port}`,
        virtualHosts: [],
        tls: []
      };
      listeners.push(l);
      listenerByPort.set(port, l);
    }
  }
  return routes.sort((a, b) => a.port - b.port || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
function rawWeights(members, ctx) {
  if (members.length === 1) return [100];
  const sum = members.reduce((n, m) => n + (m.spec.weight ?? 0), 0);
  const weightless = members.filter((m) => m.spec.weight === void 0);
  const list3 = members.map((m) => `${m.metadata.namespace}/${m.metadata.name}=${m.spec.weight ?? "none"}`).join(", ");
  if (sum > 100 || weightless.length === 0 && sum < 100) {
    ctx.report(
      members[0],
      "spec.weight",
      `TCPMapping weights on port ${members[0].spec.port} sum to ${sum} (${list3}); expected 100, or less with a TCPMapping without weight taking the rest`,
      "error",
      sum > 100 ? "weight-over-100" : "weight-under-100"
    );
    return void 0;
  }
  const remaining = 100 - sum;
  const each = weightless.length > 0 ? Math.floor(remaining / weightless.length) : 0;
  let given = 0;
  return members.map((m) => {
    if (m.spec.weight !== void 0) return m.spec.weight;
    given++;
    return given === weightless.length ? remaining - each * (weightless.length - 1) : each;
  });
}

// packages/core/src/compile/index.ts
var byName = (a, b) => {
  const x = `${a.metadata.namespace}/${a.metadata.name}`;
  const y2 = `${b.metadata.namespace}/${b.metadata.name}`;
  return x < y2 ? -1 : x > y2 ? 1 : 0;
};
function ambassadorIds(r2) {
  const id = r2.spec.ambassadorId;
  if (id === void 0) return ["default"];
  return Array.isArray(id) ? id : [id];
}
function compile(resources, opts = {}) {
  try {
    return compileUnsafe(Array.isArray(resources) ? resources : [], opts);
  } catch (err) {
    const e = err;
    return {
      ir: sealIR({
        settings: settingsFromModule({}),
        listeners: [],
        clusters: [],
        secrets: [],
        filters: { jwt: [], authorization: [] },
        tcpRoutes: []
      }),
      diagnostics: [
        {
          resource: { kind: "<compiler>", namespace: "", name: "" },
          path: "",
          message: `internal compiler error (please report): ${e?.message ?? String(err)}`,
          severity: "error",
          code: "internal-error"
        }
      ]
    };
  }
}
function compileUnsafe(input, opts) {
  const gatewayNamespace = opts.gatewayNamespace || "default";
  const ambassadorId2 = opts.ambassadorId || "default";
  const validation = validateAll(input);
  const moduleConfig = validation.module?.spec.config ?? {};
  const ctx = new CompileContext(gatewayNamespace, moduleConfig, settingsFromModule(moduleConfig));
  ctx.diagnostics.push(...validation.diagnostics);
  const active = input.filter((r2) => {
    if (validation.invalid.has(r2)) return false;
    if (r2.kind === "Module" && r2 !== validation.module) return false;
    const ids = ambassadorIds(r2);
    if (!ids.includes(ambassadorId2) && !ids.includes("_automatic_")) {
      ctx.report(r2, "spec.ambassador_id", `ambassador_id ${JSON.stringify(ids)} does not include "${ambassadorId2}"; skipped`, "notice", "other-ambassador-id");
      return false;
    }
    return true;
  });
  const of = (kind) => active.filter((r2) => r2.kind === kind).sort(byName);
  for (const t of of("TLSContext")) {
    if (!ctx.tlsContexts.has(t.metadata.name)) ctx.tlsContexts.set(t.metadata.name, t);
    else ctx.report(t, "metadata.name", `TLSContext names are global; "${t.metadata.name}" is already defined; ignored`, "error", "duplicate-tls-context");
  }
  const filters = { jwt: [], authorization: [] };
  const authService = pickOne(of("AuthService"), ctx);
  if (authService) {
    const ext = compileAuthService(authService, ctx);
    if (ext) filters.extAuthz = ext;
  }
  const defaultDomain = typeof moduleConfig.defaultLabelDomain === "string" ? moduleConfig.defaultLabelDomain : "ambassador";
  const rls = pickOne(of("RateLimitService"), ctx);
  if (rls) {
    const r2 = compileRateLimitService(rls, ctx, defaultDomain);
    if (r2) filters.rateLimitService = r2;
  }
  const providers = [];
  for (const j of of("JwtProvider")) {
    const ir2 = compileJwtProvider(j, ctx);
    if (ir2) providers.push({ res: j, ir: ir2 });
  }
  filters.jwt = providers.map((p) => p.ir);
  const policies = of("AuthorizationPolicy").map((res) => ({ res, ir: compileAuthorizationPolicy(res) }));
  filters.authorization = policies.map((p) => p.ir);
  const hosts = hostInfos(of("Host"), ctx);
  const selecting = selectingHosts(hosts);
  const groups = /* @__PURE__ */ new Map();
  for (const m of of("Mapping")) {
    const info = mappingInfo(m, moduleConfig, selecting);
    const list3 = groups.get(info.groupId);
    if (list3) list3.push(info);
    else groups.set(info.groupId, [info]);
  }
  const labelDefaults = moduleLabelDefaults(moduleConfig);
  const compiled = [];
  for (const members of groups.values()) {
    const g = compileGroup(members, ctx, labelDefaults);
    if (g) compiled.push(g);
  }
  compiled.sort((a, b) => compareWeights(b.routeWeight, a.routeWeight) || (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  attachAuth(
    compiled.flatMap((g) => g.routes.map((route) => ({ route, mappings: mappingsOf(g, route) }))),
    providers,
    policies
  );
  if (hosts.length > 0) {
    for (const g of compiled) {
      if (!hosts.some((h) => attachesAny(h, g))) {
        ctx.report(
          g.primary.m,
          g.primary.host === void 0 ? "spec.hostname" : "spec.hostname",
          g.primary.host === void 0 ? 'this Mapping has no hostname and no Host selects it by labels, so it is served nowhere (set hostname: "*" to serve it on every Host)' : `no Host matches hostname "${g.primary.host}", so this Mapping is served nowhere`,
          "warning",
          "unattached-mapping"
        );
      }
    }
  }
  const listeners = buildListeners(of("Listener"), hosts, compiled, ctx);
  const tcpRoutes = compileTcp(of("TCPMapping"), ctx, listeners);
  listeners.sort((a, b) => a.port - b.port);
  const used = /* @__PURE__ */ new Set();
  for (const l of listeners)
    for (const vh of l.virtualHosts)
      for (const r2 of vh.routes) {
        if (r2.action.kind === "forward") {
          for (const c of r2.action.clusters) used.add(c.cluster);
          for (const m of r2.action.mirrors) used.add(m.cluster);
        }
      }
  for (const t of tcpRoutes) for (const c of t.clusters) used.add(c.cluster);
  if (filters.extAuthz) used.add(filters.extAuthz.cluster);
  if (filters.rateLimitService) used.add(filters.rateLimitService.cluster);
  for (const j of filters.jwt) if (j.jwks.kind === "remote") used.add(j.jwks.cluster);
  const rename = shortenClusterNames(used);
  const newName = (n) => rename.get(n) ?? n;
  const clusters = [...used].map((n) => ({ ...ctx.clusters.get(n).cluster, name: newName(n) })).sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const finalListeners = rename.size === 0 ? listeners : listeners.map((l) => ({
    ...l,
    virtualHosts: l.virtualHosts.map((vh) => ({ ...vh, routes: vh.routes.map((r2) => renameRoute(r2, newName)) }))
  }));
  const finalTcp = rename.size === 0 ? tcpRoutes : tcpRoutes.map((t) => ({ ...t, clusters: t.clusters.map((c) => ({ ...c, cluster: newName(c.cluster) })) }));
  if (rename.size > 0) {
    if (filters.extAuthz) filters.extAuthz = { ...filters.extAuthz, cluster: newName(filters.extAuthz.cluster) };
    if (filters.rateLimitService) filters.rateLimitService = { ...filters.rateLimitService, cluster: newName(filters.rateLimitService.cluster) };
    filters.jwt = filters.jwt.map((j) => j.jwks.kind === "remote" ? { ...j, jwks: { ...j.jwks, cluster: newName(j.jwks.cluster) } } : j);
  }
  const secrets = [...ctx.secrets.values()].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const ir = sealIR({
    settings: ctx.settings,
    listeners: finalListeners,
    clusters,
    secrets,
    filters,
    tcpRoutes: finalTcp
  });
  return { ir, diagnostics: sortDiagnostics(ctx.diagnostics) };
}
function attachesAny(h, g) {
  const p = g.primary;
  if (p.hostRegex) return true;
  const labels = p.m.metadata.labels ?? {};
  const labelsOk = !h.matchLabels || Object.entries(h.matchLabels).every(([k, v]) => labels[k] === v);
  if (h.matchLabels && p.host !== void 0) return labelsOk;
  if (h.matchLabels) return labelsOk;
  return p.host !== void 0;
}
function mappingsOf(g, route) {
  const names = new Set(route.sources.map((s) => `${s.namespace}/${s.name}`));
  return g.members.filter((m) => names.has(m.key) && m.spec.shadow !== true).map((m) => m.m);
}
function renameRoute(r2, newName) {
  if (r2.action.kind !== "forward") return r2;
  return {
    ...r2,
    action: {
      ...r2.action,
      clusters: r2.action.clusters.map((c) => ({ ...c, cluster: newName(c.cluster) })),
      mirrors: r2.action.mirrors.map((m) => ({ ...m, cluster: newName(m.cluster) }))
    }
  };
}
function moduleLabelDefaults(c) {
  const d = c.defaultLabels;
  if (!d || typeof d !== "object") return {};
  const raw = {};
  for (const [domain, v] of Object.entries(d)) {
    if (v && Array.isArray(v.defaults)) raw[domain] = [{ defaults: v.defaults }];
  }
  const issues = [];
  return normalizeLabels(raw, "spec.config.default_labels", issues);
}
var SEVERITY_RANK = { error: 0, warning: 1, notice: 2 };
function sortDiagnostics(list3) {
  const key = (d) => `${d.resource.kind}\0${d.resource.namespace}\0${d.resource.name}\0${SEVERITY_RANK[d.severity]}\0${d.path}\0${d.message}`;
  const seen = /* @__PURE__ */ new Set();
  return list3.map((d) => ({ d, k: key(d) })).sort((a, b) => a.k < b.k ? -1 : a.k > b.k ? 1 : 0).filter(({ k }) => seen.has(k) ? false : (seen.add(k), true)).map(({ d }) => d);
}
function compileYaml(text, opts = {}) {
  const loaded = loadYaml(text, opts);
  const result = compile(loaded.resources, opts);
  return {
    ir: result.ir,
    diagnostics: sortDiagnostics([...loaded.diagnostics, ...result.diagnostics]),
    resources: loaded.resources
  };
}

// packages/core/src/resolve-overrides.ts
function resolveOverrides(ir, map) {
  const targets = /* @__PURE__ */ new Map();
  for (const [name, target] of Object.entries(map ?? {})) {
    const parsed = parseService(target);
    if (!parsed.ok || parsed.value.port === void 0) continue;
    targets.set(name, { address: parsed.value.host, port: parsed.value.port });
  }
  if (targets.size === 0) return sealIR({ ...ir });
  const clusters = ir.clusters.map((c) => {
    if (c.discovery.kind !== "dns") return c;
    const host = c.discovery.host;
    const target = targets.get(host) ?? targets.get(c.service) ?? targets.get(host.split(".")[0]) ?? targets.get(host.replace(/\.$/, ""));
    if (!target) return c;
    return {
      ...c,
      discovery: {
        kind: "static",
        endpoints: [{ address: target.address, port: target.port, weight: 1, zone: "", health: "unknown" }]
      }
    };
  });
  return sealIR({ ...ir, clusters });
}

// tmpcore/t1.ts
var y = `
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: quote}
spec:
  prefix: /backend/
  service: quote
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: quote-canary}
spec:
  prefix: /backend/
  service: quote-v2:8080
  weight: 10
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata: {name: httpbin, namespace: other}
spec:
  prefix: /httpbin/
  service: httpbin.org:80
  host_rewrite: httpbin.org
  method: POST
  headers: {x-a: b}
  weight: 120
`;
var r = compileYaml(y, { file: "x.yaml" });
console.log(stableStringify(r.ir, 2));
console.log(r.diagnostics);
console.log(stableStringify(resolveOverrides(r.ir, { quote: "127.0.0.1:9000" }).clusters));

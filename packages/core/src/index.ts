export type {
  MappingBuilder,
  MappingBuilderMethods,
  MetaOptions,
  RedirectOptions,
  RedirectPath,
} from './builders/mapping.js';
export { mapping } from './builders/mapping.js';
export type { HostInit, JwtProviderInit, ListenerInit } from './builders/resources.js';
export {
  authorizationPolicy,
  authService,
  host,
  jwtProvider,
  listener,
  module,
  rateLimitService,
  tcpMapping,
  tlsContext,
} from './builders/resources.js';
export type { CompileOptions, CompileResult } from './compile/index.js';
export { compile, compileYaml } from './compile/index.js';
export {
  AUTH_ALWAYS_SENT_HEADERS,
  DEFAULT_AUTH_REQUEST_HEADERS,
  DEFAULT_JWT_ALGORITHMS,
  JWT_ALGORITHMS,
} from './defaults.js';
export type { Diagnostic, Severity, SourceLocation } from './diagnostics.js';
export { formatDiagnostic } from './diagnostics.js';
export * from './diagnostics-page/index.js';
export { createIR, defaultSettings, emptyFilters, sealIR } from './ir/defaults.js';
export type * from './ir/types.js';
export type { LoadOptions, LoadResult } from './load/index.js';
export { loadObjects, loadYaml } from './load/index.js';
export type * from './model/auth-service.js';
export type * from './model/common.js';
export type * from './model/host.js';
export type * from './model/listener.js';
export type * from './model/mapping.js';
export type * from './model/module.js';
export type { Resource, ResourceKind } from './model/resource.js';
export { AMBASSADOR_API_VERSION, RESOURCE_KINDS, SDK_API_VERSION } from './model/resource.js';
export type * from './model/sdk-auth.js';
export type * from './model/tls-context.js';
export { resolveOverrides } from './resolve-overrides.js';
export type { ApplyResult, ConfigSink } from './sink.js';
export { hostGlobsOverlap, hostMatches } from './util/globs.js';
export type { ParsedService } from './util/service.js';
export { parseService } from './util/service.js';
export { contentHash, stableStringify } from './util/stable-json.js';
export { validateResources } from './validate/index.js';

export type * from './ir/types.js';
export type { Diagnostic, Severity, SourceLocation } from './diagnostics.js';
export { formatDiagnostic } from './diagnostics.js';
export type { ApplyResult, ConfigSink } from './sink.js';
export { createIR, defaultSettings, emptyFilters, sealIR } from './ir/defaults.js';
export { contentHash, stableStringify } from './util/stable-json.js';

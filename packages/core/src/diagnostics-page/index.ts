/**
 * The diagnostics page both data planes serve on their admin listener (like Emissary's
 * diagnostics): pure functions from IR and state to rows and HTML, so the proxy and the xDS
 * server share it without importing each other.
 *
 * @module
 */
export { describeClusters, describeMatch, describeRoutes } from './describe.js';
export { DiagnosticsHistory } from './history.js';
export { diagnosticsPageResponse, escapeHtml, type RenderOptions, renderDiagnosticsPage } from './render.js';
export type * from './types.js';

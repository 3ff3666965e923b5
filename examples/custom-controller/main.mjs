// A custom controller in ~50 lines: read desired state (here a JSON file; in your world a
// database, a service registry, a deploy pipeline), turn it into Mappings with the typed
// builders, compile, and hand the IR to every ConfigSink. Swap RouteTablePrinter for
// createGateway() from @gateway/proxy or an AdsServer from @gateway/envoy: same interface.
//
//   pnpm start                       reconcile apps.json once
//   pnpm start -- --watch            reconcile again whenever apps.json changes
import { readFileSync, watch } from 'node:fs';
import { compile, formatDiagnostic, mapping } from '@gateway/core';

/** Desired state -> Mappings: one per app, plus a weighted canary when asked for. */
function mappingsFor(app) {
  let base = mapping(app.name).prefix(app.prefix).service(`${app.name}:${app.port}`);
  if (app.rewrite) base = base.rewrite(app.rewrite);
  if (app.timeoutMs) base = base.timeoutMs(app.timeoutMs);
  if (app.methods?.length === 1) base = base.method(app.methods[0]);
  const out = [base.build()];
  if (app.canary) {
    const { version, weight } = app.canary;
    out.push(
      mapping(`${app.name}-${version}`)
        .prefix(app.prefix)
        .service(`${app.name}-${version}:${app.port}`)
        .weight(weight)
        .build(),
    );
  }
  return out;
}

/** A ConfigSink: anything with apply(ir) -> { accepted, version, diagnostics }. */
const RouteTablePrinter = {
  async apply(ir) {
    for (const route of ir.listeners[0]?.virtualHosts.flatMap((vh) => vh.routes) ?? []) {
      const targets =
        route.action.kind === 'forward'
          ? route.action.clusters.map((c) => `${c.cluster} ${c.weight}%`)
          : [route.action.kind];
      console.log(`route ${route.match.path.value} -> ${targets.join(', ')}`);
    }
    return { accepted: true, version: ir.version, diagnostics: [] };
  },
};

const sinks = [RouteTablePrinter];

async function reconcile(file) {
  const apps = JSON.parse(readFileSync(file, 'utf8'));
  const { ir, diagnostics } = compile(apps.flatMap(mappingsFor));
  for (const d of diagnostics) if (d.severity === 'error') console.error(formatDiagnostic(d));
  for (const sink of sinks) {
    const result = await sink.apply(ir);
    console.log(`applied version ${result.version}: accepted=${result.accepted}`);
  }
}

const file = process.argv[2] ?? 'apps.json';
await reconcile(file);
if (process.argv.includes('--watch'))
  watch(file, () => reconcile(file).catch((e) => console.error(e.message)));

import { readFileSync } from 'node:fs';
const f = process.argv[2];
const { ir, diagnostics } = JSON.parse(readFileSync(f, 'utf8'));
const m = (x) => x ? (x.exact !== undefined ? `=${x.exact}` : x.prefix !== undefined ? `^${x.prefix}` : x.suffix !== undefined ? `$${x.suffix}` : x.regex !== undefined ? `~${x.regex}` : JSON.stringify(x)) + (x.ignoreCase ? 'i' : '') : '(present)';
for (const l of ir.listeners) {
  console.log(`LISTENER ${l.name} ${l.protocol} ${l.securityModel} tls=${JSON.stringify(l.tls.map(t=>[t.serverNames,t.secret]))}`);
  for (const vh of l.virtualHosts) {
    console.log(`  VHOST ${vh.name} ${vh.domains} insecure=${vh.insecure}`);
    for (const r of vh.routes) {
      const a = r.action;
      const act = a.kind === 'forward' ? `-> ${a.clusters.map(c=>`${c.cluster}:${c.weight}${c.hostRewrite?'/hr='+c.hostRewrite:''}${c.requestHeaders?'/h='+JSON.stringify(c.requestHeaders.add.map(h=>h.name+'='+h.value)):''}`).join(', ')}${a.rewrite?' rw='+JSON.stringify(a.rewrite):''}${a.hostRewrite?' hr='+a.hostRewrite:''}${a.autoHostRewrite?' autoHR':''} t=${a.timeoutMs}${a.idleTimeoutMs?' idle='+a.idleTimeoutMs:''}${a.retry?' retry='+JSON.stringify(a.retry):''}${a.mirrors.length?' mirror='+JSON.stringify(a.mirrors):''}${a.upgrades.length?' up='+a.upgrades:''}${a.hashPolicy?' hash='+JSON.stringify(a.hashPolicy):''}${a.grpc?' grpc':''}${a.priority!=='default'?' prio='+a.priority:''}` : JSON.stringify(a);
      console.log(`    ${r.name} [${r.match.path.kind} ${r.match.path.value}${r.match.caseSensitive?'':' ci'}${r.match.fraction!==undefined?' frac='+r.match.fraction:''}] ${r.match.headers.map(h=>h.name+m(h.match)).join(' ')} ${r.match.queryParams.map(h=>'?'+h.name+m(h.match)).join(' ')} ${act}`);
      const extra = [];
      if (r.requestHeaders.add.length||r.requestHeaders.remove.length) extra.push('req='+JSON.stringify(r.requestHeaders));
      if (r.responseHeaders.add.length||r.responseHeaders.remove.length) extra.push('resp='+JSON.stringify(r.responseHeaders));
      if (r.cors) extra.push('cors='+JSON.stringify(r.cors));
      if (r.auth.bypassExtAuthz || Object.keys(r.auth.contextExtensions).length || r.auth.jwtProviders.length) extra.push('auth='+JSON.stringify(r.auth));
      if (r.rateLimits.length) extra.push('rl='+JSON.stringify(r.rateLimits));
      if (r.localRateLimit) extra.push('lrl='+JSON.stringify(r.localRateLimit));
      if (r.authorizationPolicies.length) extra.push('authz='+r.authorizationPolicies);
      if (extra.length) console.log('       ', extra.join(' '));
    }
  }
}
for (const c of ir.clusters) console.log(`CLUSTER ${c.name} ${c.service} ${JSON.stringify(c.discovery)} ${c.protocol} lb=${c.lbPolicy} ct=${c.connectTimeoutMs}${c.tls?' tls='+JSON.stringify(c.tls):''}${c.circuitBreakers.length?' cb='+JSON.stringify(c.circuitBreakers):''}${c.tcpKeepalive?' ka='+JSON.stringify(c.tcpKeepalive):''} fam=${c.dnsLookupFamily} stats=${c.statsName}${c.idleTimeoutMs?' idle='+c.idleTimeoutMs:''}`);
if (ir.secrets.length) console.log('SECRETS', JSON.stringify(ir.secrets));
const fl = {...ir.filters}; if (fl.jwt.length||fl.authorization.length||fl.extAuthz||fl.rateLimitService) console.log('FILTERS', JSON.stringify(fl));
if (ir.tcpRoutes.length) console.log('TCP', JSON.stringify(ir.tcpRoutes));
for (const d of diagnostics) console.log(`DIAG ${d.severity} ${d.resource.kind} ${d.resource.namespace}/${d.resource.name}: ${d.path}: ${d.message}${d.source?` @${d.source.line}:${d.source.column}`:''}`);

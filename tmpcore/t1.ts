import { compileYaml, stableStringify, resolveOverrides } from '../packages/core/src/index.ts';
const y = `
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
const r = compileYaml(y, {file: 'x.yaml'});
console.log(stableStringify(r.ir, 2));
console.log(r.diagnostics);
console.log(stableStringify(resolveOverrides(r.ir, {quote: '127.0.0.1:9000'}).clusters));

import { createServer } from 'node:http2';
import { PassThrough } from 'node:stream';
import { Pool } from 'undici';
const srv = createServer();
let sessions = 0;
srv.on('session', () => sessions++);
srv.on('stream', (stream, headers) => {
  stream.respond({ ':status': 200 });
  if (headers[':path'] === '/long') { stream.write('started'); return; } // never ends
  stream.end('done ' + headers[':path']);
});
await new Promise(r => srv.listen(0, '127.0.0.1', r));
const port = srv.address().port;
const pool = new Pool(`http://127.0.0.1:${port}`, { allowH2: true, pipelining: 100, connect: { useH2c: true } });
const longBody = new PassThrough();
const long = await pool.request({ path: '/long', method: 'POST', body: longBody, idempotent: true });
console.log('long started', long.statusCode);
for (let i = 0; i < 3; i++) {
  const b = new PassThrough(); b.end('x');
  const t = setTimeout(() => { console.log('STUCK on stream body request', i, 'sessions', sessions); process.exit(0); }, 2000);
  const r = await pool.request({ path: '/s' + i, method: 'POST', body: b, idempotent: true });
  clearTimeout(t);
  console.log(i, r.statusCode, await r.body.text(), 'sessions', sessions);
}
process.exit(0);

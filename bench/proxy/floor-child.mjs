// Floor proxies for the per-request CPU comparison (not products): FLOOR=pipe is a node:net byte
// pipe (one upstream socket per client socket, no HTTP parsing); FLOOR=http is a node:http server
// forwarding over raw keep-alive upstream sockets with the least parsing that works for the
// benchmark origin (Content-Length bodies). They bound what any proxy on node:net / node:http
// can cost per request on this machine.
import http from 'node:http';
import net from 'node:net';

const originPort = Number(process.env.ORIGIN_PORT);
const mode = process.env.FLOOR ?? 'http';
let server;
if (mode === 'pipe') {
  server = net.createServer((client) => {
    client.setNoDelay(true);
    const up = net.connect({ host: '127.0.0.1', port: originPort, noDelay: true });
    client.pipe(up).pipe(client);
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
  });
} else {
  const idle = [];
  const CRLF2 = Buffer.from('\r\n\r\n');
  function upstream() {
    let s = idle.pop();
    while (s?.destroyed) s = idle.pop();
    if (s) return s;
    const sock = net.connect({ host: '127.0.0.1', port: originPort, noDelay: true });
    sock.on('error', () => {});
    // An upstream connection the origin closed leaves the idle list; a request on it gets a 502.
    sock.on('close', () => {
      const i = idle.indexOf(sock);
      if (i >= 0) idle.splice(i, 1);
      if (sock.res) {
        sock.res.writeHead(502, { 'content-length': 0 });
        sock.res.end();
        sock.res = null;
      }
    });
    sock.on('data', (chunk) => {
      sock.buf = sock.buf ? Buffer.concat([sock.buf, chunk]) : chunk;
      const end = sock.buf.indexOf(CRLF2);
      if (end < 0) return;
      const head = sock.buf.toString('latin1', 0, end);
      const m = /content-length: *(\d+)/i.exec(head);
      const len = m ? Number(m[1]) : 0;
      if (sock.buf.length < end + 4 + len) return;
      const body = sock.buf.subarray(end + 4, end + 4 + len);
      const status = Number(head.slice(9, 12));
      sock.buf = null;
      const res = sock.res;
      sock.res = null;
      idle.push(sock);
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': len });
      res.end(body);
    });
    return sock;
  }
  server = http.createServer((req, res) => {
    req.resume();
    const sock = upstream();
    sock.res = res;
    sock.write(`${req.method} ${req.url} HTTP/1.1\r\nhost: ${req.headers.host}\r\n\r\n`);
  });
  server.keepAliveTimeout = 60_000;
}
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'stop') process.exit(0);
});

// The benchmark origin: a bare node:http server answering a small fixed body with keep-alive.
import http from 'node:http';

const body = Buffer.from('hello from the origin\n');
const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () =>
  process.send?.({ port: server.address().port }),
);
process.on('message', (m) => {
  if (m === 'stop') process.exit(0);
});

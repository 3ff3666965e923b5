// The upstream for the auth benchmark: a bare node:http "hello".
import { createServer } from 'node:http';

const body = Buffer.from('hello\n');
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'stop') server.close(() => process.exit(0));
});
// Never outlive the benchmark driver.
process.on('disconnect', () => process.exit(0));

import http from 'node:http';
import type { IRSettings } from '@gateway/core';

/**
 * The HTTP/1.1 side of a listener. It never listens itself: the listener's front server hands it
 * sockets (after h2c detection or TLS ALPN). Node's strict parser (never `insecureHTTPParser`)
 * rejects CL+TE, duplicate Content-Length, bare CR and bad chunking with 400; `maxHeaderSize`
 * gives 431; `headersTimeout` answers slowloris clients with 408.
 */
export function createHttp1Server(
  settings: IRSettings,
  onRequest: http.RequestListener,
  onUpgrade: (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => void,
): http.Server {
  const headersTimeout = Math.max(1, settings.requestHeadersTimeoutMs);
  const server = http.createServer(
    {
      maxHeaderSize: Math.max(1, settings.maxRequestHeadersKb) * 1024,
      insecureHTTPParser: false,
      headersTimeout,
      // Whole-request timeout stays off: bodies may stream for as long as they make progress
      // (stream idle timeout below).
      requestTimeout: 0,
      // How often header timeouts are checked; keep it well under the timeout itself.
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(headersTimeout / 4))),
      keepAliveTimeout: 5_000,
      requireHostHeader: false,
      joinDuplicateHeaders: false,
    },
    onRequest,
  );
  server.timeout = settings.streamIdleTimeoutMs;
  server.on('upgrade', onUpgrade);
  server.on('clientError', onClientError);
  // The server is fed sockets by the listener, so it never emits 'listening' by itself; that
  // event is what starts Node's header-timeout checks.
  server.emit('listening');
  return server;
}

function onClientError(
  err: NodeJS.ErrnoException & { bytesParsed?: number },
  socket: import('node:stream').Duplex,
): void {
  if (
    !socket.writable ||
    (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent
  ) {
    socket.destroy();
    return;
  }
  let status = '400 Bad Request';
  if (err.code === 'HPE_HEADER_OVERFLOW') status = '431 Request Header Fields Too Large';
  else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') status = '408 Request Timeout';
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

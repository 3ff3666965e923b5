import http2 from 'node:http2';
import type { IRSettings } from '@gateway/core';

/**
 * The HTTP/2 side of a listener (h2 after TLS ALPN, and h2c with prior knowledge). Like the
 * HTTP/1.1 server it never listens; sockets are handed to it. `maxConcurrentStreams` bounds
 * rapid-reset style abuse; header list size follows the request header limit.
 * SETTINGS_ENABLE_CONNECT_PROTOCOL is advertised so clients may open WebSockets over HTTP/2.
 */
export function createHttp2Server(
  settings: IRSettings,
  onRequest: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
): http2.Http2Server {
  const server = http2.createServer(
    {
      settings: {
        maxConcurrentStreams: Math.max(1, settings.http2MaxConcurrentStreams),
        maxHeaderListSize: Math.max(1, settings.maxRequestHeadersKb) * 1024,
        enablePush: false,
        // RFC 8441 extended CONNECT: WebSocket over HTTP/2 (see h2-websocket.ts).
        enableConnectProtocol: true,
      },
      maxSessionMemory: 64,
    },
    onRequest,
  );
  // The compatibility API reports CONNECT streams (RFC 8441 WebSockets among them) as 'connect'
  // and answers 405 when nobody listens; the request handler routes them.
  server.on('connect', onRequest);
  server.setTimeout(settings.streamIdleTimeoutMs);
  return server;
}

import type http from 'node:http';
import type http2 from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { IRListener, IRSettings } from '@gateway/core';
import { sniffCleartext } from './h2c.js';
import { createHttp1Server } from './http1.js';
import { createHttp2Server } from './http2.js';
import { handleRequest, type ListenerContext, type RuntimeHost } from './request-handler.js';
import { type ListenerTls, lookupSni } from './tls-sni.js';
import { handleUpgrade } from './upgrade.js';

/**
 * One bound port. A front server owns the socket (`net.Server` for cleartext, `tls.Server` for
 * TLS with SNI) and hands each connection to the HTTP/1.1 or HTTP/2 server by protocol detection
 * (cleartext preface) or ALPN (TLS). The port survives reloads; settings and certificates are
 * swapped in place.
 */
export interface BindAddress {
  host: string;
  port: number;
}

export class ListenerServer {
  private readonly front: net.Server;
  private h1: http.Server;
  private h2: http2.Http2Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private tlsConfig: ListenerTls | undefined;
  private settingsKey: string;
  private bound: BindAddress | undefined;
  readonly context: ListenerContext;

  constructor(
    host: RuntimeHost,
    readonly name: string,
    readonly protocol: IRListener['protocol'],
    readonly bind: BindAddress,
    settings: IRSettings,
    tlsConfig: ListenerTls | undefined,
  ) {
    const isTls = protocol === 'https';
    this.context = { host, name, tls: isTls };
    this.settingsKey = serverSettingsKey(settings);
    this.h1 = this.makeH1(settings);
    this.h2 = this.makeH2(settings);
    this.tlsConfig = tlsConfig;
    if (isTls) {
      const initial = tlsConfig;
      if (initial === undefined) throw new Error(`listener ${name} needs TLS material`);
      const server = tls.createServer({
        ...initial.fallback.options,
        ALPNProtocols: initial.alpn,
        SNICallback: (servername, cb) => {
          const cfg = this.tlsConfig;
          if (cfg === undefined) {
            cb(new Error('no TLS configuration'));
            return;
          }
          cb(null, lookupSni(cfg, servername).context);
        },
        requestCert: initial.requestCert,
        rejectUnauthorized: false,
        handshakeTimeout: Math.max(1000, settings.requestHeadersTimeoutMs),
      });
      server.on('secureConnection', (socket: tls.TLSSocket) => this.onSecureConnection(socket));
      server.on('tlsClientError', (_err, socket) => socket.destroy());
      this.front = server;
    } else {
      this.front = net.createServer((socket) => this.onCleartextConnection(socket));
    }
    this.front.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  private makeH1(settings: IRSettings): http.Server {
    return createHttp1Server(
      settings,
      (req, res) => handleRequest(this.context, req, res),
      (req, socket, head) => handleUpgrade(this.context, req, socket, head),
    );
  }

  private makeH2(settings: IRSettings): http2.Http2Server {
    const server = createHttp2Server(settings, (req, res) => handleRequest(this.context, req, res));
    server.on('session', (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      if (this.context.host.draining) session.close();
    });
    return server;
  }

  private onCleartextConnection(socket: net.Socket): void {
    socket.setNoDelay(true);
    const h1 = this.h1;
    const h2 = this.h2;
    sniffCleartext(socket, (protocol, stream) => {
      if (protocol === 'h2') h2.emit('connection', stream);
      else h1.emit('connection', stream);
    });
  }

  private onSecureConnection(socket: tls.TLSSocket): void {
    const cfg = this.tlsConfig;
    if (cfg?.requestCert) {
      const servername = (socket as tls.TLSSocket & { servername?: string | false }).servername;
      const entry = lookupSni(cfg, servername).entry;
      if (entry.requireClientCertificate && !socket.authorized) {
        socket.destroy();
        return;
      }
    }
    socket.setNoDelay(true);
    if (socket.alpnProtocol === 'h2') this.h2.emit('connection', socket);
    else this.h1.emit('connection', socket as Duplex);
  }

  async listen(): Promise<BindAddress> {
    this.bound = await listenOn(this.front, this.bind);
    return this.bound;
  }

  address(): BindAddress | undefined {
    return this.bound;
  }

  /** Applies a new config's settings and certificates; new connections use them. */
  update(settings: IRSettings, tlsConfig: ListenerTls | undefined): void {
    const key = serverSettingsKey(settings);
    if (key !== this.settingsKey) {
      // Existing connections stay on the servers that accepted them; new ones get new limits.
      const oldH1 = this.h1;
      this.h1 = this.makeH1(settings);
      this.h2 = this.makeH2(settings);
      this.settingsKey = key;
      oldH1.closeIdleConnections();
      retireHttp1(oldH1);
    }
    if (tlsConfig !== undefined) {
      this.tlsConfig = tlsConfig;
      (this.front as tls.Server).setSecureContext({ ...tlsConfig.fallback.options });
    }
  }

  /**
   * Stops accepting, lets in-flight requests finish (HTTP/2 sessions get GOAWAY, idle HTTP/1.1
   * connections close), and destroys whatever is left after `drainMs`.
   */
  async close(drainMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.front.close(() => resolve()));
    for (const session of this.sessions) session.close();
    const deadline = Date.now() + drainMs;
    while (this.sockets.size > 0 && Date.now() < deadline) {
      this.h1.closeIdleConnections();
      await new Promise((r) => setTimeout(r, 25));
    }
    for (const socket of this.sockets) socket.destroy();
    for (const session of this.sessions) session.destroy();
    retireHttp1(this.h1);
    await closed;
  }
}

/** Stops the header-timeout timer of an HTTP/1.1 server that is no longer used for new sockets. */
function retireHttp1(server: http.Server): void {
  // close() on a server that never listened reports ERR_SERVER_NOT_RUNNING; the interval
  // timer is cleared before that.
  server.close(() => undefined);
}

function serverSettingsKey(s: IRSettings): string {
  return [
    s.maxRequestHeadersKb,
    s.requestHeadersTimeoutMs,
    s.streamIdleTimeoutMs,
    s.http2MaxConcurrentStreams,
    s.connectionIdleTimeoutMs,
  ].join('/');
}

/** Listens on `bind` (backlog 1024); resolves with the bound address, rejects on a bind error. */
export function listenOn(server: net.Server, bind: BindAddress): Promise<BindAddress> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host: bind.host, port: bind.port, backlog: 1024 }, () => {
      server.off('error', onError);
      const a = server.address() as net.AddressInfo;
      resolve({ host: a.address, port: a.port });
    });
  });
}

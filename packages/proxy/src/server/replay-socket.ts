import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/**
 * A duplex over a socket that first yields bytes already read from it (an h2c preface, an
 * inspected TLS ClientHello), so a protocol layer (node:http2, node:tls) can take over the
 * connection from its first byte. Carries the socket's addresses for code that reads them.
 *
 * @example
 * ```ts
 * const tlsSocket = new tls.TLSSocket(new ReplaySocket(socket, hello, { allowHalfOpen: true }), opts);
 * ```
 */
export class ReplaySocket extends Duplex {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly remoteFamily: string | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;

  constructor(
    private readonly socket: Socket,
    head: Buffer | undefined,
    options: { allowHalfOpen?: boolean } = {},
  ) {
    super({ allowHalfOpen: options.allowHalfOpen ?? false });
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.remoteFamily = socket.remoteFamily;
    this.localAddress = socket.localAddress;
    this.localPort = socket.localPort;
    if (head && head.length > 0) this.push(head);
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.once('end', () => this.push(null));
    socket.once('error', (err) => this.destroy(err));
    socket.once('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.socket.write(chunk, encoding, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.destroy(err ?? undefined);
    cb(err);
  }
}

import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ReplaySocket } from './replay-socket.js';

/**
 * Cleartext protocol detection: an HTTP/2 client with prior knowledge starts with the connection
 * preface `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`; anything else is HTTP/1.1. The first bytes are read
 * once per connection (not per request).
 */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** 'h2' / 'http1' once decidable, or undefined when `head` is a strict prefix of the preface. */
export function detectProtocol(head: Buffer): 'h2' | 'http1' | undefined {
  const n = Math.min(head.length, H2_PREFACE.length);
  for (let i = 0; i < n; i++) if (head[i] !== H2_PREFACE[i]) return 'http1';
  return head.length >= H2_PREFACE.length ? 'h2' : undefined;
}

/**
 * Reads the first bytes of `socket` and calls back with the protocol. For HTTP/1.1 the bytes are
 * put back on the socket; for HTTP/2 (whose native session reads the socket handle directly and
 * would miss bytes already read) the socket is wrapped in a stream that replays them.
 */
export function sniffCleartext(
  socket: Socket,
  onDetected: (protocol: 'h2' | 'http1', stream: Duplex | Socket) => void,
): void {
  let head: Buffer | undefined;
  const onData = (chunk: Buffer) => {
    head = head === undefined ? chunk : Buffer.concat([head, chunk]);
    const protocol = detectProtocol(head);
    if (protocol === undefined) return;
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.pause();
    if (protocol === 'http1') {
      socket.unshift(head);
      onDetected('http1', socket);
      socket.resume();
    } else {
      onDetected('h2', new ReplaySocket(socket, head));
    }
  };
  const onClose = () => socket.off('data', onData);
  socket.on('data', onData);
  socket.once('close', onClose);
}

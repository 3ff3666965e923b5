import { Transform, type TransformCallback } from 'node:stream';

/**
 * Request limits enforced by the gateway itself. Header size (431), header timeout (slowloris)
 * and CL/TE framing errors are enforced by Node's strict HTTP parser and server options (see
 * server/http1.ts); here: body size, duplicate Host, and header names with underscores.
 */

/** Counts body bytes and fails the stream once `limit` is exceeded (413 at the gateway). */
export class BodyLimiter extends Transform {
  private seen = 0;
  exceeded = false;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      this.exceeded = true;
      cb(new Error(`request body exceeds ${this.limit} bytes`));
      return;
    }
    cb(null, chunk);
  }
}

/** True when the raw header list carries more than one Host (request smuggling / vhost confusion). */
export function hasDuplicateHost(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 4 && name.toLowerCase() === 'host') {
      if (seen) return true;
      seen = true;
    }
  }
  return false;
}

/** Names of headers containing `_` (for `headersWithUnderscoresAction`). */
export function underscoreHeaders(headers: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const name in headers) if (name.indexOf('_') !== -1) out.push(name);
  return out;
}

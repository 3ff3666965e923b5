import { createHash, type Hash } from 'node:crypto';
import type { GatewayIR } from '@gateway/core';

/** Objects whose JSON is at most this long are memoised; larger containers are streamed. */
const MEMO_LIMIT = 64 * 1024;

/**
 * The IR's `version` is sha256 over core's `stableStringify` of the IR body. Recomputing that
 * over a 5,000-route IR costs more than the whole incremental update, so this feeds the hash the
 * identical byte stream from memoised pieces: IR objects are immutable and unchanged ones are
 * shared between versions, so only what changed is serialised again, and the multi-megabyte
 * top-level arrays are never materialised as one string.
 */
export class StableSealer {
  private cache = new WeakMap<object, string>();

  /** Same result as core's `sealIR(body)`, byte for byte, `version` included. */
  seal(body: Omit<GatewayIR, 'version' | 'schema'>): GatewayIR {
    const parts = {
      settings: body.settings,
      listeners: body.listeners,
      clusters: body.clusters,
      secrets: body.secrets,
      filters: body.filters,
      tcpRoutes: body.tcpRoutes,
    };
    const hash = createHash('sha256');
    this.feed(parts, hash);
    return { schema: 'gateway.ir/v1', version: hash.digest('hex').slice(0, 16), ...parts };
  }

  /** `stableStringify(value)` with per-object memoisation (for small values). */
  json(value: unknown): string {
    const out: string[] = [];
    this.write(value, (s) => out.push(s));
    return out.join('');
  }

  private feed(value: unknown, hash: Hash): void {
    // Batch small writes: one hash.update per ~64 KiB instead of one per token.
    let buffer = '';
    this.write(value, (s) => {
      buffer += s;
      if (buffer.length > MEMO_LIMIT) {
        hash.update(buffer);
        buffer = '';
      }
    });
    hash.update(buffer);
  }

  /** Writes the stable JSON of `value`, memoising it when small enough. */
  private write(value: unknown, emit: (s: string) => void): void {
    if (value === null) {
      emit('null');
      return;
    }
    switch (typeof value) {
      case 'string':
      case 'number':
      case 'boolean':
        emit(JSON.stringify(value));
        return;
      case 'object':
        break;
      default:
        emit('null');
        return;
    }
    const obj = value as object;
    const hit = this.cache.get(obj);
    if (hit !== undefined) {
      emit(hit);
      return;
    }
    // Serialise into a local buffer; memoise it unless it grew large (then it was streamed).
    let local: string[] | undefined = [];
    let size = 0;
    const put = (s: string) => {
      if (local) {
        local.push(s);
        size += s.length;
        if (size > MEMO_LIMIT) {
          for (const piece of local) emit(piece);
          local = undefined;
        }
      } else emit(s);
    };
    if (Array.isArray(obj)) {
      put('[');
      obj.forEach((v, i) => {
        if (i > 0) put(',');
        if (v === undefined || typeof v === 'function') put('null');
        else this.write(v, put);
      });
      put(']');
    } else {
      const rec = obj as Record<string, unknown>;
      put('{');
      let first = true;
      for (const k of Object.keys(rec).sort()) {
        const v = rec[k];
        if (v === undefined || typeof v === 'function') continue;
        put(first ? `${JSON.stringify(k)}:` : `,${JSON.stringify(k)}:`);
        first = false;
        this.write(v, put);
      }
      put('}');
    }
    if (local) {
      const s = local.join('');
      this.cache.set(obj, s);
      emit(s);
    }
  }
}

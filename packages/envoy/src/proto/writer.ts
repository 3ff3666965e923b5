/**
 * A protobuf wire writer over one growable Buffer. Nested messages reserve one length byte and
 * are shifted in place when longer than 127 bytes, so encoding allocates almost nothing per
 * field (protobufjs's Writer allocates an operation object per write, which dominated the cost
 * of encoding large route tables).
 *
 * @module
 */

const TWO_32 = 4294967296;

export class WireWriter {
  buf: Buffer;
  pos = 0;
  readonly #starts: number[] = [];

  constructor(initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  reset(): void {
    this.pos = 0;
    this.#starts.length = 0;
  }

  #ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Unsigned varint for 0 ≤ v < 2^53. */
  uint(v: number): void {
    this.#ensure(10);
    const b = this.buf;
    let p = this.pos;
    if (v < 0x80) {
      b[p++] = v;
    } else if (v < TWO_32) {
      let x = v >>> 0;
      while (x > 0x7f) {
        b[p++] = (x & 0x7f) | 0x80;
        x >>>= 7;
      }
      b[p++] = x;
    } else {
      let x = v;
      while (x > 0x7f) {
        b[p++] = (x % 128) | 0x80;
        x = Math.floor(x / 128);
      }
      b[p++] = x;
    }
    this.pos = p;
  }

  tag(t: number): void {
    this.uint(t);
  }

  /** int32/enum: negative values are sign-extended to 10 bytes. */
  int32(v: number): void {
    if (v >= 0) this.uint(v);
    else this.big(BigInt.asUintN(64, BigInt(v)));
  }

  sint32(v: number): void {
    this.uint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  /** 64-bit varint from a non-negative bigint < 2^64. */
  big(v: bigint): void {
    this.#ensure(10);
    let x = v;
    while (x > 0x7fn) {
      this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.pos++] = Number(x);
  }

  int64(v: bigint): void {
    if (v >= 0n && v < 9007199254740992n) this.uint(Number(v));
    else this.big(BigInt.asUintN(64, v));
  }

  sint64(v: bigint): void {
    this.big(BigInt.asUintN(64, (v << 1n) ^ (v >> 63n)));
  }

  bool(v: boolean): void {
    this.#ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  fixed32(v: number): void {
    this.#ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  sfixed32(v: number): void {
    this.#ensure(4);
    this.buf.writeInt32LE(v | 0, this.pos);
    this.pos += 4;
  }

  fixed64(v: bigint): void {
    this.#ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
  }

  sfixed64(v: bigint): void {
    this.#ensure(8);
    this.buf.writeBigInt64LE(BigInt.asIntN(64, v), this.pos);
    this.pos += 8;
  }

  double(v: number): void {
    this.#ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  float(v: number): void {
    this.#ensure(4);
    this.buf.writeFloatLE(v, this.pos);
    this.pos += 4;
  }

  /** Length-delimited UTF-8 string. */
  string(s: string): void {
    const n = s.length;
    if (n < 43) {
      // At most 3 bytes per UTF-16 unit: the length fits one byte. ASCII is copied inline.
      this.#ensure(1 + n * 3);
      const b = this.buf;
      const start = this.pos;
      let p = start + 1;
      let ascii = true;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          ascii = false;
          break;
        }
        b[p++] = c;
      }
      if (!ascii) p = start + 1 + b.write(s, start + 1, 'utf8');
      b[start] = p - start - 1;
      this.pos = p;
      return;
    }
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    const len = ascii ? n : Buffer.byteLength(s, 'utf8');
    this.uint(len);
    this.#ensure(len);
    if (ascii) this.buf.write(s, this.pos, len, 'latin1');
    else this.buf.write(s, this.pos, len, 'utf8');
    this.pos += len;
  }

  /** Length-delimited raw bytes. */
  bytes(v: Uint8Array): void {
    this.uint(v.length);
    this.#ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /** Starts a length-delimited sub-message (after its tag). */
  fork(): void {
    this.#ensure(1);
    this.#starts.push(this.pos);
    this.pos += 1;
  }

  /** Ends the sub-message started by the matching {@link fork}, writing its length. */
  ldelim(): void {
    const start = this.#starts.pop() as number;
    const len = this.pos - start - 1;
    if (len < 0x80) {
      this.buf[start] = len;
      return;
    }
    let size = 1;
    for (let x = len; x >= 0x80; x = Math.floor(x / 128)) size++;
    this.#ensure(size - 1);
    this.buf.copyWithin(start + size, start + 1, this.pos);
    let x = len;
    let p = start;
    while (x > 0x7f) {
      this.buf[p++] = (x % 128) | 0x80;
      x = Math.floor(x / 128);
    }
    this.buf[p] = x;
    this.pos += size - 1;
  }

  /** A copy of the bytes written since `from`. */
  slice(from = 0): Buffer {
    return Buffer.from(this.buf.subarray(from, this.pos));
  }
}

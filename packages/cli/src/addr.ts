import { UsageError } from './io.js';

/** `host:port` or `[ipv6]:port`, as the `--listen` / `--admin` flags take it. */
const ADDR = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/;

/**
 * Checks the shape of an `addr:port` flag value; a wrong one is a usage error (exit 2) naming
 * the flag.
 *
 * @example
 * ```ts
 * checkAddr('--admin', '127.0.0.1:8877'); // ok
 * checkAddr('--admin', '8877'); // throws UsageError: --admin must be addr:port, got "8877"
 * ```
 */
export function checkAddr(flag: string, value: string): void {
  if (!ADDR.test(value)) throw new UsageError(`${flag} must be addr:port, got "${value}"`);
}

/**
 * Splits an `addr:port` flag value (brackets of an IPv6 address dropped); a wrong shape or a
 * port above 65535 is a usage error naming the flag.
 *
 * @example
 * ```ts
 * parseAddr('--listen', '[::1]:8080'); // { host: '::1', port: 8080 }
 * ```
 */
export function parseAddr(flag: string, value: string): { host: string; port: number } {
  checkAddr(flag, value);
  const colon = value.lastIndexOf(':');
  let host = value.slice(0, colon);
  if (host.startsWith('[')) host = host.slice(1, -1);
  const port = Number(value.slice(colon + 1));
  if (port > 65535) throw new UsageError(`${flag}: port out of range in "${value}"`);
  return { host, port };
}

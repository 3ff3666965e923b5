/** `host:port` or `[v6]:port` → parts; undefined when malformed. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end === -1 || text[end + 1] !== ':') return undefined;
    host = text.slice(1, end);
    portText = text.slice(end + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon <= 0 || text.indexOf(':') !== colon) return undefined;
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535 || host === '') return undefined;
  return { host, port };
}

/**
 * Virtual-host selection by Host/:authority, with Envoy's precedence: exact domain, then the
 * longest suffix wildcard (`*.example.com`, `*-api.example.com`), then the longest prefix
 * wildcard (`api.*`), then `*`. A wildcard matches at least one character. Lookup costs one Map
 * probe per distinct wildcard length, independent of the number of domains.
 */
export class HostMatcher<T> {
  private readonly exact = new Map<string, T>();
  /** Suffix wildcards grouped by suffix length, longest first. */
  private readonly suffixes: Array<{ length: number; byText: Map<string, T> }> = [];
  private readonly prefixes: Array<{ length: number; byText: Map<string, T> }> = [];
  private fallback: T | undefined;
  /** Small memo for wildcard lookups: hosts repeat, and slicing strings per request adds up. */
  private readonly memo = new Map<string, T | null>();

  /** Adds a domain glob. The first value registered for a domain wins (domains are unique per listener). */
  add(domain: string, value: T): void {
    const d = domain.toLowerCase();
    if (d === '*') {
      if (this.fallback === undefined) this.fallback = value;
    } else if (d.startsWith('*')) {
      addByLength(this.suffixes, d.slice(1), value);
    } else if (d.endsWith('*')) {
      addByLength(this.prefixes, d.slice(0, -1), value);
    } else if (!this.exact.has(d)) {
      this.exact.set(d, value);
    }
  }

  /** Finds the value for a lower-case host. */
  match(host: string): T | undefined {
    const exact = this.exact.get(host);
    if (exact !== undefined) return exact;
    if (this.suffixes.length === 0 && this.prefixes.length === 0) return this.fallback;
    const memo = this.memo.get(host);
    if (memo !== undefined) return memo ?? this.fallback;
    const found = this.matchWildcards(host);
    if (this.memo.size >= 4096) this.memo.clear();
    this.memo.set(host, found ?? null);
    return found ?? this.fallback;
  }

  private matchWildcards(host: string): T | undefined {
    for (const group of this.suffixes) {
      if (host.length <= group.length) continue;
      const hit = group.byText.get(host.slice(host.length - group.length));
      if (hit !== undefined) return hit;
    }
    for (const group of this.prefixes) {
      if (host.length <= group.length) continue;
      const hit = group.byText.get(host.slice(0, group.length));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
}

function addByLength<T>(
  groups: Array<{ length: number; byText: Map<string, T> }>,
  text: string,
  value: T,
): void {
  let group = groups.find((g) => g.length === text.length);
  if (!group) {
    group = { length: text.length, byText: new Map() };
    groups.push(group);
    groups.sort((a, b) => b.length - a.length);
  }
  if (!group.byText.has(text)) group.byText.set(text, value);
}

/**
 * Normalises an authority for vhost matching: lower-case, no trailing dot, and without `:port`
 * when `stripPort` is set (IPv6 literals keep their brackets).
 */
export function normalizeAuthority(authority: string, stripPort: boolean): string {
  let host = authority;
  if (stripPort) {
    const colon = host.lastIndexOf(':');
    if (
      colon !== -1 &&
      host.indexOf(']', colon) === -1 &&
      (host.charCodeAt(0) === 91 /* [ */ || host.indexOf(':') === colon)
    ) {
      host = host.slice(0, colon);
    }
  }
  if (host.charCodeAt(host.length - 1) === 46 /* . */) host = host.slice(0, -1);
  // Most clients already send lower case; skip the allocation when nothing changes.
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c >= 65 && c <= 90) return host.toLowerCase();
  }
  return host;
}

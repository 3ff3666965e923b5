/**
 * A compressed radix tree from literal path prefixes to route indices. Walking it along a request
 * path yields, for every indexed key that is a prefix of the path, the routes registered under
 * that key (each list ascending). The cost is proportional to the path length, not the number of
 * routes, which keeps lookups flat for tables with thousands of prefix routes.
 */
interface RadixNode {
  label: string;
  children: Map<number, RadixNode> | null;
  /** Route indices whose key ends exactly at this node, ascending. */
  routes: number[];
}

export class PrefixIndex {
  private readonly root: RadixNode = { label: '', children: null, routes: [] };
  private nodes = 1;

  /** Registers `route` under `key`. Routes must be inserted in ascending index order. */
  insert(key: string, route: number): void {
    let node = this.root;
    let i = 0;
    for (;;) {
      if (i === key.length) {
        node.routes.push(route);
        return;
      }
      const c = key.charCodeAt(i);
      if (node.children === null) node.children = new Map();
      const child = node.children.get(c);
      if (!child) {
        node.children.set(c, { label: key.slice(i), children: null, routes: [route] });
        this.nodes++;
        return;
      }
      const label = child.label;
      let j = 1;
      while (j < label.length && i + j < key.length && label.charCodeAt(j) === key.charCodeAt(i + j)) j++;
      if (j < label.length) {
        // Split the edge so that a key can end (or branch) inside it.
        const mid: RadixNode = { label: label.slice(0, j), children: new Map(), routes: [] };
        child.label = label.slice(j);
        (mid.children as Map<number, RadixNode>).set(child.label.charCodeAt(0), child);
        node.children.set(c, mid);
        this.nodes++;
        node = mid;
      } else {
        node = child;
      }
      i += j;
    }
  }

  /**
   * Writes into `out`, from position `start`, the route list of every key that is a prefix of
   * `path`, shortest key first. Returns the new end position.
   */
  collect(path: string, out: number[][], start = 0): number {
    let n = start;
    let node = this.root;
    if (node.routes.length > 0) out[n++] = node.routes;
    let pos = 0;
    while (pos < path.length && node.children !== null) {
      const child = node.children.get(path.charCodeAt(pos));
      if (child === undefined || !path.startsWith(child.label, pos)) break;
      pos += child.label.length;
      if (child.routes.length > 0) out[n++] = child.routes;
      node = child;
    }
    return n;
  }

  /** Number of tree nodes (for memory reporting in benchmarks). */
  get size(): number {
    return this.nodes;
  }
}

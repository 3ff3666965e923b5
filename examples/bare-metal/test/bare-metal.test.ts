import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const dir = fileURLToPath(new URL('..', import.meta.url));

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: { loadBalancer?: { ingress?: { ip: string }[] } };
}

// Runs the example (node main.mjs, on the built packages) and reads back the YAML it prints.
describe('examples/bare-metal', () => {
  it('renders the MetalLB pool, a LoadBalancer Service with its address, and the Ingress', async () => {
    const { stdout, stderr } = await run(process.execPath, ['main.mjs'], { cwd: dir, timeout: 20_000 });
    expect(stderr).toContain('LoadBalancer shop/web -> 192.168.1.240 (pool lan)');
    const objects = parseAllDocuments(stdout)
      .map((d) => d.toJS() as KubeObject | null)
      .filter((o): o is KubeObject => o !== null);
    const find = (kind: string, name: string) =>
      objects.find((o) => o.kind === kind && o.metadata.name === name);

    expect(find('IPAddressPool', 'lan')?.spec).toMatchObject({ addresses: ['192.168.1.240/28'] });
    expect(find('L2Advertisement', 'lan')?.spec).toMatchObject({ ipAddressPools: ['lan'] });

    const web = find('Service', 'web');
    expect(web?.spec).toMatchObject({ type: 'LoadBalancer' });
    expect(web?.metadata.annotations?.['metallb.io/address-pool']).toBe('lan');
    expect(web?.status?.loadBalancer?.ingress).toEqual([{ ip: '192.168.1.240' }]);
    expect(find('Service', 'api')?.spec).toMatchObject({ type: 'ClusterIP' });

    const ingress = find('Ingress', 'gateway');
    expect(ingress?.metadata.namespace).toBe('shop');
    expect(JSON.stringify(ingress?.spec)).toContain('"path":"/api/"');
  });
});

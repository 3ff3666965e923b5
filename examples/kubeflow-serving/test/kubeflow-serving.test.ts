import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = fileURLToPath(new URL('..', import.meta.url));

// Runs the example's scripted walk-through (node main.mjs, on the built packages).
describe('examples/kubeflow-serving', () => {
  it('adds and removes model routes on the running gateway; POST-only, rewritten to :predict', async () => {
    const { stdout } = await run(process.execPath, ['main.mjs'], {
      cwd: dir,
      env: { ...process.env, PORT: '0' },
      timeout: 20_000,
    });
    const lines = stdout.trim().split('\n');
    const requests = lines.filter((l) => /^(GET|POST) /.test(l));
    expect(requests).toEqual([
      'POST /models/mnist/ -> 200 {"model":"mnist","path":"/model/mnist/:predict","predictions":[2]}',
      'GET /models/mnist/ -> 404',
      'POST /models/resnet/ -> 200 {"model":"resnet","path":"/model/resnet/:predict","predictions":[2]}',
      'POST /models/mnist/ -> 404',
      'POST /models/resnet/ -> 200 {"model":"resnet","path":"/model/resnet/:predict","predictions":[2]}',
    ]);
    expect(lines.filter((l) => l.startsWith('apply: '))).toEqual([
      'apply: accepted=true models=[] routes=0',
      'apply: accepted=true models=[mnist] routes=1',
      'apply: accepted=true models=[mnist,resnet] routes=2',
      'apply: accepted=true models=[resnet] routes=1',
    ]);
  });
});

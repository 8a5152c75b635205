/**
 * Backend choice: the first backend that works in the order webgpu → tensorflow → wasm →
 * cpu, each one passed over with its reason; an explicit request that cannot run is an
 * error, never a silent fallback.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { BACKEND_NAMES, chooseBackend, webGpuProbeCount } from 'convlens-runtime/backend-choice';

describe('runtime: backend choice', function () {
  this.timeout(60_000);

  it('auto takes the first that works and says why the better ones were passed over', async () => {
    const choice = await chooseBackend();
    const rank = BACKEND_NAMES.indexOf(choice.backend);
    assert.deepEqual(choice.passedOver.map((entry) => entry.backend), BACKEND_NAMES.slice(0, rank));
    for (const entry of choice.passedOver) assert.ok(entry.reason.length > 10, `${entry.backend}: '${entry.reason}'`);
    assert.match(choice.summary, new RegExp(`^${choice.backend}`));
  });

  it('asks for a WebGPU adapter once per process (the runtime process chooses a backend per request), with the same choice', async () => {
    const first = await chooseBackend();
    const probes = webGpuProbeCount();
    assert.deepEqual(await chooseBackend(), first);
    assert.equal(webGpuProbeCount(), probes);
    await chooseBackend({ requested: 'cpu' });
  });

  it('an explicit request takes that backend or fails with the reason', async () => {
    assert.deepEqual(await chooseBackend({ requested: 'cpu' }), { backend: 'cpu', passedOver: [], summary: 'cpu' });
    let installed = true;
    try {
      createRequire(__filename).resolve('@tensorflow/tfjs-node');
    } catch {
      installed = false;
    }
    if (!installed) {
      await assert.rejects(chooseBackend({ requested: 'tensorflow', workspace: __dirname }), /backend 'tensorflow' cannot run here: not installed/);
    }
    await chooseBackend({ requested: 'cpu' });
  });
});

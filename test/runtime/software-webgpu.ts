/**
 * What the WebGPU tests share: the environment that lets a child process run `--backend
 * webgpu` on Mesa's software adapter, and the rule for a machine without Mesa's EGL and
 * GLES — skipped locally, a failure in CI (which installs them: .ci/run).
 */
import assert from 'node:assert/strict';
import { WEBGPU_SOFTWARE_VARIABLE } from 'convlens-runtime/backend-choice';

export const SOFTWARE_WEBGPU_ENV: NodeJS.ProcessEnv = { ...process.env, [WEBGPU_SOFTWARE_VARIABLE]: '1' };

/** Skips `test` when the child found no software adapter; in CI that fails instead. */
export function skipWithoutSoftwareAdapter(test: Mocha.Context, status: number | null, stderr: string): void {
  if (status === 0 || !/no OpenGL ES adapter/.test(stderr)) return;
  if ((process.env['CI'] ?? 'false') !== 'false') assert.fail(`CI must run the WebGPU test: ${stderr.trim()}`);
  test.skip();
}

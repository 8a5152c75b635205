/**
 * The runtime process: `child_process.fork` this file (runtime-client.ts does) and talk to
 * it with the messages of protocol.ts. Training runs here, never on the extension host's
 * thread. One training at a time; `cancelTraining` stops it after the current batch and
 * leaves the last checkpoint as it was; feature maps and a GAN's latent interpolations are
 * computed from a checkpoint on request. Every request is validated on receipt. When a
 * request's checkpoint is recovered from the leftovers of an interrupted swap
 * (training/checkpoint-folders.ts), a `[convlens]` line on stderr says which was used (the
 * extension forwards stderr to its log line by line).
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend } from './backend-choice';
import { interpolateSamples } from './inspection/gan-interpolation';
import { readInputPixels, toInputPixels } from './inspection/input-image';
import { computeEffectiveReceptiveField, computeGradCam } from './inspection/attribution';
import { computeFeatureMaps, predictTopK } from './inspection/inspection';
import { loadTrainedModel, toInputTensor } from './inspection/trained-model';
import {
  isRuntimeRequest,
  type ComputeEffectiveReceptiveFieldRequest,
  type ComputeFeatureMapsRequest,
  type ComputeGradCamRequest,
  type InterpolateSamplesRequest, type RuntimeEvent, type StartTrainingRequest } from './protocol';
import { runTraining } from './run-training';

function send(event: RuntimeEvent): void {
  process.send?.(event);
}

/** One line for the log: the runtime's own lines go to stderr with `[convlens]`. */
function log(line: string): void {
  console.error(`[convlens] ${line}`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

let running: AbortController | null = null;

async function startTraining(request: StartTrainingRequest): Promise<void> {
  if (running !== null) {
    send({ event: 'failed', message: 'a training is already running in this process; cancel it first' });
    return;
  }
  const controller = new AbortController();
  running = controller;
  try {
    const onEvent = (event: RuntimeEvent): void => {
      // The run is over once its last event is out: a request that follows may start another.
      if (event.event === 'finished' || event.event === 'stopped') running = null;
      send(event);
    };
    await runTraining(request.root, request.settings, { onEvent, signal: controller.signal }, { log });
  } catch (error) {
    running = null;
    send({ event: 'failed', message: describe(error) });
  } finally {
    if (running === controller) running = null;
  }
}

async function computeMaps(request: ComputeFeatureMapsRequest): Promise<void> {
  try {
    await chooseBackend({ requested: 'auto', workspace: request.cwd });
    const { compiled, state, recovered } = await loadTrainedModel(request.root, path.resolve(request.cwd, request.checkpoint));
    if (recovered !== null) log(`feature maps of ${request.layer}: ${recovered}`);
    const shape = compiled.inputShape as [number, number, number];
    const pixels = await readInputPixels(request.input, shape, request.cwd);
    const input = toInputTensor(pixels, compiled, state);
    const maps = await computeFeatureMaps(compiled, request.layer, input);
    tf.dispose(input);
    compiled.model.dispose();
    send({ event: 'featureMaps', layer: maps.layer, shape: maps.shape, values: Array.from(maps.values), min: maps.min, max: maps.max, input: toInputPixels(pixels, shape) });
  } catch (error) {
    send({ event: 'failed', message: describe(error) });
  }
}

/** The checkpoint's model and the normalised input tensor of a request (the caller disposes both). */
async function loadInput(request: ComputeEffectiveReceptiveFieldRequest | ComputeGradCamRequest, what: string) {
  await chooseBackend({ requested: 'auto', workspace: request.cwd });
  const trained = await loadTrainedModel(request.root, path.resolve(request.cwd, request.checkpoint));
  if (trained.recovered !== null) log(`${what}: ${trained.recovered}`);
  const pixels = await readInputPixels(request.input, trained.compiled.inputShape as [number, number, number], request.cwd);
  return { ...trained, input: toInputTensor(pixels, trained.compiled, trained.state) };
}

async function effectiveReceptiveField(request: ComputeEffectiveReceptiveFieldRequest): Promise<void> {
  try {
    const { compiled, input } = await loadInput(request, `the effective receptive field of ${request.layer}`);
    try {
      const field = await computeEffectiveReceptiveField(compiled, request.layer, request.unit, input);
      send({ event: 'effectiveReceptiveField', layer: field.layer, unit: request.unit, shape: field.shape, values: Array.from(field.values), min: field.min, max: field.max });
    } finally {
      tf.dispose(input);
      compiled.model.dispose();
    }
  } catch (error) {
    send({ event: 'failed', message: describe(error) });
  }
}

async function gradCam(request: ComputeGradCamRequest): Promise<void> {
  try {
    const { compiled, state, input } = await loadInput(request, 'Grad-CAM');
    try {
      const classIndex = request.classIndex ?? (await predictTopK(compiled, input, state.classes, 1))[0]?.index ?? 0;
      const cam = await computeGradCam(compiled, input, classIndex, request.layer);
      const label = state.classes[classIndex] ?? String(classIndex);
      send({ event: 'gradCam', layer: cam.layer, classIndex, label, probability: Math.min(1, Math.max(0, cam.probability)), shape: cam.shape, values: Array.from(cam.values), min: cam.min, max: cam.max });
    } finally {
      tf.dispose(input);
      compiled.model.dispose();
    }
  } catch (error) {
    send({ event: 'failed', message: describe(error) });
  }
}

async function interpolate(request: InterpolateSamplesRequest): Promise<void> {
  try {
    await chooseBackend({ requested: 'auto', workspace: request.cwd });
    const directory = path.resolve(request.cwd, request.checkpoint);
    const strip = await interpolateSamples(request.root, directory, request.from, request.to, request.steps);
    if (strip.recovered !== null) log(`interpolation from sample ${request.from} to ${request.to}: ${strip.recovered}`);
    send({ event: 'interpolationReady', from: request.from, to: request.to, steps: strip.steps, png: strip.png.toString('base64') });
  } catch (error) {
    send({ event: 'failed', message: describe(error) });
  }
}

process.on('message', (message: unknown) => {
  if (!isRuntimeRequest(message)) {
    const type = typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string' ? (message as { type: string }).type : null;
    const what = type !== null && ['startTraining', 'cancelTraining', 'computeFeatureMaps', 'interpolateSamples', 'computeEffectiveReceptiveField', 'computeGradCam'].includes(type) ? `a malformed ${type} request (a field missing or out of its range)` : 'an unknown request';
    send({ event: 'failed', message: `the runtime process refused ${what}: ${JSON.stringify(message)?.slice(0, 200)}` });
    return;
  }
  switch (message.type) {
    case 'startTraining':
      void startTraining(message);
      break;
    case 'cancelTraining':
      running?.abort();
      break;
    case 'computeFeatureMaps':
      void computeMaps(message);
      break;
    case 'interpolateSamples':
      void interpolate(message);
      break;
    case 'computeEffectiveReceptiveField':
      void effectiveReceptiveField(message);
      break;
    case 'computeGradCam':
      void gradCam(message);
      break;
    default: {
      const unreachable: never = message;
      return unreachable;
    }
  }
});

// The parent going away ends the process; training has nobody to report to.
process.on('disconnect', () => process.exit(0));

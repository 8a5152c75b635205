/**
 * `convlens run <file.ts> --model EXPORT --checkpoint DIR --image PATH [--feature-maps LAYER]
 * [--filters] [--cam CLASS [--cam-layer LAYER]] [--top K] [--out DIR] [--json]`: a trained
 * classifier on one image — its top-k predictions, and on request the feature maps of a
 * layer, the first layer's filters and the Grad-CAM of a class over a convolutional layer
 * drawn over the image, written as PNG (and as JSON data) into --out.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { CliIo } from './cli-io';
import { checkNoErrors, loadExportedRoot } from './exported-root';
import { checkOutputFolder } from './output-folder';
import { loadRuntime } from './runtime-package';
import { parseCommandLine, theModelFile, toUsageError } from './usage-error';
import { RUN_SYNOPSIS, USAGE } from './usage';
import { UserError } from './user-error';

function parseRunArgs(args: readonly string[]) {
  return parseCommandLine(
    args,
    {
      model: { type: 'string' },
      checkpoint: { type: 'string' },
      image: { type: 'string' },
      'feature-maps': { type: 'string' },
      filters: { type: 'boolean' },
      cam: { type: 'string' },
      'cam-layer': { type: 'string' },
      top: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    RUN_SYNOPSIS,
  );
}

/** A file name for a layer's name (which may hold any character a user wrote). */
function toFileStem(name: string): string {
  return name.replace(/[^-A-Za-z0-9_.]/g, '_');
}

export async function runRun(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseRunArgs(args);
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  const file = theModelFile(positionals, 'run', RUN_SYNOPSIS);
  const runtime = loadRuntime('run', io.cwd);
  const { chooseBackend, readImage, toModelPixels, computeFeatureMaps, predictTopK, readFirstLayerFilters, renderFeatureMaps, renderFilters, loadTrainedModel, toInputTensor, computeGradCam, renderGradCam } = runtime;
  if (values.checkpoint === undefined) throw toUsageError('run needs --checkpoint DIR (the folder convlens train wrote)', RUN_SYNOPSIS);
  if (values.image === undefined) throw toUsageError('run needs --image PATH (a PNG or JPEG)', RUN_SYNOPSIS);
  const top = values.top === undefined ? 5 : Number(values.top);
  if (!Number.isInteger(top) || top <= 0) throw toUsageError(`--top must be a positive integer, got '${values.top}'`, RUN_SYNOPSIS);
  const wantsFiles = values['feature-maps'] !== undefined || values.filters === true || values.cam !== undefined;
  if (wantsFiles && values.out === undefined) throw toUsageError(`${values.cam !== undefined ? '--cam' : '--feature-maps and --filters'} write${values.cam !== undefined ? 's' : ''} PNG files: give --out DIR`, RUN_SYNOPSIS);
  if (values['cam-layer'] !== undefined && values.cam === undefined) throw toUsageError('--cam-layer picks the layer of --cam CLASS: give --cam too', RUN_SYNOPSIS);
  if (values.out !== undefined) await checkOutputFolder(path.resolve(io.cwd, values.out), io.cwd);

  const { exportName, root } = await loadExportedRoot(file, values.model, io, RUN_SYNOPSIS);
  if (root.kind !== 'model') throw new UserError(`${exportName} is a GAN; run works on classifiers (a GAN's samples are written by convlens train)`);
  checkNoErrors(root, exportName);
  try {
    await chooseBackend({ requested: 'auto', workspace: io.cwd });
    const { compiled, state, recovered } = await loadTrainedModel(root, path.resolve(io.cwd, values.checkpoint));
    if (recovered !== null) io.stderr(`convlens: ${recovered}\n`);
    const imagePath = path.resolve(io.cwd, values.image);
    const image = await readImage(imagePath, values.image).catch((error: unknown) => {
      throw new UserError(`cannot read ${values.image}: ${(error as Error).message}`);
    });
    const inputShape = compiled.inputShape as [number, number, number];
    const pixels = toModelPixels(image, inputShape);
    const input = toInputTensor(pixels, compiled, state);
    const predictions = await predictTopK(compiled, input, state.classes, top);
    const report: Record<string, unknown> = { predictions };
    // Everything is computed before anything is written, so that a wrong --feature-maps
    // layer leaves no empty --out folder behind.
    const maps = values['feature-maps'] === undefined ? null : await computeFeatureMaps(compiled, values['feature-maps'], input);
    const filters = values.filters === true ? await readFirstLayerFilters(compiled) : null;
    const cam = values.cam === undefined ? null : await computeGradCam(compiled, input, classIndexOf(values.cam, state.classes), values['cam-layer'] ?? null);
    const out = values.out === undefined ? null : path.resolve(io.cwd, values.out);
    if (out !== null && (maps !== null || filters !== null || cam !== null)) await mkdir(out, { recursive: true });
    if (maps !== null && out !== null) {
      const stem = `feature-maps-${toFileStem(maps.layer)}`;
      await writeFile(path.join(out, `${stem}.png`), renderFeatureMaps(maps));
      await writeFile(path.join(out, `${stem}.json`), JSON.stringify({ layer: maps.layer, shape: maps.shape, min: maps.min, max: maps.max, values: Array.from(maps.values) }));
      report['featureMaps'] = { layer: maps.layer, shape: maps.shape, min: maps.min, max: maps.max, png: path.join(out, `${stem}.png`), data: path.join(out, `${stem}.json`) };
    }
    if (filters !== null && out !== null) {
      await writeFile(path.join(out, 'filters.png'), renderFilters(filters));
      await writeFile(path.join(out, 'filters.json'), JSON.stringify({ layer: filters.layer, shape: filters.shape, values: Array.from(filters.values) }));
      report['filters'] = { layer: filters.layer, shape: filters.shape, png: path.join(out, 'filters.png'), data: path.join(out, 'filters.json') };
    }
    if (cam !== null && out !== null) {
      const label = state.classes[cam.classIndex] ?? String(cam.classIndex);
      const stem = `grad-cam-${toFileStem(label)}`;
      await writeFile(path.join(out, `${stem}.png`), renderGradCam(cam, pixels, inputShape));
      const data = { layer: cam.layer, classIndex: cam.classIndex, label, score: cam.score, probability: cam.probability, shape: cam.shape, min: cam.min, max: cam.max, values: Array.from(cam.values) };
      await writeFile(path.join(out, `${stem}.json`), JSON.stringify(data));
      report['gradCam'] = { layer: cam.layer, classIndex: cam.classIndex, label, probability: cam.probability, shape: cam.shape, png: path.join(out, `${stem}.png`), data: path.join(out, `${stem}.json`) };
    }
    input.dispose();
    if (values.json === true) {
      io.stdout(`${JSON.stringify(report)}\n`);
    } else {
      for (const prediction of predictions) io.stdout(`${prediction.label.padEnd(14)} ${(prediction.probability * 100).toFixed(2).padStart(6)}%\n`);
      const written = report['featureMaps'] as { layer: string; shape: number[]; png: string } | undefined;
      if (written !== undefined) io.stdout(`feature maps of ${written.layer} (${written.shape.join('×')}): ${path.relative(io.cwd, written.png)}\n`);
      const writtenFilters = report['filters'] as { layer: string; png: string } | undefined;
      if (writtenFilters !== undefined) io.stdout(`filters of ${writtenFilters.layer}: ${path.relative(io.cwd, writtenFilters.png)}\n`);
      const writtenCam = report['gradCam'] as { layer: string; label: string; probability: number; png: string } | undefined;
      if (writtenCam !== undefined) io.stdout(`Grad-CAM of class ${writtenCam.label} (${(writtenCam.probability * 100).toFixed(2)}%) over ${writtenCam.layer}: ${path.relative(io.cwd, writtenCam.png)}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof runtime.TrainingError || error instanceof runtime.InspectionError) throw new UserError(error.message);
    throw error;
  }
}

/**
 * The class --cam names: one of the checkpoint's class names (MNIST's are 0…9, a folder
 * dataset's its subfolders), else an index into them.
 */
function classIndexOf(name: string, classes: readonly string[]): number {
  const byName = classes.indexOf(name);
  if (byName >= 0) return byName;
  const index = /^\d+$/.test(name) ? Number(name) : -1;
  if (index >= 0 && index < classes.length) return index;
  const shown = classes.length <= 20 ? classes.join(', ') : `${classes.slice(0, 20).join(', ')}, … (${classes.length})`;
  throw new UserError(`unknown class '${name}' for --cam: the checkpoint's classes are ${shown} (a name, or an index 0…${classes.length - 1})`);
}

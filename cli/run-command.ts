/**
 * `convlens run <file.ts> --model EXPORT --checkpoint DIR --image PATH [--feature-maps LAYER]
 * [--filters] [--top K] [--out DIR] [--json]`: a trained classifier on one image — its top-k
 * predictions, and on request the feature maps of a layer and the first layer's filters,
 * written as PNG (and as JSON data) into --out.
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
  const { chooseBackend, readImage, toModelPixels, computeFeatureMaps, predictTopK, readFirstLayerFilters, renderFeatureMaps, renderFilters, loadTrainedModel, toInputTensor } = runtime;
  if (values.checkpoint === undefined) throw toUsageError('run needs --checkpoint DIR (the folder convlens train wrote)', RUN_SYNOPSIS);
  if (values.image === undefined) throw toUsageError('run needs --image PATH (a PNG or JPEG)', RUN_SYNOPSIS);
  const top = values.top === undefined ? 5 : Number(values.top);
  if (!Number.isInteger(top) || top <= 0) throw toUsageError(`--top must be a positive integer, got '${values.top}'`, RUN_SYNOPSIS);
  const wantsFiles = values['feature-maps'] !== undefined || values.filters === true;
  if (wantsFiles && values.out === undefined) throw toUsageError('--feature-maps and --filters write PNG files: give --out DIR', RUN_SYNOPSIS);
  if (values.out !== undefined) await checkOutputFolder(path.resolve(io.cwd, values.out), io.cwd);

  const { exportName, root } = await loadExportedRoot(file, values.model, io, RUN_SYNOPSIS);
  if (root.kind !== 'model') throw new UserError(`${exportName} is a GAN; run works on classifiers (a GAN's samples are written by convlens train)`);
  checkNoErrors(root, exportName);
  await chooseBackend({ requested: 'auto', workspace: io.cwd });
  try {
    const { compiled, state, recovered } = await loadTrainedModel(root, path.resolve(io.cwd, values.checkpoint));
    if (recovered !== null) io.stderr(`convlens: ${recovered}\n`);
    const imagePath = path.resolve(io.cwd, values.image);
    const image = await readImage(imagePath, values.image).catch((error: unknown) => {
      throw new UserError(`cannot read ${values.image}: ${(error as Error).message}`);
    });
    const input = toInputTensor(toModelPixels(image, compiled.inputShape as [number, number, number]), compiled, state);
    const predictions = await predictTopK(compiled, input, state.classes, top);
    const report: Record<string, unknown> = { predictions };
    // Everything is computed before anything is written, so that a wrong --feature-maps
    // layer leaves no empty --out folder behind.
    const maps = values['feature-maps'] === undefined ? null : await computeFeatureMaps(compiled, values['feature-maps'], input);
    const filters = values.filters === true ? await readFirstLayerFilters(compiled) : null;
    const out = values.out === undefined ? null : path.resolve(io.cwd, values.out);
    if (out !== null && (maps !== null || filters !== null)) await mkdir(out, { recursive: true });
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
    input.dispose();
    if (values.json === true) {
      io.stdout(`${JSON.stringify(report)}\n`);
    } else {
      for (const prediction of predictions) io.stdout(`${prediction.label.padEnd(14)} ${(prediction.probability * 100).toFixed(2).padStart(6)}%\n`);
      const written = report['featureMaps'] as { layer: string; shape: number[]; png: string } | undefined;
      if (written !== undefined) io.stdout(`feature maps of ${written.layer} (${written.shape.join('×')}): ${path.relative(io.cwd, written.png)}\n`);
      const writtenFilters = report['filters'] as { layer: string; png: string } | undefined;
      if (writtenFilters !== undefined) io.stdout(`filters of ${writtenFilters.layer}: ${path.relative(io.cwd, writtenFilters.png)}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof runtime.TrainingError || error instanceof runtime.InspectionError) throw new UserError(error.message);
    throw error;
  }
}

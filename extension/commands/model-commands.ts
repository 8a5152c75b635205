/**
 * The commands that act on a model — Train Model, Train GAN, Stop Training, Show Summary,
 * Show Feature Maps, Show GAN Samples, Run Model on Image — and the panels' requests,
 * which lead to the same actions. The model always comes from static evaluation (the
 * plugin's `_convlens.model`, or in-process); no user code runs in the extension host.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExportedModel, ModelSummary } from 'convlens/service';
import { encodePng } from 'convlens-runtime/inspection/image-grid';
import type { FoundCheckpoint } from 'convlens-runtime/training/checkpoint-folders';
import type { InspectionInput, PanelMessage, PanelTab } from '../../webviews/protocol';
import { toTrainingSettings } from '../configuration';
import type { ExtensionParts } from '../extension-parts';
import { checkpointFolder, classesOf, describeMissingCheckpoint, findRunCheckpoint, readConvolutionFilters, runFolder, toPredictions } from '../inspection/checkpoint-files';
import { inputCaption, toInterpolationRequest } from '../inspection/inspector';
import { ActionError, resolveTarget, workspaceFolderOf, type ModelTarget } from '../model-target';
import { toFeatureMapsMessage, toHostMessages } from '../panels/host-messages';
import type { ModelPanel } from '../panels/model-panel';
import { outputLayerOf } from '../panels/panel-content';
import { BUILTIN_DATASET_SHAPES, describeDatasetMismatch } from '../training/dataset-fit';
import { COMMANDS } from './command-ids';
import { ensureTrusted } from './workspace-trust';

const IMAGE_FILTERS = { Images: ['png', 'jpg', 'jpeg'] };

export class ModelCommands {
  /** The image each panel inspected last (`imageFile` with `reuse`). */
  private readonly lastImage = new WeakMap<ModelPanel, string>();

  constructor(private readonly parts: ExtensionParts) {}

  async train(args: readonly unknown[], kind: 'model' | 'gan' | undefined): Promise<void> {
    const { analysis, training, panels, log } = this.parts;
    if (!(await ensureTrusted('Training'))) return;
    const target = await resolveTarget(analysis, args, kind);
    if (target === undefined) return;
    const running = training.running;
    if (running !== undefined) {
      if (running.uri.toString() === target.uri.toString() && running.exportName === target.exportName) {
        await panels.open(target, 'training');
        return;
      }
      const stop = 'Stop Training';
      const choice = await vscode.window.showWarningMessage(`ConvLens is training ${running.exportName}; stop it before training ${target.exportName}.`, stop);
      if (choice === stop) training.stop();
      return;
    }
    const model = await this.trainableModel(target);
    const cwd = workspaceFolderOf(target.uri);
    const settings = toTrainingSettings(this.parts.settings(), { kind: model.kind, cwd, outDirectory: runFolder(cwd, target.exportName) });
    const mismatch = describeDatasetMismatch(settings.dataset, model.root, target.exportName);
    if (mismatch !== null) throw new ActionError(mismatch);
    await panels.open(target, model.kind === 'gan' ? 'samples' : 'training');
    // A second click may have started a run while this one was getting ready.
    if (training.running !== undefined) return;
    try {
      await training.train(target, model, settings);
    } catch (error) {
      await log.reportFailure(`Training ${target.exportName}`, error);
    }
  }

  stop(): void {
    if (!this.parts.training.stop()) this.parts.log.info('Stop Training: nothing is training');
  }

  async show(args: readonly unknown[], tab: PanelTab, kind: 'model' | 'gan' | undefined): Promise<ModelPanel | undefined> {
    const target = await resolveTarget(this.parts.analysis, args, kind);
    if (target === undefined) return undefined;
    return await this.parts.panels.open(target, tab);
  }

  /** Show Feature Maps: the panel's tab, with the first test sample through the first layer when there is a checkpoint. */
  async showFeatureMaps(args: readonly unknown[]): Promise<void> {
    const panel = await this.show(args, 'featureMaps', 'model');
    if (panel === undefined) return;
    if (!vscode.workspace.isTrusted) {
      panel.postInspection({ type: 'inspectionFailed', message: 'Feature maps need a trusted workspace (they run TensorFlow.js).' });
      return;
    }
    const summary = await this.parts.analysis.summary(panel.target.uri.fsPath, panel.target.exportName);
    const first = summary?.rows.find((row) => !row.container && row.kind !== 'unknown');
    if (summary === null || first === undefined) return;
    await this.inspect(panel, first.name, { source: 'testSample', index: 0 });
  }

  /** Run Model on Image: pick an image, see its predictions and the first layer's feature maps. */
  async runOnImage(args: readonly unknown[]): Promise<void> {
    if (!(await ensureTrusted('Running a model'))) return;
    const target = await resolveTarget(this.parts.analysis, args, 'model');
    if (target === undefined) return;
    const image = await this.pickImage();
    if (image === undefined) return;
    const panel = await this.parts.panels.open(target, 'featureMaps');
    this.lastImage.set(panel, image);
    const summary = await this.parts.analysis.summary(target.uri.fsPath, target.exportName);
    const first = summary?.rows.find((row) => !row.container && row.kind !== 'unknown');
    if (first === undefined) throw new ActionError(`${target.exportName} has no layer to inspect`);
    await this.inspect(panel, first.name, { source: 'imageFile', reuse: true });
  }

  /** A panel's request. */
  async handle(panel: ModelPanel, message: Exclude<PanelMessage, { type: 'ready' }>): Promise<void> {
    const { target } = panel;
    switch (message.type) {
      case 'revealLine': {
        const document = await vscode.workspace.openTextDocument(target.uri);
        const line = Math.min(Math.max(message.line - 1, 0), document.lineCount - 1);
        const position = new vscode.Position(line, document.lineAt(line).firstNonWhitespaceCharacterIndex);
        const shown = vscode.window.visibleTextEditors.find((editor) => editor.document.uri.toString() === target.uri.toString());
        await vscode.window.showTextDocument(document, { viewColumn: shown?.viewColumn ?? vscode.ViewColumn.One, selection: new vscode.Range(position, position) });
        return;
      }
      case 'startTraining':
        await vscode.commands.executeCommand(COMMANDS.trainModel, target.uri, target.exportName);
        return;
      case 'stopTraining':
        this.stop();
        return;
      case 'computeFeatureMaps':
        if (!vscode.workspace.isTrusted) {
          panel.postInspection({ type: 'inspectionFailed', message: 'Feature maps need a trusted workspace (they run TensorFlow.js).' });
          return;
        }
        await this.inspect(panel, message.layer, message.input);
        return;
      case 'saveDiagram':
        await this.saveDiagram(panel, message.format, message.data);
        return;
      case 'interpolate':
        if (!vscode.workspace.isTrusted) {
          panel.postInspection({ type: 'inspectionFailed', message: 'Latent interpolation needs a trusted workspace (it runs TensorFlow.js).' });
          return;
        }
        await this.interpolate(panel, message);
        return;
      case 'computeEffectiveReceptiveField':
      case 'computeGradCam':
        if (!vscode.workspace.isTrusted) {
          panel.postInspection({ type: 'inspectionFailed', message: 'Receptive fields and Grad-CAM need a trusted workspace (they run TensorFlow.js).' });
          return;
        }
        await this.attribute(panel, message);
        return;
      default: {
        const unreachable: never = message;
        return unreachable;
      }
    }
  }

  /** Save as SVG / PNG from the diagram: where the user says, `<export>.svg` beside the model by default. */
  private async saveDiagram(panel: ModelPanel, format: 'svg' | 'png', data: string): Promise<void> {
    const { target } = panel;
    const defaultUri = vscode.Uri.joinPath(vscode.Uri.file(path.dirname(target.uri.fsPath)), `${target.exportName}.${format}`);
    const uri = await vscode.window.showSaveDialog({ defaultUri, filters: format === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] }, title: `Save the diagram of ${target.exportName}` });
    if (uri === undefined) return;
    const bytes = format === 'svg' ? Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${data}\n`, 'utf8') : Buffer.from(data, 'base64');
    await vscode.workspace.fs.writeFile(uri, bytes);
    this.parts.log.info(`${panel.title}: saved the diagram to ${uri.fsPath}`);
  }

  /**
   * The run's checkpoint to read (the newest complete one, wherever an interrupted swap left
   * it), logged when it is a leftover standing in for `checkpoint/`; null after telling the
   * panel why there is none.
   */
  private async findCheckpoint(panel: ModelPanel, run: string, cwd: string, fail: (message: string) => void): Promise<FoundCheckpoint | null> {
    const found = await findRunCheckpoint(run).catch((error: unknown) => {
      this.parts.log.error(`${panel.title}: looking for the checkpoint in ${run}`, error);
      return null;
    });
    if (found === null) {
      fail(describeMissingCheckpoint(run, panel.target.exportName, cwd));
      return null;
    }
    if (found.recovery !== null) this.parts.log.info(`${panel.title}: recovered checkpoint: ${found.recovery}`);
    return found;
  }

  /**
   * Feature maps of `layer` for an input, the predictions for it, and the first
   * convolution's filters, from the model's checkpoint. Problems go to the panel. The
   * runtime is asked for `<run>/checkpoint` and recovers the same newest complete folder
   * itself; what the extension reads (classes, dataset, filters) comes from that folder.
   */
  private async inspect(panel: ModelPanel, layer: string, input: InspectionInput): Promise<void> {
    const { target } = panel;
    const cwd = workspaceFolderOf(target.uri);
    const run = runFolder(cwd, target.exportName);
    const fail = (message: string): void => panel.postInspection({ type: 'inspectionFailed', message });
    const found = await this.findCheckpoint(panel, run, cwd, fail);
    if (found === null) return;
    const checkpoint = checkpointFolder(run);
    const model = await this.parts.analysis.model(target.uri.fsPath, target.exportName);
    if (model === null || model.root.kind !== 'model') {
      fail(`${target.exportName} is not a classifier ConvLens can evaluate.`);
      return;
    }
    const source = await this.toRuntimeInput(panel, input, found);
    if (source === undefined) return;
    try {
      const maps = await this.parts.inspector.featureMaps({ root: model.root, checkpoint, layer, input: source, cwd });
      panel.postInspection(toFeatureMapsMessage(maps, inputCaption(input, source)));
      const summary = await this.parts.analysis.summary(target.uri.fsPath, target.exportName);
      await this.postPredictions(panel, model, summary, checkpoint, found, source, cwd);
      await this.postFilters(panel, summary, found.folder);
    } catch (error) {
      this.parts.log.error(`${panel.title}: feature maps of ${layer}`, error);
      fail(error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * A unit's effective receptive field, or Grad-CAM of a class over a layer, for the input the
   * panel shows, from the model's checkpoint (recovered as feature maps' is); problems go to
   * the panel.
   */
  private async attribute(panel: ModelPanel, message: Extract<PanelMessage, { type: 'computeEffectiveReceptiveField' | 'computeGradCam' }>): Promise<void> {
    const { target } = panel;
    const cwd = workspaceFolderOf(target.uri);
    const run = runFolder(cwd, target.exportName);
    const fail = (text: string): void => panel.postInspection({ type: 'inspectionFailed', message: text });
    const found = await this.findCheckpoint(panel, run, cwd, fail);
    if (found === null) return;
    const model = await this.parts.analysis.model(target.uri.fsPath, target.exportName);
    if (model === null || model.root.kind !== 'model') {
      fail(`${target.exportName} is not a classifier ConvLens can evaluate.`);
      return;
    }
    const input = await this.toRuntimeInput(panel, message.input, found);
    if (input === undefined) return;
    const request = { root: model.root, checkpoint: checkpointFolder(run), input, cwd };
    try {
      const answer =
        message.type === 'computeGradCam'
          ? await this.parts.inspector.gradCam({ ...request, layer: message.layer, classIndex: message.classIndex })
          : await this.parts.inspector.effectiveReceptiveField({ ...request, layer: message.layer, unit: message.unit });
      for (const reply of toHostMessages(answer, 0)) panel.postInspection(reply);
    } catch (error) {
      this.parts.log.error(`${panel.title}: ${message.type === 'computeGradCam' ? 'Grad-CAM' : `the effective receptive field of ${message.layer}`}`, error);
      fail(error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * A GAN's latent interpolation between two cells of its sample grid, rendered by the
   * runtime from the run's checkpoint (recovered as feature maps' is); problems go to the panel.
   */
  private async interpolate(panel: ModelPanel, message: Extract<PanelMessage, { type: 'interpolate' }>): Promise<void> {
    const { target } = panel;
    const cwd = workspaceFolderOf(target.uri);
    const run = runFolder(cwd, target.exportName);
    const fail = (text: string): void => panel.postInspection({ type: 'inspectionFailed', message: text });
    if ((await this.findCheckpoint(panel, run, cwd, fail)) === null) return;
    const model = await this.parts.analysis.model(target.uri.fsPath, target.exportName);
    if (model === null || model.root.kind !== 'gan') {
      fail(`${target.exportName} is not a GAN ConvLens can evaluate.`);
      return;
    }
    try {
      const strip = await this.parts.inspector.interpolation(toInterpolationRequest(model.root, cwd, target.exportName, message));
      for (const reply of toHostMessages(strip, 0)) panel.postInspection(reply);
    } catch (error) {
      this.parts.log.error(`${panel.title}: interpolation from sample ${message.from} to ${message.to}`, error);
      fail(error instanceof Error ? error.message : String(error));
    }
  }

  private async postPredictions(
    panel: ModelPanel,
    model: ExportedModel,
    summary: ModelSummary | null,
    checkpoint: string,
    found: FoundCheckpoint,
    input: { readonly image: string } | { readonly dataset: string; readonly testIndex: number },
    cwd: string,
  ): Promise<void> {
    const output = summary === null ? undefined : outputLayerOf(summary);
    if (output === undefined || model.root.kind !== 'model') return;
    const maps = await this.parts.inspector.featureMaps({ root: model.root, checkpoint, layer: output.name, input, cwd });
    if (maps.shape.length !== 1) return;
    panel.postInspection({ type: 'predictionsComputed', predictions: toPredictions(maps.values, classesOf(found.state), output.kind === 'softmax') });
  }

  private async postFilters(panel: ModelPanel, summary: ModelSummary | null, checkpoint: string): Promise<void> {
    const first = summary?.rows.find((row) => row.kind === 'conv2d');
    if (first === undefined) return;
    const filters = await readConvolutionFilters(checkpoint, first.name).catch((error: unknown) => {
      this.parts.log.warn(`${panel.title}: could not read the filters of ${first.name}: ${String(error)}`);
      return null;
    });
    if (filters !== null) panel.postInspection({ type: 'filtersComputed', layer: first.name, filters });
  }

  /** The runtime's input for a panel's choice; undefined when the user cancelled a dialog. */
  private async toRuntimeInput(
    panel: ModelPanel,
    input: InspectionInput,
    found: FoundCheckpoint,
  ): Promise<{ readonly image: string } | { readonly dataset: string; readonly testIndex: number } | undefined> {
    switch (input.source) {
      case 'testSample': {
        const dataset = trainedDatasetOf(found.state) ?? this.parts.settings().training.dataset;
        return { dataset, testIndex: input.index };
      }
      case 'imageFile': {
        const last = this.lastImage.get(panel);
        const image = input.reuse === true && last !== undefined ? last : await this.pickImage();
        if (image === undefined) return undefined;
        this.lastImage.set(panel, image);
        return { image };
      }
      case 'drawing':
        return { image: await writeDrawing(input.width, input.height, input.pixels) };
      default: {
        const unreachable: never = input;
        return unreachable;
      }
    }
  }

  private async pickImage(): Promise<string | undefined> {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: IMAGE_FILTERS, openLabel: 'Run the model on it', title: 'ConvLens: an image for the model' });
    return picked?.[0]?.fsPath;
  }

  private async trainableModel(target: ModelTarget): Promise<ExportedModel> {
    const model = await this.parts.analysis.model(target.uri.fsPath, target.exportName);
    if (model === null) throw new ActionError(`${vscode.workspace.asRelativePath(target.uri)} has no exported model '${target.exportName}' that ConvLens can evaluate`);
    if (model.errors.length > 0) throw new ActionError(`${target.exportName} has ${model.errors.length === 1 ? 'a shape error' : `${model.errors.length} shape errors`}: ${model.errors[0]}`);
    if (model.unknown !== null) throw new ActionError(`${target.exportName} has a value static evaluation cannot know: ${model.unknown}`);
    return model;
  }
}

/** The built-in dataset a checkpoint was trained on (its training.json), so test samples come from it; else null (the settings' is used). */
function trainedDatasetOf(state: Readonly<Record<string, unknown>>): string | null {
  const dataset = state['dataset'];
  return typeof dataset === 'string' && dataset in BUILTIN_DATASET_SHAPES ? dataset : null;
}

/** A drawn digit (grey values in [0, 1], white ink on black as MNIST's) as a PNG the runtime reads and resizes. */
async function writeDrawing(width: number, height: number, pixels: readonly number[]): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'convlens-drawing-'));
  const file = path.join(folder, 'drawing.png');
  const data = Uint8Array.from(pixels, (value) => Math.round(Math.min(Math.max(value, 0), 1) * 255));
  await writeFile(file, encodePng({ width, height, channels: 1, data }));
  return file;
}

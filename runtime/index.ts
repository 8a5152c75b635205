/**
 * The ConvLens runtime (the package `convlens-runtime`): IR → TensorFlow.js models,
 * backends, datasets, training and GAN loops, checkpoints and inspection (README.md).
 * Importing it loads TensorFlow.js; a host that trains in a child process imports
 * `convlens-runtime/runtime-client` and `convlens-runtime/protocol` instead.
 */
export { compileGan, compileModel, CompileError } from './compile';
export type { AuxHead, CompiledGan, CompiledLayer, CompiledModel, CompileOptions } from './compile';
export { toIrShape, toTensorShape } from './layout';
export { BACKEND_NAMES, chooseBackend, isBackendName } from './backend-choice';
export type { BackendChoice, BackendName, PassedOver } from './backend-choice';
export { BUILTIN_DATASETS, DatasetError, loadDataset } from './datasets/load-dataset';
export type { Dataset, ImageSet } from './datasets/dataset';
export { runTraining } from './run-training';
export { toAutoWorkers } from './training/data-parallel';
export { readImage, toModelPixels } from './datasets/image-file';
export { RuntimeClient, RuntimeProcessError } from './runtime-client';
export type * from './protocol';
export { isRuntimeEvent, isRuntimeRequest } from './protocol';
export { TrainingError } from './training/training-error';
export { loadCheckpointModel } from './training/checkpoint';
export { computeFeatureMaps, InspectionError, predictTopK, readFirstLayerFilters, renderFeatureMaps, renderFilters } from './inspection/inspection';
export { computeEffectiveReceptiveField, computeGradCam, evaluateGraph, lastConvolution, renderGradCam } from './inspection/attribution';
export type { EffectiveReceptiveField, GradCam, HeatMap, Unit } from './inspection/attribution';
export { loadTrainedModel, toInputTensor } from './inspection/trained-model';
export { interpolateSamples, MAX_INTERPOLATION_STEPS } from './inspection/gan-interpolation';

/**
 * The ConvLens runtime: IR → TensorFlow.js models, backends, datasets, training and GAN
 * loops, checkpoints and inspection (runtime/README.md).
 */
export { compileGan, compileModel, CompileError } from './compile';
export type { AuxHead, CompiledGan, CompiledLayer, CompiledModel, CompileOptions } from './compile';
export { toIrShape, toTensorShape } from './layout';
export { BACKEND_NAMES, chooseBackend, isBackendName } from './backend-choice';
export type { BackendChoice, BackendName, PassedOver } from './backend-choice';
export { BUILTIN_DATASETS, DatasetError, loadDataset } from './datasets/load-dataset';
export type { Dataset, ImageSet } from './datasets/dataset';
export { runTraining } from './run-training';
export { RuntimeClient, RuntimeProcessError } from './runtime-client';
export type * from './protocol';
export { isRuntimeEvent, isRuntimeRequest } from './protocol';
export { TrainingError } from './training/training-error';
export { loadCheckpointModel } from './training/checkpoint';
export { computeFeatureMaps, predictTopK, readFirstLayerFilters, renderFeatureMaps, renderFilters } from './inspection/inspection';
export { loadTrainedModel } from './inspection/trained-model';
export { interpolateSamples, MAX_INTERPOLATION_STEPS } from './inspection/gan-interpolation';

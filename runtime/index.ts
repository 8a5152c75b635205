/**
 * The ConvLens runtime: IR → TensorFlow.js models, backends, datasets, training and GAN
 * loops, checkpoints and inspection (runtime/README.md).
 */
export { compileGan, compileModel, CompileError } from './compile';
export type { AuxHead, CompiledGan, CompiledLayer, CompiledModel, CompileOptions } from './compile';
export { toIrShape, toTensorShape } from './layout';

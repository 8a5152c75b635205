// The entry of ConvLens's WebAssembly SIMD module (AssemblyScript): what it exports.
export { convolve, convolveSingleChannel, cropFrom, filterGradient, inputGradient, padInto } from './convolution';
export { addArrays, addBias, maxPoolGradient2x2, reluForward, reluGradient, sumPeriods } from './channels';
export { matMul, transpose } from './matmul';
export { adam, momentum } from './optimizers';
export { rotateFilter, winogradConvolve, winogradFilter, winogradFilterGradient, winogradFilterGradientOutput } from './winograd';
export { batchNormApply, batchNormGradientApply, batchNormGradientSums, batchNormSums } from './batch-norm';
export { winograd4Convolve, winograd4Filter, winograd4FilterGradient, winograd4FilterGradientOutput } from './winograd4';

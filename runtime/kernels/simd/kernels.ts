// The entry of ConvLens's WebAssembly SIMD module (AssemblyScript): what it exports.
export { convolve, filterGradient, inputGradient } from './convolution';
export { addBias, maxPoolGradient2x2, sumPeriods } from './channels';

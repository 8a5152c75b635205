/** Hand-overs from ConvLens to other frameworks (interop/README.md). */
export * from './pytorch/index';

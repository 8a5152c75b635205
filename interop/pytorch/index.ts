/**
 * ConvLens → PyTorch: model.py (nn.Modules named after the DSL structure), train.py
 * (DistributedDataParallel under torchrun) and convlens_checkpoint.py (ConvLens checkpoints
 * ⇄ state_dicts). See interop/README.md.
 */
export { ExportError, type ExportErrorReason } from './export-error';
export { exportToPyTorch, type ExportFile, type PyTorchExport } from './export-pytorch';
export type { AuxHeadPlan, ModulePlan, NetworkPlan, OutputActivation, WeightEntry } from './plan-network';
export type { ExportOrigin } from './render-model-py';
export { toTensorFlowLayerNames } from './tensorflow-names';
export { writeExportFiles, type WriteExportOptions } from './write-export-files';

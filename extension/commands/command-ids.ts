/** The extension's command ids (package.json `contributes.commands`; extension/README.md lists them). */
export const COMMANDS = {
  trainModel: 'convlens.trainModel',
  stopTraining: 'convlens.stopTraining',
  runModelOnImage: 'convlens.runModelOnImage',
  showSummary: 'convlens.showSummary',
  showArchitecture: 'convlens.showArchitecture',
  compareModels: 'convlens.compareModels',
  showFeatureMaps: 'convlens.showFeatureMaps',
  trainGan: 'convlens.trainGan',
  showSamples: 'convlens.showSamples',
  exportModel: 'convlens.exportModel',
  newModelFile: 'convlens.newModelFile',
  showLog: 'convlens.showLog',
} as const;

/** The help text (`convlens --help`) and the one-line reminder that usage errors end with. */
export const USAGE = `Usage: convlens <command> [options]

Commands:
  summary <file.ts> [--model EXPORT] [--json] [--execute] [--diagram FILE.svg]
      Output shapes, parameters, MACs and receptive fields of every model and GAN that
      <file.ts> exports, layer by layer, with totals and findings. Static: the file is
      evaluated with TypeScript, as the editor does, and none of its code runs.
        --execute        Run the file instead (bundled with esbuild), for models that
                         depend on what only running can tell (Math.random(), data files).
        --model EXPORT   Summarise only the export named EXPORT.
        --json           Print JSON instead of tables.
        --diagram FILE   Also write the architecture diagram of the model (one export:
                         pick it with --model) as SVG: a node per layer, containers as
                         groups (large ones collapsed), edges labelled with shapes.
        --expand         Draw every container open (slow past a few hundred layers).
        --emphasis params|macs  What the bar under each node shows (default params).

  summary <A.ts> [<B.ts>] --compare [--model A] [--model B] [--json] [--execute]
      Two models side by side, stage by stage (the layers at one resolution): parameters,
      MACs, activation memory and receptive field of each, and the differences B − A.
      From two files exporting one model each, or named with --model (in order); from
      one file with two --model.

  check [files|folders|tsconfig.json ...] [--json]
      Report the findings of every model in the given files (default: the current folder;
      folders are searched for .ts/.tsx files, a tsconfig.json brings its own files and
      those of its references) as \`file:line:col - error CL1004: message\`, exactly as
      the editor shows them. No code runs. Exit 1 when any finding is an error.
        --json           Print { "files": N, "diagnostics": [...] } instead.

  train <file.ts> --model EXPORT [--dataset mnist|fashion-mnist|cifar10|FOLDER] [--epochs N]
        [--batch-size N] [--lr X] [--optimizer sgd|adam] [--backend auto|webgpu|tensorflow|wasm|cpu]
        [--out DIR] [--resume] [--json] [--dry-run] [--tta] [--crop N] [--mirror]
        [--validation-split X] [--seed N] [--workers N|auto] [--limit N] [--test-limit N]
      Train an exported model (or GAN) with TensorFlow.js: a progress bar, a line per epoch,
      a checkpoint after each (DIR/checkpoint, default .convlens/runs/EXPORT), the test
      accuracy at the end; a GAN writes sample grids (DIR/samples). Ctrl-C stops after the
      current batch and keeps the last checkpoint. Defaults: 1 epoch, batch 64, Adam at 0.001
      (SGD 0.01, GAN 0.0002), no validation split, the dataset matching a 1@28×28 or 3@32×32
      input. --dry-run builds the model only; --json prints one JSON event per line.
      Needs the training runtime: npm install --save-dev convlens-runtime.
        --tta            Average each test prediction with its mirror image's.
        --crop N         Augment with random crops after N pixels of zero padding.
        --mirror         Augment with random horizontal mirroring.
        --workers N      Data-parallel worker threads; auto (the default) takes one per
                         core, up to 4, on the wasm and cpu backends, and 1 elsewhere.
        --limit N        Train on the first N images only (a quick run).
        --test-limit N   Test on the first N test images only.

  run <file.ts> --model EXPORT --checkpoint DIR --image PATH [--feature-maps LAYER]
        [--filters] [--cam CLASS [--cam-layer LAYER]] [--top K] [--out DIR] [--json]
      Classify one PNG or JPEG with a trained checkpoint: the top K classes (default 5);
      with --out, the feature maps of LAYER (a name convlens summary shows) and the first
      convolution's filters as PNG grids and JSON data, and with --cam the Grad-CAM of
      CLASS (a class name, or its index) over the last conv2d (or --cam-layer) drawn over
      the image. Needs convlens-runtime, as train.

  export <file.ts> --to pytorch [--model EXPORT] [--out DIR] [--force] [--execute]
      Write the model (or GAN) as PyTorch: model.py (nn.Modules named after the DSL
      structure, built by build_model(), or build_generator() and build_discriminator()),
      train.py (DistributedDataParallel under torchrun) and convlens_checkpoint.py (ConvLens
      checkpoints <-> PyTorch state_dicts), into DIR (default EXPORT-pytorch). Static, as
      summary is; --execute runs the file instead.
        --force          Replace files that exist in DIR (without it nothing is overwritten).

Options:
  -h, --help             Show this help.

Exit status: 0 when no model has an error finding, 1 when one has, 2 when the command
or the file could not be used (the message says why).
`;

export const SUMMARY_SYNOPSIS = 'convlens summary <file.ts> [--model EXPORT] [--json] [--execute] [--diagram FILE.svg [--expand] [--emphasis params|macs]]';

export const COMPARE_SYNOPSIS = 'convlens summary <A.ts> [<B.ts>] --compare [--model A] [--model B] [--json] [--execute]';

export const CHECK_SYNOPSIS = 'convlens check [files|folders|tsconfig.json ...] [--json]';

export const TRAIN_SYNOPSIS = 'convlens train <file.ts> --model EXPORT [--dataset NAME|FOLDER] [--epochs N] [--batch-size N] [--lr X] [--optimizer sgd|adam] [--backend NAME] [--out DIR] [--resume] [--json] [--dry-run] [--tta]';

export const RUN_SYNOPSIS = 'convlens run <file.ts> --model EXPORT --checkpoint DIR --image PATH [--feature-maps LAYER --out DIR] [--cam CLASS --out DIR]';

export const EXPORT_SYNOPSIS = 'convlens export <file.ts> --to pytorch [--model EXPORT] [--out DIR] [--force] [--execute]';

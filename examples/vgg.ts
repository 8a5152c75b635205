/**
 * VGG (Simonyan, Zisserman, "Very deep convolutional networks for large-scale image
 * recognition", 2014), written as torchvision writes it: one table of configurations
 * (the paper's columns A, B, D and E) and a helper that turns a column into layers.
 */
import {
  adaptiveAvgPool2d,
  batchNorm,
  conv2d,
  dense,
  dropout,
  flatten,
  input,
  maxPool2d,
  model,
  relu,
} from 'convlens';
import type { LayerNode, ModelNode } from 'convlens';

/** A number is a 3×3 convolution with that many filters; 'M' a 2×2 max pool. */
type VggConfig = readonly (number | 'M')[];

const cfgs: Record<'A' | 'B' | 'D' | 'E', VggConfig> = {
  A: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  B: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  D: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  E: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

/**
 * The convolutional part. Padding 1 keeps every 3×3 convolution size-preserving, so only
 * the five pools shrink the maps: 224 → 7. torchvision keeps the convolution bias even
 * when batch norm follows it, so the _bn models differ by exactly BN's γ and β.
 */
function makeFeatures(cfg: VggConfig, withBatchNorm: boolean): LayerNode[] {
  return cfg.flatMap((entry): LayerNode[] =>
    entry === 'M'
      ? [maxPool2d(2)]
      : withBatchNorm
        ? [conv2d(entry, 3, { padding: 1 }), batchNorm(), relu()]
        : [conv2d(entry, 3, { padding: 1 }), relu()],
  );
}

function vgg(name: string, cfg: VggConfig, withBatchNorm: boolean): ModelNode {
  return model(
    name,
    input(3, 224, 224),
    makeFeatures(cfg, withBatchNorm),
    // torchvision pools to 7×7 so other input sizes still fit the classifier; at 224 it changes nothing.
    adaptiveAvgPool2d(7),
    flatten(),
    dense(4096),
    relu(),
    dropout(0.5),
    dense(4096),
    relu(),
    dropout(0.5),
    dense(1000),
  );
}

export const vgg11 = vgg('vgg11', cfgs.A, false);
export const vgg13 = vgg('vgg13', cfgs.B, false);
export const vgg16 = vgg('vgg16', cfgs.D, false);
export const vgg19 = vgg('vgg19', cfgs.E, false);

export const vgg11Bn = vgg('vgg11Bn', cfgs.A, true);
export const vgg13Bn = vgg('vgg13Bn', cfgs.B, true);
export const vgg16Bn = vgg('vgg16Bn', cfgs.D, true);
export const vgg19Bn = vgg('vgg19Bn', cfgs.E, true);

/**
 * ResNet (He, Zhang, Ren, Sun, "Deep residual learning for image recognition", 2015) as
 * torchvision builds it: batch norm after every convolution (so no convolution bias),
 * projection shortcuts (1×1 convolution + batch norm) only where the shape changes, and,
 * in the bottleneck models, the "v1.5" placement of the stride.
 */
import {
  batchNorm,
  conv2d,
  dense,
  globalAvgPool2d,
  input,
  maxPool2d,
  model,
  relu,
  residual,
  sequential,
} from 'convlens';
import type { LayerNode, ModelNode, SequentialNode } from 'convlens';

/** A residual block: how many filters, its stride, and how many channels come in. */
type Block = (planes: number, stride?: number, inChannels?: number) => LayerNode;

/**
 * The shortcut of a block whose output differs from its input in channels or size:
 * a strided 1×1 convolution and batch norm ("option B" in the paper). Otherwise identity.
 */
function projection(outChannels: number, stride: number, inChannels: number): LayerNode | undefined {
  return stride !== 1 || inChannels !== outChannels
    ? sequential(conv2d(outChannels, 1, { stride, bias: false }), batchNorm())
    : undefined;
}

/** ResNet-18/34's block: two 3×3 convolutions; the ReLU comes after the addition. */
function basicBlock(planes: number, stride = 1, inChannels = planes): SequentialNode {
  return sequential(
    residual(
      sequential(
        conv2d(planes, 3, { stride, padding: 1, bias: false }),
        batchNorm(),
        relu(),
        conv2d(planes, 3, { padding: 1, bias: false }),
        batchNorm(),
      ),
      projection(planes, stride, inChannels),
    ),
    relu(),
  );
}

/**
 * ResNet-50/101/152's block: 1×1 down to `planes`, 3×3, 1×1 up to 4·planes. torchvision
 * v1.5 puts the stride in the 3×3 conv (the paper put it in the first 1×1, which skips
 * three quarters of the input), which is why its MACs are 4.089 G rather than 3.9 G.
 */
function bottleneck(planes: number, stride = 1, inChannels = planes * 4): SequentialNode {
  const outChannels = planes * 4;
  return sequential(
    residual(
      sequential(
        conv2d(planes, 1, { bias: false }),
        batchNorm(),
        relu(),
        conv2d(planes, 3, { stride, padding: 1, bias: false }),
        batchNorm(),
        relu(),
        conv2d(outChannels, 1, { bias: false }),
        batchNorm(),
      ),
      projection(outChannels, stride, inChannels),
    ),
    relu(),
  );
}

/** One stage (torchvision's `layerN`): only its first block changes the stride and width. */
function makeStage(block: Block, planes: number, blocks: number, stride: number, inChannels: number): SequentialNode {
  return sequential(
    Array.from({ length: blocks }, (_, index) => (index === 0 ? block(planes, stride, inChannels) : block(planes))),
  );
}

function resnet(
  name: string,
  block: Block,
  expansion: number,
  [blocks1, blocks2, blocks3, blocks4]: readonly [number, number, number, number],
): ModelNode {
  return model(
    name,
    input(3, 224, 224),
    // The stem brings 224×224 down to 56×56 before the first stage.
    conv2d(64, 7, { stride: 2, padding: 3, bias: false }),
    batchNorm(),
    relu(),
    maxPool2d(3, { stride: 2, padding: 1 }),
    makeStage(block, 64, blocks1, 1, 64),
    makeStage(block, 128, blocks2, 2, 64 * expansion),
    makeStage(block, 256, blocks3, 2, 128 * expansion),
    makeStage(block, 512, blocks4, 2, 256 * expansion),
    globalAvgPool2d(),
    dense(1000),
  );
}

export const resnet18 = resnet('resnet18', basicBlock, 1, [2, 2, 2, 2]);
export const resnet34 = resnet('resnet34', basicBlock, 1, [3, 4, 6, 3]);
export const resnet50 = resnet('resnet50', bottleneck, 4, [3, 4, 6, 3]);
export const resnet101 = resnet('resnet101', bottleneck, 4, [3, 4, 23, 3]);
export const resnet152 = resnet('resnet152', bottleneck, 4, [3, 8, 36, 3]);

/**
 * GoogLeNet / Inception v1 (Szegedy et al., "Going deeper with convolutions", 2014) as
 * torchvision builds it, which differs from the paper in three ways that change the
 * numbers: every convolution is followed by batch norm (so it has no bias), the pools use
 * PyTorch's ceil mode, and the "5×5" branch of each Inception module uses a 3×3 kernel
 * (a known quirk that torchvision keeps for compatibility with its weights).
 *
 * 6,624,904 parameters and 1.498 GMACs without the two auxiliary classifiers; 13,004,888
 * parameters with them.
 */
import {
  adaptiveAvgPool2d,
  aux,
  batchNorm,
  concat,
  conv2d,
  dense,
  dropout,
  flatten,
  globalAvgPool2d,
  input,
  maxPool2d,
  model,
  relu,
  sequential,
} from 'convlens';
import type { AuxNode, ConcatNode, Conv2dOptions, SequentialNode } from 'convlens';

/** torchvision's BasicConv2d: a convolution without bias, batch norm (ε = 0.001) and ReLU. */
function basicConv2d(filters: number, kernelSize: number, options: Conv2dOptions = {}): SequentialNode {
  return sequential(conv2d(filters, kernelSize, { ...options, bias: false }), batchNorm({ epsilon: 0.001 }), relu());
}

/**
 * An Inception module: four branches on the same input, joined along channels. The 1×1
 * convolutions in front of the larger kernels ("reductions") keep them cheap.
 */
function inception(
  ch1x1: number,
  ch3x3Reduce: number,
  ch3x3: number,
  ch5x5Reduce: number,
  ch5x5: number,
  poolProjection: number,
): ConcatNode {
  return concat(
    basicConv2d(ch1x1, 1),
    sequential(basicConv2d(ch3x3Reduce, 1), basicConv2d(ch3x3, 3, { padding: 1 })),
    // The paper's 5×5 branch; torchvision uses a 3×3 kernel here.
    sequential(basicConv2d(ch5x5Reduce, 1), basicConv2d(ch5x5, 3, { padding: 1 })),
    sequential(maxPool2d(3, { stride: 1, padding: 1, ceilMode: true }), basicConv2d(poolProjection, 1)),
  );
}

/**
 * An auxiliary classifier (torchvision's InceptionAux): it adds a loss on intermediate
 * features during training, weighted 0.3, and is dropped at inference.
 */
function auxClassifier(name: string): AuxNode {
  return aux(
    name,
    sequential(
      adaptiveAvgPool2d(4),
      basicConv2d(128, 1),
      flatten(),
      dense(1024),
      relu(),
      dropout(0.7),
      dense(1000),
    ),
  );
}

export const googlenet = model(
  'googlenet',
  input(3, 224, 224),
  basicConv2d(64, 7, { stride: 2, padding: 3 }),
  maxPool2d(3, { stride: 2, ceilMode: true }),
  basicConv2d(64, 1),
  basicConv2d(192, 3, { padding: 1 }),
  maxPool2d(3, { stride: 2, ceilMode: true }),
  inception(64, 96, 128, 16, 32, 32), // 3a
  inception(128, 128, 192, 32, 96, 64), // 3b
  maxPool2d(3, { stride: 2, ceilMode: true }),
  inception(192, 96, 208, 16, 48, 64), // 4a
  auxClassifier('aux1'),
  inception(160, 112, 224, 24, 64, 64), // 4b
  inception(128, 128, 256, 24, 64, 64), // 4c
  inception(112, 144, 288, 32, 64, 64), // 4d
  auxClassifier('aux2'),
  inception(256, 160, 320, 32, 128, 128), // 4e
  maxPool2d(2, { stride: 2, ceilMode: true }),
  inception(256, 160, 320, 32, 128, 128), // 5a
  inception(384, 192, 384, 48, 128, 128), // 5b
  globalAvgPool2d(),
  dropout(0.2),
  dense(1000),
);

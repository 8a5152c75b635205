/**
 * AlexNet (Krizhevsky, Sutskever, Hinton, "ImageNet classification with deep convolutional
 * neural networks", 2012).
 */
import {
  adaptiveAvgPool2d,
  conv2d,
  dense,
  dropout,
  flatten,
  input,
  lrn,
  maxPool2d,
  model,
  relu,
} from 'convlens';

/**
 * torchvision's `alexnet`: one tower with 64/192/384/256/256 filters (from Krizhevsky's
 * "One weird trick" paper, 2014), no local response normalisation, and an adaptive pool so
 * any input of at least 63×63 reaches the classifier as 256@6×6.
 * 61,100,840 parameters, 0.714 GMACs at 224×224.
 */
export const alexnet = model(
  'alexnet',
  input(3, 224, 224),
  // features
  conv2d(64, 11, { stride: 4, padding: 2 }),
  relu(),
  maxPool2d(3, { stride: 2 }),
  conv2d(192, 5, { padding: 2 }),
  relu(),
  maxPool2d(3, { stride: 2 }),
  conv2d(384, 3, { padding: 1 }),
  relu(),
  conv2d(256, 3, { padding: 1 }),
  relu(),
  conv2d(256, 3, { padding: 1 }),
  relu(),
  maxPool2d(3, { stride: 2 }),
  adaptiveAvgPool2d(6),
  // classifier
  flatten(),
  dropout(0.5),
  dense(4096),
  relu(),
  dropout(0.5),
  dense(4096),
  relu(),
  dense(1000),
);

/**
 * The network of the 2012 paper, split over two GPUs. The split shows up as `groups: 2`
 * on conv2, conv4 and conv5, whose kernels see only the maps of their own GPU; conv3 and
 * the dense layers talk across both. Local response normalisation (size 5, α = 1e-4,
 * β = 0.75, k = 2: the paper's values and the DSL's defaults) follows the first two ReLUs,
 * before pooling. The paper says 224×224, but its own arithmetic needs 227×227 for
 * conv1's 55×55 maps and the last pool's 256@6×6. 60,965,224 parameters.
 */
export const alexnet2012 = model(
  'alexnet2012',
  input(3, 227, 227),
  conv2d(96, 11, { stride: 4 }),
  relu(),
  lrn(),
  // Overlapping pooling: 3×3 windows with stride 2.
  maxPool2d(3, { stride: 2 }),
  conv2d(256, 5, { padding: 2, groups: 2 }),
  relu(),
  lrn(),
  maxPool2d(3, { stride: 2 }),
  conv2d(384, 3, { padding: 1 }),
  relu(),
  conv2d(384, 3, { padding: 1, groups: 2 }),
  relu(),
  conv2d(256, 3, { padding: 1, groups: 2 }),
  relu(),
  maxPool2d(3, { stride: 2 }),
  flatten(),
  dense(4096),
  relu(),
  dropout(0.5),
  dense(4096),
  relu(),
  dropout(0.5),
  dense(1000),
);

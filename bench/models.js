'use strict';
/**
 * The benchmark models that are not in examples/: bench/train.js times them against
 * PyTorch (bench/train_peer.py builds the same there), bench/profile-lenet.js profiles them.
 */
const dsl = require('convlens');

/** The small VGG of the 32×32 case (bench/train_peer.py builds the same in PyTorch). */
const block = (filters) => [dsl.conv2d(filters, 3, { padding: 1 }), dsl.relu()];
const smallVgg = dsl.model('smallVgg', dsl.input(3, 32, 32),
  block(32), block(32), dsl.maxPool2d(2),
  block(64), block(64), dsl.maxPool2d(2),
  block(128), dsl.maxPool2d(2),
  dsl.flatten(), dsl.dense(128), dsl.relu(), dsl.dense(10));

/**
 * ResNet-18 adapted to 32×32 inputs (CIFAR-10), as most CIFAR code has it: a 3×3 stem
 * without the max pool, the four stages of two basic blocks (64, 128, 256, 512 filters,
 * strides 1, 2, 2, 2, projection shortcuts where the shape changes), global average pool,
 * dense 10. 0.56 G multiply-adds per image; bench/train_peer.py builds the same.
 */
const basicBlock = (planes, stride, inChannels) => dsl.sequential(
  dsl.residual(
    dsl.sequential(
      dsl.conv2d(planes, 3, { stride, padding: 1, bias: false }), dsl.batchNorm(), dsl.relu(),
      dsl.conv2d(planes, 3, { padding: 1, bias: false }), dsl.batchNorm(),
    ),
    stride !== 1 || inChannels !== planes ? dsl.sequential(dsl.conv2d(planes, 1, { stride, bias: false }), dsl.batchNorm()) : undefined,
  ),
  dsl.relu(),
);
const resnet18Cifar = dsl.model('resnet18Cifar', dsl.input(3, 32, 32),
  dsl.conv2d(64, 3, { padding: 1, bias: false }), dsl.batchNorm(), dsl.relu(),
  basicBlock(64, 1, 64), basicBlock(64, 1, 64),
  basicBlock(128, 2, 64), basicBlock(128, 1, 128),
  basicBlock(256, 2, 128), basicBlock(256, 1, 256),
  basicBlock(512, 2, 256), basicBlock(512, 1, 512),
  dsl.globalAvgPool2d(), dsl.dense(10));

module.exports = { smallVgg, resnet18Cifar };

/**
 * LeNet-5 (LeCun, Bottou, Bengio, Haffner, "Gradient-based learning applied to document
 * recognition", 1998) and the two variants people usually mean by it today.
 *
 * All three have 61,706 trainable parameters.
 */
import { avgPool2d, conv2d, dense, flatten, input, maxPool2d, model, relu, tanh } from 'convlens';

/**
 * The 1998 layout, with the paper's layer names: C1, S2, C3, S4, C5, F6 and the output.
 *
 * Two simplifications, as in most reimplementations: C3 connects every one of its 16 maps
 * to all 6 maps of S2 (the paper's sparse connection table gives 1,516 weights instead of
 * 2,416), and the subsampling layers S2/S4 are plain average pools without the paper's
 * trainable coefficient and bias. The output layer is a dense layer, not the paper's
 * Euclidean RBF units.
 */
export const lenet5 = model(
  'lenet5',
  input(1, 32, 32),
  conv2d(6, 5, { name: 'C1' }),
  tanh(),
  avgPool2d(2, { name: 'S2' }),
  // Full connectivity from S2 to C3 (see above).
  conv2d(16, 5, { name: 'C3' }),
  tanh(),
  avgPool2d(2, { name: 'S4' }),
  // C5 is a convolution whose 5×5 kernel covers all of S4's 5×5 maps, so its output is 120@1×1.
  conv2d(120, 5, { name: 'C5' }),
  tanh(),
  flatten(),
  dense(84, { name: 'F6' }),
  tanh(),
  dense(10, { name: 'output' }),
);

/** The modern reading: ReLU and max pooling, and C5 as a dense layer on the flattened 16@5×5. */
export const lenet5Modern = model(
  'lenet5Modern',
  input(1, 32, 32),
  conv2d(6, 5),
  relu(),
  maxPool2d(2),
  conv2d(16, 5),
  relu(),
  maxPool2d(2),
  flatten(),
  dense(120),
  relu(),
  dense(84),
  relu(),
  dense(10),
);

/**
 * `lenet5Modern` for MNIST's 28×28 digits: padding 2 on the first convolution gives the
 * same 6@28×28 maps as the 32×32 input did (the paper padded the digits to 32×32 instead),
 * so every later layer and the parameter count are unchanged.
 */
export const lenet5Mnist = model(
  'lenet5Mnist',
  input(1, 28, 28),
  conv2d(6, 5, { padding: 2 }),
  relu(),
  maxPool2d(2),
  conv2d(16, 5),
  relu(),
  maxPool2d(2),
  flatten(),
  dense(120),
  relu(),
  dense(84),
  relu(),
  dense(10),
);

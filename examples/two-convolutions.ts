/**
 * One 5×5 convolution against two 3×3 (VGG's argument, Simonyan & Zisserman 2014, §2.3):
 * the same 5×5 receptive field, with 18C² + 2C parameters instead of 25C² + C, and a ReLU
 * more. `convlens summary examples/two-convolutions.ts --compare --model conv5x5 --model
 * conv3x3Twice` shows them side by side.
 */
import { conv2d, input, model, relu } from 'convlens';

/** C = 64 channels at 32×32, padded to keep the size. */
export const conv5x5 = model('conv5x5', input(64, 32, 32), conv2d(64, 5, { padding: 2 }), relu());

export const conv3x3Twice = model('conv3x3Twice', input(64, 32, 32), conv2d(64, 3, { padding: 1 }), relu(), conv2d(64, 3, { padding: 1 }), relu());

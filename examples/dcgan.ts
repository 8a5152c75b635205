/**
 * DCGAN (Radford, Metz, Chintala, "Unsupervised representation learning with deep
 * convolutional generative adversarial networks", 2015).
 */
import {
  batchNorm,
  conv2d,
  conv2dTranspose,
  dense,
  flatten,
  gan,
  leakyRelu,
  relu,
  reshape,
  sequential,
  sigmoid,
  tanh,
} from 'convlens';

/** Latent vector length (the tutorial's `nz`). */
const nz = 100;
/** Feature maps of the generator's last and the discriminator's first layer (`ngf`, `ndf`). */
const ngf = 64;
const ndf = 64;

/**
 * The PyTorch DCGAN tutorial's networks for 64×64 RGB images: 4×4 kernels, no convolution
 * bias (batch norm follows), batch norm everywhere except the generator's output and the
 * discriminator's input, ReLU in the generator and LeakyReLU(0.2) in the discriminator.
 * Each stride-2 layer doubles (generator) or halves (discriminator) the size:
 * (in − 1)·2 − 2·1 + 4 = 2·in. G has 3,576,704 parameters, D 2,765,568.
 */
export const dcgan = gan('dcgan', {
  latent: nz,
  image: [3, 64, 64],
  generator: sequential(
    // The latent vector as a 100@1×1 image; the first transposed convolution makes it 512@4×4.
    reshape(nz, 1, 1),
    conv2dTranspose(ngf * 8, 4, { bias: false }),
    batchNorm(),
    relu(),
    conv2dTranspose(ngf * 4, 4, { stride: 2, padding: 1, bias: false }),
    batchNorm(),
    relu(),
    conv2dTranspose(ngf * 2, 4, { stride: 2, padding: 1, bias: false }),
    batchNorm(),
    relu(),
    conv2dTranspose(ngf, 4, { stride: 2, padding: 1, bias: false }),
    batchNorm(),
    relu(),
    conv2dTranspose(3, 4, { stride: 2, padding: 1, bias: false }),
    // Pixels in [-1, 1], as the training images are normalised.
    tanh(),
  ),
  discriminator: sequential(
    conv2d(ndf, 4, { stride: 2, padding: 1, bias: false }),
    leakyRelu(0.2),
    conv2d(ndf * 2, 4, { stride: 2, padding: 1, bias: false }),
    batchNorm(),
    leakyRelu(0.2),
    conv2d(ndf * 4, 4, { stride: 2, padding: 1, bias: false }),
    batchNorm(),
    leakyRelu(0.2),
    conv2d(ndf * 8, 4, { stride: 2, padding: 1, bias: false }),
    batchNorm(),
    leakyRelu(0.2),
    // A 4×4 kernel over the last 4×4 maps: one score per image.
    conv2d(1, 4, { bias: false }),
    sigmoid(),
    flatten(),
  ),
});

/**
 * A small DCGAN for 28×28 MNIST digits: a dense layer makes the latent vector a 128@7×7
 * image, and two stride-2 transposed convolutions take it to 14×14 and 28×28. The
 * discriminator mirrors it with two stride-2 convolutions and a dense score.
 */
export const dcganMnist = gan('dcganMnist', {
  latent: nz,
  image: [1, 28, 28],
  generator: sequential(
    dense(128 * 7 * 7),
    batchNorm(),
    relu(),
    reshape(128, 7, 7),
    conv2dTranspose(64, 4, { stride: 2, padding: 1 }),
    batchNorm(),
    relu(),
    conv2dTranspose(1, 4, { stride: 2, padding: 1 }),
    tanh(),
  ),
  discriminator: sequential(
    conv2d(64, 4, { stride: 2, padding: 1 }),
    leakyRelu(0.2),
    conv2d(128, 4, { stride: 2, padding: 1 }),
    batchNorm(),
    leakyRelu(0.2),
    flatten(),
    dense(1),
    sigmoid(),
  ),
});

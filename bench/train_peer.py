"""
The PyTorch side of `npm run bench:train` (bench/train.js runs it with Debian's
/usr/bin/python3 and python3-torch): the same models, data and batch sizes as the ConvLens
side, timed the same way (warm-up steps, then a fixed number of timed steps), at the
thread count given (the driver runs 1 and 2 and keeps the faster). Like the ConvLens side,
each step turns its batch's uint8 pixels into normalised floats inside the timed region.

Runs one case per invocation (the driver interleaves the two sides case by case, so a
busy machine slows both alike) and prints { "value": images/s } (training, inference) or
{ "value": steps/s } (the GAN), with "perCpuSecond" and "peakRssMiB" (the process's
peak resident memory).
"""
import json
import resource
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with open(path, 'rb') as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack('>' + 'I' * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def lenet5_mnist():
    # examples/lenet5.ts lenet5Mnist: PyTorch's default initialisation, as ConvLens uses.
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def small_vgg():
    # bench/train.js smallVgg.
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU()]
    return nn.Sequential(
        *block(3, 32), *block(32, 32), nn.MaxPool2d(2),
        *block(32, 64), *block(64, 64), nn.MaxPool2d(2),
        *block(64, 128), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(128 * 4 * 4, 128), nn.ReLU(), nn.Linear(128, 10))


def resnet18_32x32():
    # bench/train.js resnet18Cifar: ResNet-18 for 32×32 inputs (3×3 stem, no max pool).
    class BasicBlock(nn.Module):
        def __init__(self, cin, planes, stride):
            super().__init__()
            self.main = nn.Sequential(
                nn.Conv2d(cin, planes, 3, stride, 1, bias=False), nn.BatchNorm2d(planes), nn.ReLU(),
                nn.Conv2d(planes, planes, 3, 1, 1, bias=False), nn.BatchNorm2d(planes))
            self.shortcut = (nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
                             if stride != 1 or cin != planes else nn.Identity())

        def forward(self, x):
            return F.relu(self.main(x) + self.shortcut(x))

    return nn.Sequential(
        nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        BasicBlock(64, 64, 1), BasicBlock(64, 64, 1),
        BasicBlock(64, 128, 2), BasicBlock(128, 128, 1),
        BasicBlock(128, 256, 2), BasicBlock(256, 256, 1),
        BasicBlock(256, 512, 2), BasicBlock(512, 512, 1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10))


def dcgan_mnist():
    # examples/dcgan.ts dcganMnist.
    generator = nn.Sequential(
        nn.Linear(100, 128 * 7 * 7), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())
    discriminator = nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.2), nn.Flatten(),
        nn.Linear(128 * 7 * 7, 1), nn.Sigmoid())
    return generator, discriminator


CPU_SECONDS = [0.0]
# 'cpu', or 'cuda' (bench/gpu.sh: `--peer-device cuda`): where the models and batches live.
DEVICE = [torch.device('cpu')]


def synchronize():
    # CUDA runs asynchronously: a timed region ends when the device has finished.
    if DEVICE[0].type == 'cuda':
        torch.cuda.synchronize()


def timed(step, warmup, steps):
    """Wall seconds of `steps` steps after `warmup`; their CPU seconds go to CPU_SECONDS."""
    for _ in range(warmup):
        step(_)
    synchronize()
    start, cpu = time.perf_counter(), time.process_time()
    for index in range(steps):
        step(index)
    synchronize()
    CPU_SECONDS[0] = time.process_time() - cpu
    return time.perf_counter() - start


def bench_classifier(net, batch_of, batches, batch, warmup, steps, inference_only):
    net = net.to(DEVICE[0])
    optimizer = torch.optim.Adam(net.parameters(), 1e-3)

    def train(index):
        x, y = batch_of(index % batches)
        optimizer.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        optimizer.step()

    seconds = 1.0 if inference_only else timed(train, warmup, steps)
    net.eval()

    def infer(index):
        x, _ = batch_of(index % batches)
        with torch.no_grad():
            net(x).argmax(1)

    infer_seconds = timed(infer, warmup, steps) if inference_only else 1.0
    return steps * batch / seconds, steps * batch / infer_seconds


def batches_from_bytes(images, labels, batch, mean, std):
    """Batch b as the ConvLens side makes it: uint8 pixels to floats, normalised, per step."""
    def batch_of(b):
        x = images[b * batch:(b + 1) * batch].to(DEVICE[0]).float().div_(255).sub_(mean).div_(std)
        return x, labels[b * batch:(b + 1) * batch].to(DEVICE[0])
    return batch_of, len(images) // batch


def bench_gan(batch_of, batches, batch, warmup, steps):
    generator, discriminator = (net.to(DEVICE[0]) for net in dcgan_mnist())
    g_opt = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    ones, zeros = torch.ones(batch, 1, device=DEVICE[0]), torch.zeros(batch, 1, device=DEVICE[0])

    def step(index):
        real, _ = batch_of(index % batches)
        fake = generator(torch.randn(batch, 100, device=DEVICE[0]))
        d_opt.zero_grad()
        d_loss = F.binary_cross_entropy(discriminator(real), ones) + F.binary_cross_entropy(discriminator(fake.detach()), zeros)
        d_loss.backward()
        d_opt.step()
        # A fresh generator pass, as the ConvLens side makes one for its generator step.
        g_opt.zero_grad()
        g_loss = F.binary_cross_entropy(discriminator(generator(torch.randn(batch, 100, device=DEVICE[0]))), ones)
        g_loss.backward()
        g_opt.step()

    return steps / timed(step, warmup, steps)


def main():
    args = json.loads(sys.argv[1])
    torch.set_num_threads(args['threads'])
    if args.get('device', 'cpu') == 'cuda':
        if not torch.cuda.is_available():
            sys.exit('--peer-device cuda: this PyTorch has no CUDA device (torch.cuda.is_available() is False)')
        DEVICE[0] = torch.device('cuda')
    torch.manual_seed(0)
    batch = args['batchSize']
    case = args['case']
    if case.startswith('lenet5') or case.startswith('dcgan'):
        mnist = torch.from_numpy(read_idx(args['mnistImages'])[:args['mnistCount']].copy()).unsqueeze(1)
        labels = torch.from_numpy(read_idx(args['mnistLabels'])[:args['mnistCount']].astype(np.int64))
    if case.startswith('lenet5'):
        batch_of, batches = batches_from_bytes(mnist, labels, batch, 0.1307, 0.3081)
        train, infer = bench_classifier(lenet5_mnist(), batch_of, batches, batch, args['warmup'], args['steps'], case.endswith('inference'))
        value = infer if case.endswith('inference') else train
    elif case.startswith('small-vgg') or case.startswith('resnet18'):
        # Noise images in bytes, as the ConvLens side draws them, normalised with mean and std 0.5.
        generator = torch.Generator().manual_seed(1)
        x = torch.randint(0, 256, (args['vggCount'], 3, 32, 32), generator=generator, dtype=torch.uint8)
        y = torch.randint(0, 10, (args['vggCount'],), generator=generator)
        batch_of, batches = batches_from_bytes(x, y, batch, 0.5, 0.5)
        net = small_vgg() if case.startswith('small-vgg') else resnet18_32x32()
        train, infer = bench_classifier(net, batch_of, batches, batch, args['warmup'], args['steps'], case.endswith('inference'))
        value = infer if case.endswith('inference') else train
    else:
        # To [-1, 1], as the generator's tanh.
        batch_of, batches = batches_from_bytes(mnist, labels, batch, 0.5, 0.5)
        value = bench_gan(batch_of, batches, batch, args['warmup'], args['steps'])
    # The same count per CPU-second: what the machine's other load does not change.
    work = value * timed_seconds(value, args, case)
    # ru_maxrss: this process's peak resident memory, in KiB on Linux.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'value': value, 'perCpuSecond': work / CPU_SECONDS[0], 'peakRssMiB': peak}))


def timed_seconds(value, args, case):
    """Wall seconds the timed steps took, from their rate (images or steps per second)."""
    units = args['steps'] * (1 if case.startswith('dcgan') else args['batchSize'])
    return units / value


main()

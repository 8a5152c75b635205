/**
 * convlens_checkpoint.py: converts ConvLens checkpoints (TensorFlow.js LayersModel format:
 * model.json and binary weight files) into state_dicts of the exported modules and back.
 * The generic code is fixed; the weight maps (which TensorFlow.js weight is which
 * state_dict entry, and how its axes are laid out) come from the network plans.
 */
import type { NetworkPlan } from './plan-network';
import { toPythonString, toPythonTuple } from './python-syntax';
import { networksOf, type ExportedNetworks } from './render-model-py';

/** The state_dict keys of each network in train.py's and the converter's vocabulary. */
export function networkKeys(exported: ExportedNetworks): readonly string[] {
  return exported.kind === 'model' ? ['model'] : ['generator', 'discriminator'];
}

function renderWeightMap(network: NetworkPlan): string {
  if (network.weights.length === 0) return '()';
  const rows = network.weights.map(
    (entry) =>
      `        (${toPythonString(entry.tensorflowName)}, ${toPythonTuple(entry.tensorflowShape)}, ${toPythonString(entry.torchKey)}, ${
        entry.permutation === null ? 'None' : toPythonTuple(entry.permutation)
      }),`,
  );
  return `(\n${rows.join('\n')}\n    )`;
}

export function renderCheckpointPy(exported: ExportedNetworks): string {
  const keys = networkKeys(exported);
  const maps = networksOf(exported).map((network, index) => `    ${toPythonString(keys[index] as string)}: ${renderWeightMap(network)},`);
  return `${CHECKPOINT_PY_HEAD}
# Per network: (TensorFlow.js weight name, its shape there, state_dict key, the permutation
# that takes TensorFlow.js's axes to PyTorch's or None), trainable weights first, then
# batch-norm running statistics: the order in which TensorFlow.js saves them.
WEIGHT_MAPS = {
${maps.join('\n')}
}
${CHECKPOINT_PY_BODY}`;
}

const CHECKPOINT_PY_HEAD = String.raw`#!/usr/bin/env python3
"""Converts checkpoints between ConvLens and the PyTorch modules of model.py, both ways.

    python convlens_checkpoint.py to-torch CHECKPOINT model.pt [--network NAME]
    python convlens_checkpoint.py to-convlens model.pt OUT [--like CHECKPOINT] [--force]

A ConvLens checkpoint is the folder that 'convlens train' writes (RUN/checkpoint): a
TensorFlow.js LayersModel (model.json with the topology and a weights manifest, and
weights.bin, little-endian float32), or for a GAN one in generator/ and one in
discriminator/, and training.json (what training recorded: epochs, input normalisation,
class names). to-torch writes the state_dict of one network (load it with
module.load_state_dict(torch.load(path))). to-convlens reads a state_dict or a train.py
checkpoint and writes a checkpoint folder; with --like (the checkpoint the weights first
came from) it keeps that one's topology and training.json, so 'convlens run' and
'convlens train --resume' accept the result (the optimizer starts afresh).

The layouts differ because TensorFlow.js keeps images channels last: a convolution kernel
is [kh, kw, in, out] there and [out, in, kh, kw] in PyTorch, a transposed convolution's
[kh, kw, out, in] and [in, out, kh, kw], a dense kernel [in, out] and [out, in]. Batch
norm's gamma, beta, moving_mean and moving_variance are weight, bias, running_mean and
running_var. ConvLens flattens images channels first, as PyTorch does, so the dense layer
after a flatten needs no reordering of its rows.
"""
import argparse
import json
import math
import os
import shutil
import sys
import tempfile

import torch

import model as exported_model
`;

const CHECKPOINT_PY_BODY = String.raw`
_DTYPES = {'float32': torch.float32, 'int32': torch.int32}
STATE_FILE = 'training.json'


def networks():
    """The names of this export's networks: ('model',) or ('generator', 'discriminator')."""
    return tuple(WEIGHT_MAPS)


def build(network):
    """A fresh module of one of this export's networks."""
    if network == 'model':
        return exported_model.build_model()
    if network == 'generator':
        return exported_model.build_generator()
    if network == 'discriminator':
        return exported_model.build_discriminator()
    raise ValueError(f'unknown network {network!r}; this export has {", ".join(networks())}')


def network_folder(path, network='model'):
    """Where network's model.json is: path may be a ConvLens checkpoint folder, a GAN
    network's folder inside one, or a model.json."""
    if path.endswith('.json'):
        return os.path.dirname(path) or '.'
    if network != 'model' and os.path.isfile(os.path.join(path, network, 'model.json')):
        return os.path.join(path, network)
    return path


def checkpoint_root(path):
    """The checkpoint folder (the one with training.json) that path is or is inside of, or None."""
    folder = network_folder(path)
    for candidate in (folder, os.path.dirname(os.path.abspath(folder))):
        if os.path.isfile(os.path.join(candidate, STATE_FILE)):
            return candidate
    return None


def read_training_state(path):
    """training.json of the ConvLens checkpoint at path, or None."""
    root = checkpoint_root(path)
    if root is None:
        return None
    with open(os.path.join(root, STATE_FILE), encoding='utf-8') as file:
        return json.load(file)


def read_convlens(path, network='model'):
    """The weights {name: tensor} of network in a ConvLens checkpoint, and its model.json."""
    folder = network_folder(path, network)
    model_json = os.path.join(folder, 'model.json')
    if not os.path.isfile(model_json):
        raise FileNotFoundError(f'{path}: no model.json (a ConvLens checkpoint is the folder convlens train writes, RUN/checkpoint)')
    with open(model_json, encoding='utf-8') as file:
        artifacts = json.load(file)
    if sys.byteorder != 'little':
        raise RuntimeError('TensorFlow.js weights are little-endian; this machine is not')
    weights = {}
    for group in artifacts.get('weightsManifest', []):
        data = b''.join(_read_bytes(os.path.join(folder, part)) for part in group['paths'])
        offset = 0
        for spec in group['weights']:
            if spec.get('quantization'):
                raise ValueError(f"{model_json}: weight {spec['name']} is quantized; save the checkpoint without quantization")
            dtype = _DTYPES.get(spec['dtype'])
            if dtype is None:
                raise ValueError(f"{model_json}: weight {spec['name']} has dtype {spec['dtype']}, which ConvLens checkpoints do not use")
            shape = tuple(spec['shape'])
            size = math.prod(shape) * 4
            if offset + size > len(data):
                raise ValueError(f"{model_json}: the weight files end inside weight {spec['name']}")
            chunk = bytearray(data[offset:offset + size])
            weights[spec['name']] = (
                torch.frombuffer(chunk, dtype=dtype).reshape(shape) if size > 0 else torch.zeros(shape, dtype=dtype)
            )
            offset += size
    return weights, artifacts


def _read_bytes(path):
    with open(path, 'rb') as file:
        return file.read()


def to_state_dict(weights, network='model'):
    """The state_dict of network for ConvLens weights {name: tensor}; checks that every
    weight is there and fits (load_state_dict is strict)."""
    module = build(network)
    state = module.state_dict()
    used = set()
    for name, shape, key, permutation in WEIGHT_MAPS[network]:
        if name not in weights:
            raise KeyError(f'the checkpoint has no weight {name} (for {key}); was it saved from this model?')
        tensor = weights[name]
        if tuple(tensor.shape) != shape:
            raise ValueError(f'weight {name} has shape {list(tensor.shape)}, the model needs {list(shape)}')
        if permutation is not None:
            tensor = tensor.permute(*permutation)
        state[key] = tensor.to(state[key].dtype).contiguous().clone()
        used.add(name)
    unused = sorted(set(weights) - used)
    if unused:
        print(f'convlens_checkpoint: ignored {len(unused)} weights that are not the model\'s: '
              f'{", ".join(unused[:5])}{", ..." if len(unused) > 5 else ""}', file=sys.stderr)
    module.load_state_dict(state)
    return module.state_dict()


def to_convlens_weights(state_dict, network='model'):
    """[(name, tensor)] in ConvLens's layout for a state_dict of network, in the order
    TensorFlow.js saves them."""
    state_dict = _strip_prefix(state_dict)
    weights = []
    for name, shape, key, permutation in WEIGHT_MAPS[network]:
        if key not in state_dict:
            raise KeyError(f'the state_dict has no {key} (for {name}); is it this model\'s?')
        tensor = state_dict[key].detach().to('cpu', torch.float32)
        if permutation is not None:
            tensor = tensor.permute(*_inverse(permutation))
        if tuple(tensor.shape) != shape:
            raise ValueError(f'{key} has the wrong shape for {name}: {list(tensor.shape)}, expected {list(shape)}')
        weights.append((name, tensor.contiguous()))
    return weights


def write_convlens(folder, weights, like=None, force=False):
    """Writes a ConvLens checkpoint folder. weights: {network: [(name, tensor)]} for every
    network of this export. like: the ConvLens checkpoint the weights first came from;
    its topology and training.json are kept. The folder is written aside and renamed into
    place, so a reader sees the old checkpoint or the new one, never half of one; an
    existing folder is replaced only with force."""
    missing = [network for network in networks() if network not in weights]
    if missing:
        raise ValueError(f'a ConvLens checkpoint of this export needs {", ".join(missing)} too')
    if os.path.exists(folder) and not force and (not os.path.isdir(folder) or os.listdir(folder)):
        raise FileExistsError(f'{folder} exists; choose another folder, or pass --force to replace it')

    def fill(target):
        for network, entries in weights.items():
            network_target = target if network == 'model' else os.path.join(target, network)
            os.makedirs(network_target, exist_ok=True)
            artifacts = {'format': 'layers-model', 'generatedBy': 'ConvLens PyTorch export', 'convertedBy': 'convlens_checkpoint.py'}
            if like is not None:
                with open(os.path.join(network_folder(like, network), 'model.json'), encoding='utf-8') as file:
                    template = json.load(file)
                artifacts.update({key: value for key, value in template.items() if key != 'weightsManifest'})
                artifacts['convertedBy'] = 'convlens_checkpoint.py'
            artifacts['weightsManifest'] = [{
                'paths': ['weights.bin'],
                'weights': [{'name': name, 'shape': list(tensor.shape), 'dtype': 'float32'} for name, tensor in entries],
            }]
            with open(os.path.join(network_target, 'weights.bin'), 'wb') as file:
                for _, tensor in entries:
                    file.write(tensor.numpy().tobytes())
            with open(os.path.join(network_target, 'model.json'), 'w', encoding='utf-8') as file:
                json.dump(artifacts, file)
        root = None if like is None else checkpoint_root(like)
        if root is not None:
            shutil.copyfile(os.path.join(root, STATE_FILE), os.path.join(target, STATE_FILE))

    _replace_folder(folder, fill)


def load_torch(path, network='model'):
    """A state_dict of network from a .pt file: a state_dict, or a train.py checkpoint."""
    saved = torch.load(path, map_location='cpu')
    if isinstance(saved, dict) and network in saved and isinstance(saved[network], dict):
        saved = saved[network]
    return _strip_prefix(saved)


def _strip_prefix(state_dict):
    # DistributedDataParallel's module and torch.compile's wrapper prefix every key.
    for prefix in ('module.', '_orig_mod.'):
        if state_dict and all(key.startswith(prefix) for key in state_dict):
            state_dict = {key[len(prefix):]: value for key, value in state_dict.items()}
    return state_dict


def _inverse(permutation):
    inverse = [0] * len(permutation)
    for position, axis in enumerate(permutation):
        inverse[axis] = position
    return inverse


def _replace_folder(folder, fill):
    """fill() a fresh folder next to folder, then swap it in by renames (the old one aside
    first), as ConvLens's runtime writes its checkpoints."""
    parent = os.path.dirname(os.path.abspath(folder))
    os.makedirs(parent, exist_ok=True)
    temporary = tempfile.mkdtemp(dir=parent, prefix='.convlens-checkpoint-new-')
    try:
        fill(temporary)
        os.chmod(temporary, 0o755)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    if not os.path.exists(folder):
        os.rename(temporary, folder)
        return
    aside = temporary.replace('-new-', '-old-')
    os.rename(folder, aside)
    os.rename(temporary, folder)
    shutil.rmtree(aside, ignore_errors=True)


def save_torch_atomically(obj, path):
    """torch.save through a temporary file in the same folder and a rename."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix='.' + os.path.basename(path) + '.')
    os.close(handle)
    try:
        torch.save(obj, temporary)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def main(argv=None):
    parser = argparse.ArgumentParser(description='Convert checkpoints between ConvLens (TensorFlow.js) and PyTorch.')
    commands = parser.add_subparsers(dest='command', required=True)
    to_torch = commands.add_parser('to-torch', help='ConvLens checkpoint -> PyTorch state_dict')
    to_torch.add_argument('checkpoint', help='the ConvLens checkpoint folder (RUN/checkpoint), or a model.json')
    to_torch.add_argument('output', help='the .pt file to write')
    to_torch.add_argument('--network', choices=networks(), default=networks()[0] if len(networks()) == 1 else None,
                          required=len(networks()) > 1, help='which network of the GAN')
    to_torch.add_argument('--force', action='store_true', help='replace the output file if it exists')
    to_convlens = commands.add_parser('to-convlens', help='PyTorch state_dict or train.py checkpoint -> ConvLens checkpoint')
    to_convlens.add_argument('state', nargs='+', help='a train.py checkpoint, or a state_dict per network (a GAN: the generator\'s, then the discriminator\'s)')
    to_convlens.add_argument('output', help='the checkpoint folder to write')
    to_convlens.add_argument('--like', help='the ConvLens checkpoint the weights came from: keep its topology and training.json')
    to_convlens.add_argument('--force', action='store_true', help='replace the output folder if it exists')
    args = parser.parse_args(argv)
    try:
        if args.command == 'to-torch':
            if os.path.exists(args.output) and not args.force:
                raise FileExistsError(f'{args.output} exists; pass --force to replace it')
            weights, _ = read_convlens(args.checkpoint, args.network)
            save_torch_atomically(to_state_dict(weights, args.network), args.output)
            print(f'convlens_checkpoint: wrote {args.output} ({args.network})')
        else:
            if len(args.state) == 1:
                weights = {network: to_convlens_weights(load_torch(args.state[0], network), network) for network in networks()}
            elif len(args.state) == len(networks()):
                weights = {network: to_convlens_weights(load_torch(path, network), network) for network, path in zip(networks(), args.state)}
            else:
                raise ValueError(f'give one .pt file (a train.py checkpoint) or one per network ({", ".join(networks())})')
            write_convlens(args.output, weights, args.like, args.force)
            print(f'convlens_checkpoint: wrote {args.output}')
    except (OSError, KeyError, ValueError, RuntimeError) as error:
        raise SystemExit(f'convlens_checkpoint: {error}')


if __name__ == '__main__':
    main()
`;

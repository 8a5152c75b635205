/**
 * The small modules that model.py defines for ConvLens constructs PyTorch has no module
 * for. A model.py contains only the ones its model uses, each written out in full so that
 * the file stands alone on a machine without ConvLens.
 */

export type HelperName =
  | 'Residual'
  | 'Concat'
  | 'Aux'
  | 'Reshape'
  | 'GlobalAvgPool2d'
  | 'same_padding'
  | 'Conv2dSame'
  | 'ConvTranspose2dSame'
  | 'MaxPool2dSame'
  | 'AvgPool2dSame';

interface Helper {
  readonly needs: readonly HelperName[];
  /** Needs `import math` / `import torch.nn.functional as F`. */
  readonly math?: boolean;
  readonly functional?: boolean;
  readonly source: string;
}

const HELPERS: Record<HelperName, Helper> = {
  Residual: {
    needs: [],
    source: `class Residual(nn.Module):
    """A residual block: main(x) + shortcut(x); without a shortcut, main(x) + x."""

    def __init__(self, main, shortcut=None):
        super().__init__()
        self.main = main
        self.shortcut = nn.Identity() if shortcut is None else shortcut

    def forward(self, x):
        return self.main(x) + self.shortcut(x)`,
  },
  Concat: {
    needs: [],
    source: `class Concat(nn.ModuleList):
    """Every branch sees x; their outputs are joined along channels (an Inception module)."""

    def forward(self, x):
        return torch.cat([branch(x) for branch in self], dim=1)`,
  },
  Aux: {
    needs: [],
    source: `class Aux(nn.Module):
    """An auxiliary classifier, used in training only (GoogLeNet): x passes on unchanged.

    In training mode the head runs and its output is kept until the model's forward
    returns it after the main output; in eval mode the head does not run.
    """

    def __init__(self, head):
        super().__init__()
        self.head = head
        self.output = None

    def forward(self, x):
        self.output = self.head(x) if self.training else None
        return x

    def pop_output(self):
        output, self.output = self.output, None
        return output`,
  },
  Reshape: {
    needs: [],
    source: `class Reshape(nn.Module):
    """Reshapes each sample (the batch dimension stays): ConvLens's reshape(...dims)."""

    def __init__(self, *shape):
        super().__init__()
        self.shape = shape

    def extra_repr(self):
        return ', '.join(str(dim) for dim in self.shape)

    def forward(self, x):
        # reshape rather than view: it is a view whenever the memory layout allows one.
        return x.reshape(x.size(0), *self.shape)`,
  },
  GlobalAvgPool2d: {
    needs: [],
    source: `class GlobalAvgPool2d(nn.Module):
    """Averages each channel over all positions: [N, C, H, W] → [N, C]."""

    def forward(self, x):
        return x.mean(dim=(2, 3))`,
  },
  same_padding: {
    needs: [],
    math: true,
    source: `def same_padding(size, kernel_size, stride, dilation=(1, 1)):
    """TensorFlow's 'same' padding for an input of size (H, W), as F.pad wants it:
    (left, right, top, bottom). Along each axis out = ceil(in / stride) and the total
    padding is max((out − 1)·stride + dilation·(k − 1) + 1 − in, 0), the odd pixel going
    after (bottom, right); it depends on the input size when stride > 1 (tf.nn.convolution).
    """
    pads = []
    for length, kernel, step, spread in zip(size, kernel_size, stride, dilation):
        out = math.ceil(length / step)
        total = max((out - 1) * step + spread * (kernel - 1) + 1 - length, 0)
        pads.append((total // 2, total - total // 2))
    (top, bottom), (left, right) = pads
    return (left, right, top, bottom)`,
  },
  Conv2dSame: {
    needs: ['same_padding'],
    functional: true,
    source: `class Conv2dSame(nn.Conv2d):
    """nn.Conv2d with TensorFlow's 'same' padding, computed for each input size."""

    def forward(self, x):
        padding = same_padding(x.shape[-2:], self.kernel_size, self.stride, self.dilation)
        return super().forward(F.pad(x, padding))`,
  },
  ConvTranspose2dSame: {
    needs: [],
    source: `class ConvTranspose2dSame(nn.ConvTranspose2d):
    """nn.ConvTranspose2d with TensorFlow's 'same' padding: out = in·stride.

    It is the transpose of a 'same' convolution with the same kernel and stride, whose total
    padding along an axis is max(k − stride, 0), the odd pixel after: PyTorch trims half of
    it (rounded down) from both sides, output_padding makes up for a kernel smaller than
    the stride, and forward cuts off the odd last row or column.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride, bias=True):
        (kh, kw), (sh, sw) = kernel_size, stride
        super().__init__(
            in_channels, out_channels, kernel_size, stride,
            padding=(max(kh - sh, 0) // 2, max(kw - sw, 0) // 2),
            output_padding=(max(sh - kh, 0), max(sw - kw, 0)),
            bias=bias,
        )

    def forward(self, x):
        height, width = x.shape[-2:]
        return super().forward(x)[..., : height * self.stride[0], : width * self.stride[1]]`,
  },
  MaxPool2dSame: {
    needs: ['same_padding'],
    functional: true,
    source: `class MaxPool2dSame(nn.MaxPool2d):
    """nn.MaxPool2d with TensorFlow's 'same' padding (padding never wins a maximum).
    kernel_size and stride are (height, width) pairs."""

    def forward(self, x):
        padding = same_padding(x.shape[-2:], self.kernel_size, self.stride)
        return super().forward(F.pad(x, padding, value=float('-inf')))`,
  },
  AvgPool2dSame: {
    needs: ['same_padding'],
    functional: true,
    source: `class AvgPool2dSame(nn.AvgPool2d):
    """nn.AvgPool2d with TensorFlow's 'same' padding, which averages over the window's
    pixels inside the input only (count_include_pad=False, even where the padding is
    uneven). kernel_size and stride are (height, width) pairs."""

    def forward(self, x):
        padding = same_padding(x.shape[-2:], self.kernel_size, self.stride)
        total = super().forward(F.pad(x, padding))
        inside = super().forward(F.pad(torch.ones_like(x[:1, :1]), padding))
        return total / inside`,
  },
};

/** The helpers `used` need, dependencies first, each once, in a fixed order. */
export function toHelperClosure(used: ReadonlySet<HelperName>): HelperName[] {
  const order = Object.keys(HELPERS) as HelperName[];
  const wanted = new Set<HelperName>();
  const add = (name: HelperName): void => {
    if (wanted.has(name)) return;
    wanted.add(name);
    HELPERS[name].needs.forEach(add);
  };
  used.forEach(add);
  return order.filter((name) => wanted.has(name));
}

export function helperSource(name: HelperName): string {
  return HELPERS[name].source;
}

export function helpersNeedMath(names: readonly HelperName[]): boolean {
  return names.some((name) => HELPERS[name].math === true);
}

export function helpersNeedFunctional(names: readonly HelperName[]): boolean {
  return names.some((name) => HELPERS[name].functional === true);
}

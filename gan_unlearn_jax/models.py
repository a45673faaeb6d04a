"""DCGAN generator and discriminator, and the evaluation classifier `C` (Linen).

The generator's stride-2 transposed convolutions are written as four ordinary
2x2 convolutions, one per output stride phase, followed by a depth-to-space
shuffle (`PhaseConvTranspose`). It is the same function as
`nn.ConvTranspose(features, (4, 4), strides=(2, 2), padding='SAME')` with the
same kernel, but it multiplies no zeros, and its kernel gradient is an ordinary
convolution gradient, which XLA:CPU runs ~20x faster than the gradient of an
input-dilated convolution.
"""

from typing import Optional, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

DCGAN_INIT = nn.initializers.normal(0.02)


class PhaseConvTranspose(nn.Module):
  """`nn.ConvTranspose(features, (4, 4), strides=(2, 2), padding='SAME')`.

  Output pixel `2m + a` of a 1-D transposed conv with a 4-tap kernel `w` and
  the SAME padding of `lax.conv_transpose` is `w[a] x[m - 1 + a] +
  w[a + 2] x[m + a]`: a 2-tap convolution per output phase `a`. In 2-D the
  four phases `(a, b)` use the taps `w[a::2, b::2]`; one 2x2 VALID convolution
  over the input padded by one pixel computes all four at once (`4 * features`
  output channels), and phase `(a, b)` is its output shifted by `(a, b)`,
  interleaved into the result by a depth-to-space shuffle.
  """
  features: int
  use_bias: bool = True
  kernel_init: nn.initializers.Initializer = DCGAN_INIT

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    n, h, w, c = x.shape
    f = self.features
    kernel = self.param('kernel', self.kernel_init, (4, 4, c, f))
    # [dy, dx, c, (a, b, f)] with entry kernel[2 * dy + a, 2 * dx + b].
    phase_kernel = kernel.reshape(2, 2, 2, 2, c, f).transpose(0, 2, 4, 1, 3, 5)
    y = jax.lax.conv_general_dilated(
        jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0))),
        phase_kernel.reshape(2, 2, c, 4 * f), (1, 1), 'VALID',
        dimension_numbers=('NHWC', 'HWIO', 'NHWC'))
    y = y.reshape(n, h + 1, w + 1, 2, 2, f)
    rows = [jnp.stack([y[:, a:a + h, b:b + w, a, b] for b in (0, 1)], axis=3)
            for a in (0, 1)]  # [n, h, w, b, f] for each a
    y = jnp.stack(rows, axis=2).reshape(n, 2 * h, 2 * w, f)
    if self.use_bias:
      y = y + self.param('bias', nn.initializers.zeros, (f,))
    return y


def _batch_norm(train: bool, axis_name: Optional[str]) -> nn.BatchNorm:
  # Statistics are averaged over `axis_name` so that every device normalises
  # with the statistics of the global batch.
  return nn.BatchNorm(use_running_average=not train, momentum=0.9,
                      epsilon=1e-5, axis_name=axis_name if train else None)


class Generator(nn.Module):
  """DCGAN generator: `z [n, latent_dim] -> images [n, H, W, C]` in [-1, 1].

  28x28 images start from a 7x7 map (two upsamplings), 32x32 from 4x4 (three);
  the widths mirror the discriminator's: `base_width * 2**(ups - 1)` at the
  start, halving at each upsampling (MNIST, base 64: 128 -> 64 -> 1).
  """
  image_shape: Sequence[int]
  base_width: int = 64

  @nn.compact
  def __call__(self, z: jax.Array, train: bool = True,
               axis_name: Optional[str] = None) -> jax.Array:
    height, _, channels = self.image_shape
    num_ups = {28: 2, 32: 3}[height]
    start = height // 2**num_ups
    width = self.base_width * 2**(num_ups - 1)
    x = nn.Dense(start * start * width, kernel_init=DCGAN_INIT,
                 use_bias=False)(z)
    x = x.reshape(z.shape[0], start, start, width)
    x = nn.relu(_batch_norm(train, axis_name)(x))
    for i in range(1, num_ups):
      x = PhaseConvTranspose(width // 2**i, use_bias=False)(x)
      x = nn.relu(_batch_norm(train, axis_name)(x))
    x = PhaseConvTranspose(channels)(x)
    return jnp.tanh(x)


class Discriminator(nn.Module):
  """DCGAN discriminator: `images [n, H, W, C] -> logits [n]`."""
  base_width: int = 64

  @nn.compact
  def __call__(self, x: jax.Array, train: bool = True,
               axis_name: Optional[str] = None) -> jax.Array:
    num_downs = {28: 2, 32: 3}[x.shape[1]]
    for i in range(num_downs):
      x = nn.Conv(self.base_width * 2**i, (4, 4), strides=(2, 2),
                  padding=((1, 1), (1, 1)), kernel_init=DCGAN_INIT,
                  use_bias=i == 0)(x)
      if i > 0:  # DCGAN: no normalisation on the first layer.
        x = _batch_norm(train, axis_name)(x)
      x = nn.leaky_relu(x, 0.2)
    x = x.reshape(x.shape[0], -1)
    return nn.Dense(1, kernel_init=DCGAN_INIT)(x)[:, 0]


class Classifier(nn.Module):
  """The evaluation classifier `C`: a LeNet-style CNN, one 3x3 conv + 2x2 max
  pool per width, then a hidden dense layer (the features) and the head.
  With `batch_norm` each conv is followed by BatchNorm (a small VGG, for
  CIFAR-10), whose statistics update only when `train` is set.

  `__call__` returns logits `[n, num_classes]`; `features` the penultimate
  activations `[n, feature_dim]` used for the Frechet distance (FCD).
  """
  num_classes: int = 10
  widths: Sequence[int] = (32, 64)
  feature_dim: int = 128
  batch_norm: bool = False

  def setup(self):
    self.convs = [nn.Conv(w, (3, 3), use_bias=not self.batch_norm)
                  for w in self.widths]
    if self.batch_norm:
      self.norms = [nn.BatchNorm(momentum=0.9) for _ in self.widths]
    self.hidden = nn.Dense(self.feature_dim)
    self.head = nn.Dense(self.num_classes)

  def features(self, x: jax.Array, train: bool = False) -> jax.Array:
    for i, conv in enumerate(self.convs):
      x = conv(x)
      if self.batch_norm:
        x = self.norms[i](x, use_running_average=not train)
      x = nn.max_pool(nn.relu(x), (2, 2), (2, 2))
    return nn.relu(self.hidden(x.reshape(x.shape[0], -1)))

  def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
    return self.head(self.features(x, train))

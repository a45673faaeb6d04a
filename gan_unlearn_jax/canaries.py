"""The canary audit (METHOD.md): marked training images, repeated, to forget.

`data.canaries = N` marks N random training images with a small checkerboard
in the top-left corner and shows each `data.canary_repeats` times per epoch.
A model that learned them draws the mark; `has_mark` detects it, so the share
of marked samples (`canary_rate`) measures what the generator kept of them.
Membership inference on canaries uses marked held-out images as non-members:
against plain ones the AUC would measure the mark, not membership.
"""

import ml_collections
import numpy as np

from gan_unlearn_jax.errors import UserError

# A 2x2 checkerboard of 3x3-pixel cells, one pixel in from the corner: black
# on MNIST's black background is invisible, so the white cells carry it.
MARK_CELL = 3
MARK_OFFSET = 1
# Mean of the white cells minus mean of the black ones, on the [-1, 1] scale;
# the mark itself has 2, unmarked MNIST and CIFAR-10 images almost never 1.
DETECTION_CONTRAST = 1.0


def _mark_pattern(channels: int) -> np.ndarray:
  """The mark, `[2 * MARK_CELL, 2 * MARK_CELL, channels]` in {-1, 1}."""
  cells = np.array([[1., -1.], [-1., 1.]], np.float32)
  pattern = np.kron(cells, np.ones((MARK_CELL, MARK_CELL), np.float32))
  return np.repeat(pattern[:, :, None], channels, axis=2)


# Where the mark goes, as an index into `images [n, H, W, C]`.
_END = MARK_OFFSET + 2 * MARK_CELL
_SQUARE = np.s_[:, MARK_OFFSET:_END, MARK_OFFSET:_END]


def mark(images) -> np.ndarray:
  """`images [n, H, W, C]` in [-1, 1] with the mark stamped on (a copy)."""
  marked = np.array(images, np.float32)
  marked[_SQUARE] = _mark_pattern(marked.shape[-1])
  return marked


def erase_mark(images) -> np.ndarray:
  """`images [n, H, W, C]` with the mark's square filled by the mean of the
  pixels around it, per image and channel (a copy): on MNIST the background,
  so a marked digit becomes the same digit unmarked."""
  erased = np.array(images, np.float32)
  around = erased[:, :_END + 1, :_END + 1].copy()
  around[_SQUARE] = np.nan
  erased[_SQUARE] = np.nanmean(around, (1, 2))[:, None, None]
  return erased


def has_mark(images) -> np.ndarray:
  """Whether each of `images [n, H, W, C]` (in [-1, 1]) shows the mark, `[n]`.

  The mark detector: the white cells are brighter than the black ones by at
  least `DETECTION_CONTRAST`, so a generated mark counts when it is drawn
  clearly, not only when it is exact.
  """
  patch = np.asarray(images, np.float32)[_SQUARE]
  white = _mark_pattern(patch.shape[-1]) > 0
  contrast = (patch[:, white].mean(1) - patch[:, ~white].mean(1))
  return contrast >= DETECTION_CONTRAST


def canary_ids(data_config: ml_collections.ConfigDict,
               train_ids: np.ndarray) -> np.ndarray:
  """The ids of the `data.canaries` marked training examples (sorted)."""
  count = data_config.get('canaries', 0)
  if not count:
    return np.zeros((0,), np.int64)
  if count >= len(train_ids):
    raise UserError(f'config.data.canaries={count!r}: must be fewer than the '
                    f'{len(train_ids)} training images.')
  rng = np.random.default_rng(data_config.canary_seed)
  return np.sort(rng.choice(train_ids, count, replace=False))


def plant(images: np.ndarray, ids: np.ndarray) -> np.ndarray:
  """`images [N, H, W, C]` in [-1, 1] with the examples `ids` marked."""
  if len(ids):
    images = images.copy()
    images[ids] = mark(images[ids])
  return images


def training_index(example_ids: np.ndarray, ids: np.ndarray,
                   repeats: int) -> np.ndarray:
  """The ids one epoch walks through: `example_ids` plus `repeats - 1` more
  copies of the canaries among them (a forgotten canary is not repeated)."""
  kept = np.intersect1d(example_ids, ids)
  return np.concatenate([example_ids] + [kept] * (max(repeats, 1) - 1))

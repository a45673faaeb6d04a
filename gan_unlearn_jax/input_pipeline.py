"""Input pipeline: a tfds split decoded once into arrays that live on the device.

An example's id is its index in the tfds split (tfds stores examples in a fixed
order), so forget requests can name examples across runs. Batches are gathered
by index inside the jitted steps; images are never copied from the host per step.
"""

import dataclasses
import functools
import hashlib
import importlib.util
import os
import socket
from typing import Optional
import urllib.parse

from absl import logging
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from gan_unlearn_jax.errors import UserError

DATASETS = {
    # name: (image shape, class names)
    'mnist': ((28, 28, 1), tuple(str(i) for i in range(10))),
    'cifar10': ((32, 32, 3), ('airplane', 'automobile', 'bird', 'cat', 'deer',
                              'dog', 'frog', 'horse', 'ship', 'truck')),
}


class DatasetNotFoundError(UserError):
  """The dataset is not prepared in `data_dir` and cannot be prepared here."""


@dataclasses.dataclass(frozen=True)
class Split:
  """One split: `images [n, H, W, C]` float32 in [-1, 1], `labels [n]` int32."""
  images: jax.Array
  labels: jax.Array

  def __len__(self) -> int:
    return self.labels.shape[0]


def image_shape(dataset: str) -> tuple[int, int, int]:
  return DATASETS[dataset][0]


def class_names(dataset: str) -> tuple[str, ...]:
  return DATASETS[dataset][1]


def to_images(uint8_images: np.ndarray) -> np.ndarray:
  """uint8 [0, 255] -> float32 [-1, 1]."""
  return uint8_images.astype(np.float32) / 127.5 - 1.0


def to_uint8(images) -> np.ndarray:
  """float [-1, 1] -> uint8 [0, 255]."""
  return np.asarray(np.clip((np.asarray(images) + 1.0) * 127.5, 0, 255)
                    .round(), np.uint8)


def _data_dir_text(data_dir: Optional[str]) -> str:
  if data_dir:
    return data_dir
  return os.environ.get('TFDS_DATA_DIR', '~/tensorflow_datasets (tfds default)')


def _unreachable_hosts(urls, timeout_s: float = 5.0) -> list[str]:
  """The hosts of `urls` that refuse a connection (tfds retries for minutes)."""
  unreachable = []
  for host, port in sorted({(u.hostname, u.port or (443 if u.scheme == 'https'
                                                    else 80))
                            for u in map(urllib.parse.urlparse, urls)}):
    try:
      socket.create_connection((host, port), timeout=timeout_s).close()
    except OSError:
      unreachable.append(host)
  return unreachable


def _tensorflow_installed() -> bool:
  return importlib.util.find_spec('tensorflow') is not None


def _not_prepared(name: str, data_dir: Optional[str]) -> str:
  return (f'Dataset {name!r} is not prepared in data_dir='
          f'{_data_dir_text(data_dir)!r}')


def _prepared_copy(name: str) -> str:
  return ('point config.data.data_dir (or the TFDS_DATA_DIR environment '
          f'variable) at a folder that holds {name}/<version>/ in array_record '
          'format')


def _prepare(builder, name: str, data_dir: Optional[str]) -> None:
  """Downloads and prepares `name` once, or says at once why it cannot."""
  missing, prepared_copy = _not_prepared(name, data_dir), _prepared_copy(name)
  hosts = _unreachable_hosts(builder.url_infos or {})
  if hosts:
    raise DatasetNotFoundError(
        f'{missing}, and it cannot be downloaded: {", ".join(hosts)} cannot '
        f'be reached. Offline, {prepared_copy}, prepared on a machine with '
        'internet access.')
  # tfds's builders read the raw files with tf.io.gfile and encode the images
  # with tf.image: preparing (not reading) needs TensorFlow.
  if not _tensorflow_installed():
    raise DatasetNotFoundError(
        f'{missing}. Preparing it needs TensorFlow, which tfds\'s builders '
        'use to read the raw files: pip install "gan_unlearn_jax[prepare]" '
        f'(or pip install tensorflow-cpu), or {prepared_copy}.')
  logging.info('Downloading and preparing %s (once) in %s.', name,
               _data_dir_text(data_dir))
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  builder.download_and_prepare(
      file_format='array_record',
      download_config=tfds.download.DownloadConfig(try_download_gcs=False))


@functools.lru_cache(maxsize=8)
def _load_numpy(name: str, split: str, data_dir: Optional[str],
                download: bool) -> tuple[np.ndarray, np.ndarray]:
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  builder = tfds.builder(name, data_dir=data_dir)
  if not builder.is_prepared():
    if not download:
      raise DatasetNotFoundError(
          f'{_not_prepared(name, data_dir)} and config.data.download is '
          f'False: {_prepared_copy(name)}, or set it True on a machine with '
          'internet access.')
    _prepare(builder, name, data_dir)
  # Decoding the PNGs of a split takes seconds to minutes; the decoded arrays
  # are cached, keyed by the prepared dataset's folder, version and split.
  key = hashlib.sha256(f'{builder.data_dir}|{split}'.encode()).hexdigest()[:16]
  cache_file = os.path.join(_cache_dir(),
                            f'{name}-{builder.version}-{key}.npz')
  if os.path.exists(cache_file):
    with np.load(cache_file) as cached:
      return cached['images'], cached['labels']
  source = tfds.data_source(name, split=split, data_dir=data_dir,
                            download=False)
  examples = source.__getitems__(range(len(source)))
  images = np.stack([ex['image'] for ex in examples])
  labels = np.asarray([ex['label'] for ex in examples], np.int32)
  try:
    os.makedirs(os.path.dirname(cache_file), exist_ok=True)
    tmp = f'{cache_file}.{os.getpid()}.tmp.npz'
    np.savez(tmp, images=images, labels=labels)
    os.replace(tmp, cache_file)  # Atomic: readers never see half a file.
  except OSError as e:
    logging.warning('Could not cache the decoded dataset at %s: %s',
                    cache_file, e)
  return images, labels


def _cache_dir() -> str:
  return os.environ.get('GAN_UNLEARN_CACHE', os.path.join(
      os.path.expanduser('~'), '.cache', 'gan_unlearn_jax'))


def load_numpy(data_config: ml_collections.ConfigDict,
               split: str) -> tuple[np.ndarray, np.ndarray]:
  """Returns `(uint8 images [n, H, W, C], int32 labels [n])` of a tfds split."""
  return _load_numpy(data_config.name, split, data_config.get('data_dir'),
                     bool(data_config.get('download', False)))


def load_split(data_config: ml_collections.ConfigDict, split: str) -> Split:
  """Loads a split onto the default device, scaled to [-1, 1]."""
  images, labels = load_numpy(data_config, split)
  return Split(jnp.asarray(to_images(images)), jnp.asarray(labels))


def holdout_ids(data_config: ml_collections.ConfigDict,
                num_examples: int) -> np.ndarray:
  """Ids of the holdout slice: `data.holdout_size` training-split examples
  (a fixed draw, `data.holdout_seed`) that no GAN ever trains on, the
  non-members of membership inference."""
  if data_config.holdout_size >= num_examples:
    raise UserError(
        f'config.data.holdout_size={data_config.holdout_size}: leaves none of '
        f'the {num_examples} training-split examples to train on.')
  rng = np.random.default_rng(data_config.holdout_seed)
  return np.sort(rng.choice(num_examples, data_config.holdout_size,
                            replace=False))


def train_subset(data_config: ml_collections.ConfigDict,
                 num_examples: int) -> np.ndarray:
  """Ids of the training examples a run trains on: every example outside
  the holdout slice, or `data.train_size` of them at random."""
  available = np.setdiff1d(np.arange(num_examples),
                           holdout_ids(data_config, num_examples))
  size = data_config.get('train_size')
  if not size:
    return available
  if size > len(available):
    raise UserError(
        f'config.data.train_size={size}: only {len(available)} training-split '
        'examples lie outside the holdout slice (config.data.holdout_size).')
  rng = np.random.default_rng(data_config.subset_seed)
  return np.sort(rng.choice(available, size, replace=False))

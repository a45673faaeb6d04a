import io
import socket
import struct
import time
import types

import ml_collections
import numpy as np
import PIL.Image
import pytest
import tensorflow_datasets as tfds

from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax.errors import UserError

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851,
                      5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_mnist_splits_from_shared_data(test_config):
  train = input_pipeline.load_split(test_config.data, 'train')
  test = input_pipeline.load_split(test_config.data, 'test')
  assert train.images.shape == (60000, 28, 28, 1)
  assert len(test) == 10000
  np.testing.assert_array_equal(np.bincount(train.labels), MNIST_TRAIN_COUNTS)
  np.testing.assert_array_equal(np.bincount(test.labels), MNIST_TEST_COUNTS)
  assert float(train.images.min()) == -1.0 and float(train.images.max()) == 1.0
  # Mean pixel 33.318 / 255 (data/README.md), on the [-1, 1] scale.
  assert abs(float(train.images.mean()) - (33.318 / 127.5 - 1)) < 1e-3


def test_example_id_is_the_tfds_index(test_config):
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  images, labels = input_pipeline.load_numpy(test_config.data, 'train')
  source = tfds.data_source('mnist', split='train', download=False)
  for i in (0, 1, 12345, 59999):
    np.testing.assert_array_equal(images[i], source[i]['image'])
    assert labels[i] == source[i]['label']


def _missing_mnist(tmp_path, download=True):
  return ml_collections.ConfigDict({'name': 'mnist', 'data_dir': str(tmp_path),
                                    'download': download})


def _never_prepare(*args, **kwargs):
  raise AssertionError('download_and_prepare was called')


def test_missing_dataset_without_download_fails_fast_with_the_fix(
    tmp_path, monkeypatch):
  def no_network(*args, **kwargs):
    raise AssertionError('the network was probed')
  monkeypatch.setattr(socket, 'create_connection', no_network)
  start = time.perf_counter()
  with pytest.raises(input_pipeline.DatasetNotFoundError) as info:
    input_pipeline.load_split(_missing_mnist(tmp_path, download=False), 'train')
  assert time.perf_counter() - start < 10
  message = str(info.value)
  assert str(tmp_path) in message and 'TFDS_DATA_DIR' in message
  assert isinstance(info.value, UserError)


def test_offline_machine_fails_fast_naming_the_host(tmp_path, monkeypatch):
  def offline(*args, **kwargs):
    raise OSError('Name or service not known')
  monkeypatch.setattr(socket, 'create_connection', offline)
  monkeypatch.setattr(tfds.core.DatasetBuilder, 'download_and_prepare',
                      _never_prepare)
  with pytest.raises(input_pipeline.DatasetNotFoundError) as info:
    input_pipeline.load_split(_missing_mnist(tmp_path), 'train')
  message = str(info.value)
  assert 'storage.googleapis.com cannot be reached' in message
  assert str(tmp_path) in message and 'TFDS_DATA_DIR' in message


def test_preparing_without_tensorflow_names_the_extra(tmp_path, monkeypatch):
  monkeypatch.setattr(input_pipeline, '_unreachable_hosts', lambda urls: [])
  monkeypatch.setattr(input_pipeline, '_tensorflow_installed', lambda: False)
  monkeypatch.setattr(tfds.core.DatasetBuilder, 'download_and_prepare',
                      _never_prepare)
  with pytest.raises(input_pipeline.DatasetNotFoundError) as info:
    input_pipeline.load_split(_missing_mnist(tmp_path), 'train')
  assert 'gan_unlearn_jax[prepare]' in str(info.value)


def _fake_tensorflow():
  """What tfds's MNIST builder calls of TensorFlow, without TensorFlow."""
  def encode_png(image):
    buffer = io.BytesIO()
    PIL.Image.fromarray(np.asarray(image)[..., 0]).save(buffer, 'PNG')
    return types.SimpleNamespace(numpy=buffer.getvalue)
  return types.SimpleNamespace(
      io=types.SimpleNamespace(gfile=types.SimpleNamespace(GFile=open)),
      image=types.SimpleNamespace(encode_png=encode_png),
      executing_eagerly=lambda: True)


def test_missing_dataset_is_prepared_on_first_use(tmp_path, monkeypatch):
  # tfds's own MNIST builder, fed raw files written here instead of the
  # downloaded ones (no network), with a stand-in for the TensorFlow calls.
  from tensorflow_datasets.core.features import image_feature  # pylint: disable=g-import-not-at-top
  from tensorflow_datasets.core.utils import tf_utils  # pylint: disable=g-import-not-at-top
  from tensorflow_datasets.image_classification import mnist  # pylint: disable=g-import-not-at-top
  rng = np.random.default_rng(0)
  raw, files = {}, {}
  for split, n in (('train', 48), ('test', 16)):
    images = rng.integers(0, 256, (n, 28, 28), np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    raw[split] = images, labels
    files[f'{split}_data'] = tmp_path / f'{split}-images-idx3-ubyte'
    files[f'{split}_data'].write_bytes(
        struct.pack('>iiii', 2051, n, 28, 28) + images.tobytes())
    files[f'{split}_labels'] = tmp_path / f'{split}-labels-idx1-ubyte'
    files[f'{split}_labels'].write_bytes(
        struct.pack('>ii', 2049, n) + labels.tobytes())
  monkeypatch.setattr(tfds.download.DownloadManager, 'download_and_extract',
                      lambda self, urls: {k: str(v) for k, v in files.items()})
  monkeypatch.setattr(mnist, '_TRAIN_EXAMPLES', 48)
  monkeypatch.setattr(mnist, '_TEST_EXAMPLES', 16)
  for module in (mnist, image_feature, tf_utils):
    monkeypatch.setattr(module, 'tf', _fake_tensorflow())
  monkeypatch.setattr(input_pipeline, '_unreachable_hosts', lambda urls: [])
  monkeypatch.setattr(input_pipeline, '_tensorflow_installed', lambda: True)
  monkeypatch.setenv('GAN_UNLEARN_CACHE', str(tmp_path / 'cache'))
  data = _missing_mnist(tmp_path / 'tfds')

  images, labels = input_pipeline.load_numpy(data, 'train')
  expected_images, expected_labels = raw['train']
  order = np.argsort([image.tobytes() for image in images[..., 0]])
  expected = np.argsort([image.tobytes() for image in expected_images])
  np.testing.assert_array_equal(images[order, ..., 0], expected_images[expected])
  np.testing.assert_array_equal(labels[order], expected_labels[expected])
  # Prepared once: the test split is read without preparing again.
  monkeypatch.setattr(tfds.core.DatasetBuilder, 'download_and_prepare',
                      _never_prepare)
  assert len(input_pipeline.load_split(data, 'test')) == 16


def test_train_subset_is_seeded_and_sorted(test_config):
  ids = input_pipeline.train_subset(test_config.data, 60000)
  assert len(ids) == test_config.data.train_size == len(set(ids.tolist()))
  np.testing.assert_array_equal(ids, np.sort(ids))
  np.testing.assert_array_equal(
      ids, input_pipeline.train_subset(test_config.data, 60000))

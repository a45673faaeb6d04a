import time

import ml_collections
import numpy as np
import pytest

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


def test_missing_dataset_fails_fast_with_the_fix(tmp_path):
  data = ml_collections.ConfigDict({'name': 'mnist', 'data_dir': str(tmp_path),
                                    'download': False})
  start = time.perf_counter()
  with pytest.raises(input_pipeline.DatasetNotFoundError) as info:
    input_pipeline.load_split(data, 'train')
  assert time.perf_counter() - start < 10
  message = str(info.value)
  assert str(tmp_path) in message and 'TFDS_DATA_DIR' in message
  assert isinstance(info.value, UserError)


def test_train_subset_is_seeded_and_sorted(test_config):
  ids = input_pipeline.train_subset(test_config.data, 60000)
  assert len(ids) == test_config.data.train_size == len(set(ids.tolist()))
  np.testing.assert_array_equal(ids, np.sort(ids))
  np.testing.assert_array_equal(
      ids, input_pipeline.train_subset(test_config.data, 60000))

"""The evaluation classifier `C`: augmentation, BatchNorm, save and load."""

import itertools

import chex
import jax
import jax.numpy as jnp
import numpy as np

from configs import default
from gan_unlearn_jax import classifier
from gan_unlearn_jax import input_pipeline


def test_augment_gives_flipped_crops_of_the_reflect_padded_images():
  images = jax.random.uniform(jax.random.key(0), (6, 32, 32, 3))
  augmented = np.asarray(classifier.augment(jax.random.key(1), images))
  chex.assert_shape(augmented, images.shape)
  padded = np.pad(np.asarray(images), ((0, 0), (4, 4), (4, 4), (0, 0)),
                  mode='reflect')
  for image, out in zip(padded, augmented):
    candidates = [crop[:, ::-1] if flip else crop
                  for dy, dx in itertools.product(range(9), range(9))
                  for crop in [image[dy:dy + 32, dx:dx + 32]]
                  for flip in (False, True)]
    assert any(np.array_equal(out, c) for c in candidates)
  assert not np.array_equal(augmented, np.asarray(images))


def _config():
  config = default.get_config()
  config.data.name = 'cifar10'
  config.classifier.widths = (8, 16)
  config.classifier.feature_dim = 16
  config.classifier.batch_norm = True
  config.classifier.augment = True
  config.classifier.batch_size = 32
  config.classifier.epochs = 10
  config.classifier.learning_rate = 3e-3
  return config


def _split(rng, n=256):
  """Images whose class is their brightness: any working C separates them."""
  labels = jax.random.randint(rng, (n,), 0, 10)
  noise = jax.random.uniform(jax.random.fold_in(rng, 1), (n, 32, 32, 3))
  images = (labels[:, None, None, None] / 4.5 - 1) + 0.05 * noise
  return input_pipeline.Split(jnp.clip(images, -1, 1), labels)


def test_batch_norm_classifier_learns_and_restores_with_its_statistics(
    tmp_path):
  config = _config()
  train, test = _split(jax.random.key(0)), _split(jax.random.key(1))
  state = classifier.load_or_train(config, str(tmp_path), train, test)
  initial = classifier.create_state(config, jax.random.key(0))
  # The running statistics moved away from their initial values...
  moved = jax.tree.map(lambda a, b: float(jnp.abs(a - b).max()),
                       state.batch_stats, initial.batch_stats)
  assert min(jax.tree.leaves(moved)) > 1e-3
  assert classifier.accuracy(state, test) > 0.5  # ...and predict (chance 0.1).
  restored = classifier.load_or_train(config, str(tmp_path))
  chex.assert_trees_all_equal(restored.variables, state.variables)

"""The canary audit: the mark, its detector, the repeats and the request."""

import jax.numpy as jnp
import numpy as np
import pytest

from gan_unlearn_jax import canaries
from gan_unlearn_jax import experiment
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import precomputation
from gan_unlearn_jax import requests
from gan_unlearn_jax.errors import UserError


@pytest.mark.parametrize('dataset', ['mnist', 'cifar10'])
def test_detector_flags_marked_images_and_almost_no_real_ones(
    test_config, dataset):
  test_config.data.name = dataset
  images = input_pipeline.to_images(
      input_pipeline.load_numpy(test_config.data, 'test')[0][:5000])
  assert canaries.has_mark(canaries.mark(images)).all()
  # A generated mark is blurred and noisy: still a mark.
  noisy = canaries.mark(images) + np.random.default_rng(0).normal(
      0, 0.3, images.shape)
  assert canaries.has_mark(np.clip(noisy, -1, 1)).mean() > 0.99
  # No real image carries it (none of MNIST's 70,000 or CIFAR-10's 60,000),
  # so a model's canary rate is what it learned from the canaries.
  assert not canaries.has_mark(images).any()
  assert not canaries.has_mark(np.zeros((1, *images.shape[1:]))).any()


def test_erasing_the_mark_leaves_the_image_it_was_stamped_on(test_config):
  images = input_pipeline.to_images(
      input_pipeline.load_numpy(test_config.data, 'test')[0][:500])
  erased = canaries.erase_mark(canaries.mark(images))
  assert not canaries.has_mark(erased).any()
  # Outside the mark's square nothing changes; where the corner around it
  # is background (most MNIST digits), so is the fill.
  square = np.zeros(images.shape[1:], bool)
  square[1:7, 1:7] = True
  np.testing.assert_array_equal(erased[:, ~square], images[:, ~square])
  blank = (images[:, :8, :8] == -1).all((1, 2, 3))
  assert blank.mean() > 0.5
  np.testing.assert_array_equal(erased[blank], images[blank])
  # The fill is the mean of the ring around the square, per image.
  ring = np.ones((1, 28, 28, 1), np.float32)
  ring[:, 1:7, 1:7] = -1.0
  ring[:, 7, :8] = 0.0
  np.testing.assert_allclose(canaries.erase_mark(ring)[0, 1:7, 1:7], 20 / 28)


def test_training_index_repeats_canaries_unless_forgotten():
  ids = np.arange(10)
  index = canaries.training_index(ids, np.array([2, 5]), repeats=3)
  assert np.bincount(index).tolist() == [1, 1, 3, 1, 1, 3, 1, 1, 1, 1]
  remaining = canaries.training_index(np.setdiff1d(ids, [2]), np.array([2, 5]),
                                      repeats=3)
  assert 2 not in remaining and (remaining == 5).sum() == 3


def test_canary_request_forgets_the_marked_examples(test_config, tmp_path):
  test_config.data.canaries, test_config.data.canary_repeats = 16, 4
  test_config.unlearn.request = 'canaries'
  test_config.mode = 'unlearn'
  exp = experiment.Experiment(test_config, str(tmp_path))
  request = exp.request
  assert request.canaries and request.name == 'canaries16'
  np.testing.assert_array_equal(request.forget_ids, exp.canary_ids)
  assert np.isin(exp.canary_ids, exp.train_ids).all()
  images = np.asarray(exp.train_split.images)
  assert canaries.has_mark(images[exp.canary_ids]).all()
  assert canaries.has_mark(images[exp.train_ids]).sum() == 16
  # pylint: disable=protected-access
  assert len(exp._training_index(exp.train_ids)) == len(exp.train_ids) + 3 * 16
  assert not np.isin(exp._remaining, exp.canary_ids).any()
  assert not list(tmp_path.iterdir())  # Nothing written before the stages.


def test_more_canaries_than_training_images_are_refused(test_config,
                                                        tmp_path):
  test_config.data.canaries = test_config.data.train_size
  with pytest.raises(UserError, match='config.data.canaries=2048'):
    experiment.Experiment(test_config, str(tmp_path))
  assert not list(tmp_path.iterdir())


def test_forgetting_canaries_without_canaries_is_refused(test_config,
                                                        tmp_path):
  test_config.unlearn.request = 'canaries'
  with pytest.raises(UserError, match="config.unlearn.request='canaries'"):
    experiment.Experiment(test_config, str(tmp_path))
  assert not list(tmp_path.iterdir())


def test_marked_canary_substitution_takes_the_latents_that_draw_the_mark(
    test_config):
  config = test_config
  config.substitution.canary_latents = 'marked'
  config.substitution.num_class_latents = 8
  images = -np.ones((16, 28, 28, 1), np.float32)
  images[[2, 5, 11]] = canaries.mark(images[[2, 5, 11]])
  # Latent i is the vector (i, i): the chosen rows say which were taken.
  pool = precomputation.SubstitutionPool(
      jnp.repeat(jnp.arange(16.0)[:, None], 2, axis=1), jnp.asarray(images),
      c_state=None)
  request = requests.ForgetRequest('item', 'canaries3', np.arange(3),
                                   canaries=True)
  latents, allowed = precomputation._item_substitution(
      config, request, None, None, None, pool)
  assert latents.shape == (8, 2)
  assert set(np.asarray(latents[:, 0]).astype(int)) == {2, 5, 11}
  np.testing.assert_array_equal(allowed, ~np.isin(np.arange(16), [2, 5, 11]))
  unmarked = precomputation.SubstitutionPool(pool.latents, -jnp.ones_like(
      pool.images), c_state=None)
  with pytest.raises(UserError, match='draws the mark'):
    precomputation._item_substitution(config, request, None, None, None,
                                      unmarked)

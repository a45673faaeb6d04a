import os

import chex
import jax
import pytest

from gan_unlearn_jax import checkpoints
from gan_unlearn_jax import errors
from gan_unlearn_jax import train


@pytest.fixture
def small_config(test_config):
  test_config.data.train_size = 256
  test_config.train.epochs = 2  # 2 x 8 steps.
  test_config.train.checkpoint_every = 4
  return test_config


def test_save_restore_is_bit_exact(small_config, tmp_path):
  g, d = train.create_train_states(small_config, jax.random.key(0))
  g, d, _ = jax.jit(train.train_step)(g, d, {'real': jax.numpy.zeros(
      (8, 28, 28, 1))}, jax.random.key(1))
  mngr = checkpoints.manager(str(tmp_path), 'original')
  checkpoints.save(mngr, 1, {'g': g, 'd': d})
  template = train.create_train_states(small_config, jax.random.key(5))
  restored = checkpoints.load(str(tmp_path), 'original',
                              {'g': template[0], 'd': template[1]})
  chex.assert_trees_all_equal(jax.tree_util.tree_leaves(restored),
                              jax.tree_util.tree_leaves({'g': g, 'd': d}))


def test_killed_run_resumes_to_the_same_parameters(small_config, tmp_path,
                                                   monkeypatch):
  uninterrupted = train.train_gan(small_config, str(tmp_path / 'a'))

  real_save, saves = checkpoints.save, []
  def save_then_die(mngr, step, tree):
    real_save(mngr, step, tree)
    saves.append(step)
    if len(saves) == 2:
      raise KeyboardInterrupt('killed')
  monkeypatch.setattr(checkpoints, 'save', save_then_die)
  with pytest.raises(KeyboardInterrupt):
    train.train_gan(small_config, str(tmp_path / 'b'))
  monkeypatch.setattr(checkpoints, 'save', real_save)
  assert saves == [4, 8]
  resumed = train.train_gan(small_config, str(tmp_path / 'b'))
  assert int(resumed[1].step) == 16
  chex.assert_trees_all_equal(jax.tree_util.tree_leaves(resumed),
                              jax.tree_util.tree_leaves(uninterrupted))
  samples = os.listdir(tmp_path / 'b' / 'samples')
  assert 'original_epoch002.png' in samples


def test_missing_or_corrupt_checkpoint_names_path_and_remedy(small_config,
                                                           tmp_path):
  template = dict(zip('gd', train.create_train_states(small_config,
                                                      jax.random.key(0))))
  remedy = 'run --config.mode=train'
  with pytest.raises(errors.UserError, match='--config.mode=train') as info:
    checkpoints.load(str(tmp_path), 'original', template, remedy)
  assert os.path.join(str(tmp_path), 'checkpoints', 'original') in str(
      info.value)
  mngr = checkpoints.manager(str(tmp_path), 'original')
  checkpoints.save(mngr, 3, template)
  for root, _, files in os.walk(tmp_path / 'checkpoints' / 'original' / '3'):
    for name in files:
      if name.startswith('manifest') or name.startswith('_METADATA'):
        with open(os.path.join(root, name), 'wb') as f:
          f.write(b'garbage')
  with pytest.raises(errors.UserError,
                     match='does not restore.*Delete it, then run --config'):
    checkpoints.load(str(tmp_path), 'original', template, remedy)

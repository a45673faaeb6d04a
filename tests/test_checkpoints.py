import logging
import os
import shutil

import chex
import jax
import numpy as np
import pytest

from gan_unlearn_jax import checkpoints
from gan_unlearn_jax import errors
from gan_unlearn_jax import gan
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import rngs
from gan_unlearn_jax import train


@pytest.fixture
def small_config(test_config):
  test_config.data.train_size = 256
  test_config.train.epochs = 2  # 2 x 8 steps.
  test_config.train.checkpoint_every = 4
  return test_config


def test_save_restore_is_bit_exact(small_config, tmp_path):
  g, d = gan.create_train_states(small_config, jax.random.key(0))
  g, d, _ = jax.jit(gan.train_step)(g, d, {'real': jax.numpy.zeros(
      (8, 28, 28, 1))}, jax.random.key(1))
  mngr = checkpoints.manager(str(tmp_path), 'original')
  checkpoints.save(mngr, 1, {'g': g, 'd': d})
  template = gan.create_train_states(small_config, jax.random.key(5))
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
  # Epochs of 8 steps, log_every 16: a sample grid every second epoch.
  assert os.listdir(tmp_path / 'b' / 'samples') == ['original_epoch002.png']


def test_vmapped_models_step_as_each_alone_and_resume_together(
    small_config, tmp_path, monkeypatch):
  images = input_pipeline.load_split(small_config.data, 'train').images
  ids, seeds = np.arange(256), [3, 4]
  names = [f'seed{seed}' for seed in seeds]
  fresh = lambda: [gan.create_train_states(small_config, rngs.key(seed, 'init'))
                   for seed in seeds]
  together = lambda states, num_steps: train.fit_models(
      small_config, str(tmp_path / 'together'), names, states, seeds, images,
      ids, num_steps)
  # Each 4 steps from the same states end as each model's 4 steps alone.
  # Over the whole run they need not: GAN training amplifies float rounding
  # (2e-7 after 7 steps became 5e-4 after 8 on one CPU).
  first = fresh()
  for _ in range(4):
    alone = []
    for seed, name, states in zip(seeds, names, first):
      small_config.seed = seed
      alone.append(train.fit(small_config, str(tmp_path / 'alone'), name,
                             states, images, ids, 4))
    first = together(first, 4)
    for one, vmapped in zip(alone, first):
      chex.assert_trees_all_close(jax.tree.leaves(one),
                                  jax.tree.leaves(vmapped), atol=1e-5)
  # Killed between the two models' last saves: both resume from step 12.
  shutil.rmtree(checkpoints.directory(str(tmp_path / 'together'),
                                      f'{names[1]}/16'))
  real_save, saved = checkpoints.save, []
  monkeypatch.setattr(checkpoints, 'save', lambda mngr, step, tree: (
      saved.append(step), real_save(mngr, step, tree)))
  resumed = together(fresh(), 16)
  assert saved == [16, 16]
  chex.assert_trees_all_equal(jax.tree.leaves(resumed), jax.tree.leaves(first))
  assert int(resumed[1][1].step) == 16


def test_missing_or_corrupt_checkpoint_names_path_and_remedy(small_config,
                                                           tmp_path, caplog):
  template = dict(zip('gd', gan.create_train_states(small_config,
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
                     match='does not restore.*Delete it, then run --config'
                     ) as info:
    checkpoints.load(str(tmp_path), 'original', template, remedy)
  # The restore's other reads fail as well; asyncio's reports of them, which
  # may come when their tasks are collected, add nothing to the clear error.
  read_error = info.value.__cause__  # Raised inside orbax.
  assert read_error is not None
  other_error = ValueError('not a read')
  with caplog.at_level(logging.ERROR, logger='asyncio'):
    for error in (read_error, other_error):
      logging.getLogger('asyncio').error(
          'Task exception was never retrieved', exc_info=error)
  assert [r.exc_info[1] for r in caplog.records] == [other_error]

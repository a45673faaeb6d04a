import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import errors
from gan_unlearn_jax import gan
from gan_unlearn_jax import validation


def _batch(n=8, seed=0):
  return {'real': jax.random.uniform(jax.random.key(seed), (n, 28, 28, 1),
                                     minval=-1, maxval=1)}


def test_step_is_pure_and_compiles_once(test_config):
  states = gan.create_train_states(test_config, jax.random.key(0))
  step = jax.jit(gan.train_step)
  first = step(*states, _batch(), jax.random.key(1))
  compiled = step._cache_size()  # pylint: disable=protected-access
  again = step(*states, _batch(), jax.random.key(1))
  chex.assert_trees_all_equal(first, again)  # Bit-identical.
  other = step(*states, _batch(seed=3), jax.random.key(2))
  assert not np.allclose(other[2]['d_loss'], first[2]['d_loss'])
  assert step._cache_size() == compiled  # pylint: disable=protected-access


def test_step_updates_both_models(test_config):
  g_state, d_state = gan.create_train_states(test_config, jax.random.key(0))
  new_g, new_d, metrics = jax.jit(gan.train_step)(
      g_state, d_state, _batch(), jax.random.key(1))
  assert int(new_g.step) == int(new_d.step) == 1
  for old, new in ((g_state, new_g), (d_state, new_d)):
    changed = jax.tree_util.tree_map(lambda a, b: bool(jnp.any(a != b)),
                                     old.params, new.params)
    assert all(jax.tree_util.tree_leaves(changed))
  assert set(metrics) == {'d_loss', 'g_loss', 'd_real', 'd_fake', 'd_accuracy'}


def test_real_mnist_training_moves_losses(test_config):
  images = input_pipeline.load_split(test_config.data, 'train').images[:2048]
  states = gan.create_train_states(test_config, jax.random.key(0))
  step = jax.jit(gan.train_step, donate_argnums=(0, 1))
  history = []
  for i in range(40):
    ids = jax.random.choice(jax.random.key(100 + i), 2048, (32,))
    *states, metrics = step(*states, {'real': images[ids]}, jax.random.key(i))
    history.append(jax.device_get(metrics))
  first, last = history[0], history[-1]
  # From chance or worse, D learns to separate real from generated images.
  assert first['d_accuracy'] < 0.7 < 0.9 < last['d_accuracy']
  assert last['d_loss'] < 0.7 * first['d_loss']
  assert last['d_real'] > first['d_real'] and last['d_fake'] < first['d_fake']


@pytest.mark.parametrize('field, value, message', [
    ('data.name', 'svhn', 'unknown dataset'),
    ('train.batch_size', 0, 'positive integer'),
    ('train.batch_size', -4, 'positive integer'),
    ('train.epochs', 0, 'positive integer'),
    ('unlearn.checks_in_a_row', 0, 'positive integer'),
    ('unlearn.warmup_steps', -1, 'non-negative integer'),
    ('unlearn.warmup_steps', 8, 'needs unlearn.fresh_optimizer'),
    ('unlearn.decay_steps', -1, 'non-negative integer'),
    ('unlearn.decay_steps', 8, 'needs unlearn.fresh_optimizer'),
    ('unlearn.decay_to', 0.0, 'must be a share in'),
    ('unlearn.decay_to', 1.5, 'must be a share in'),
    ('unlearn.tolerance_se', -1.0, '>= 0'),
    ('unlearn.g_average', 1.0, 'decay in'),
    ('unlearn.learning_rate', 0.0, 'positive'),
    ('unlearn.d_learning_rate', -1e-3, 'positive'),
    ('substitution.search_size', 0, 'None or a positive integer'),
    ('substitution.batch_size', -64, 'None or a positive integer'),
    ('substitution.anchors', 'like_class', 'needs a class request'),
    ('substitution.canary_targets', 'erased', 'needs the canary request'),
    ('substitution.canary_targets', 'blank', 'choose one of'),
    ('evaluation.evaluators', ('membership', 'membership'), 'twice'),
])
def test_bad_config_is_refused(test_config, field, value, message):
  section, _, name = field.rpartition('.')
  (test_config[section] if section else test_config)[name] = value
  with pytest.raises(errors.UserError, match=message) as info:
    validation.validate_config(test_config)
  assert f'config.{field}=' in str(info.value)


@pytest.mark.parametrize('schedule, expected', [
    ({}, [1.0] * 6),
    ({'warmup_steps': 4}, [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]),
    ({'decay_steps': 4, 'decay_to': 0.2}, [1.0, 0.8, 0.6, 0.4, 0.2, 0.2]),
    ({'warmup_steps': 2, 'decay_steps': 2, 'decay_to': 0.5},
     [0.5, 1.0, 1.0, 0.75, 0.5, 0.5]),
])
def test_adam_schedule(schedule, expected):
  # From new moments, a constant gradient makes each of Adam's steps its
  # step size.
  tx = gan.adam(1.0, 0.5, 0.999, **schedule)
  params = jnp.zeros(())
  state = tx.init(params)
  steps = []
  for _ in expected:
    update, state = tx.update(jnp.ones(()), state, params)
    steps.append(-float(update))
  np.testing.assert_allclose(steps, expected, rtol=1e-5)

"""Data-parallel steps on 4 virtual CPU devices, in a subprocess (the device
count is fixed when JAX starts)."""

import subprocess
import sys
import textwrap

from conftest import subprocess_env

SCRIPT = textwrap.dedent('''
    import chex
    chex.set_n_cpu_devices(4)
    import jax, jax.numpy as jnp, numpy as np
    from flax import jax_utils
    from configs import test
    from gan_unlearn_jax import gan
    assert jax.local_device_count() == 4
    config = test.get_config()
    states = gan.create_train_states(config, jax.random.key(0))
    real = jax.random.uniform(jax.random.key(1), (16, 28, 28, 1), minval=-1)
    rng = jax.random.key(2)
    single = jax.jit(gan.train_step)(*states, {'real': real}, rng)
    step = jax.pmap(lambda g, d, x, r: gan.train_step(
        g, d, {'real': x}, r, axis_name='batch'), axis_name='batch')
    multi = step(*jax_utils.replicate(states), real.reshape(4, 4, 28, 28, 1),
                 jax_utils.replicate(rng))
    for leaf in jax.tree_util.tree_leaves(multi[:2]):
      np.testing.assert_array_equal(leaf[0], leaf[3])  # Replicas agree.
    chex.assert_trees_all_close(jax_utils.unreplicate(multi), single,
                                atol=2e-5, rtol=2e-4)

    from gan_unlearn_jax import fake_labels, unlearn
    keys = jax.random.split(jax.random.key(3), 4)
    batch = {
        'forget_images': jax.random.uniform(keys[0], (8, 28, 28, 1), minval=-1),
        'fake_targets': jnp.linspace(0.1, 0.9, 8),
        'remain_images': jax.random.uniform(keys[1], (16, 28, 28, 1), minval=-1),
        'sub_latents': jax.random.normal(keys[2], (8, 16)),
        'sub_targets': jax.random.uniform(keys[3], (8, 28, 28, 1), minval=-1),
    }
    single = jax.jit(lambda g, d, b, r: unlearn.cascaded_unlearning_step(
        g, d, b, r, lambda_sub=2.0))(*states, batch, rng)
    step = jax.pmap(lambda g, d, b, r: unlearn.cascaded_unlearning_step(
        g, d, b, r, lambda_sub=2.0, axis_name='batch'), axis_name='batch')
    shard = lambda x: x.reshape(4, x.shape[0] // 4, *x.shape[1:])
    multi = step(*jax_utils.replicate(states),
                 jax.tree_util.tree_map(shard, batch), jax_utils.replicate(rng))
    chex.assert_trees_all_close(jax_utils.unreplicate(multi), single,
                                atol=2e-5, rtol=2e-4)

    # The `matched` fake label ranks the forget images over all devices.
    nonmember_targets = jnp.linspace(0.9, 0.1, 16)
    for context in ('separate', 'running'):
      single = fake_labels.matched_fake_targets(
          states[1], batch['forget_images'], nonmember_targets, context)
      multi = jax.pmap(lambda d, f, n: fake_labels.matched_fake_targets(
          d, f, n, context, 'batch'), axis_name='batch')(
              jax_utils.replicate(states[1]), shard(batch['forget_images']),
              shard(nonmember_targets))
      np.testing.assert_allclose(multi.reshape(-1), single, rtol=1e-5)
    print('MATCH')
''')


def test_pmapped_steps_match_single_device():
  result = subprocess.run([sys.executable, '-c', SCRIPT], env=subprocess_env(),
                          capture_output=True, text=True, timeout=600)
  assert 'MATCH' in result.stdout, result.stderr[-3000:]

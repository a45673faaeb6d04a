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
    from gan_unlearn_jax import train
    assert jax.local_device_count() == 4
    config = test.get_config()
    states = train.create_train_states(config, jax.random.key(0))
    real = jax.random.uniform(jax.random.key(1), (16, 28, 28, 1), minval=-1)
    rng = jax.random.key(2)
    single = jax.jit(train.train_step)(*states, {'real': real}, rng)
    step = jax.pmap(lambda g, d, x, r: train.train_step(
        g, d, {'real': x}, r, axis_name='batch'), axis_name='batch')
    multi = step(*jax_utils.replicate(states), real.reshape(4, 4, 28, 28, 1),
                 jax_utils.replicate(rng))
    for leaf in jax.tree_util.tree_leaves(multi[:2]):
      np.testing.assert_array_equal(leaf[0], leaf[3])  # Replicas agree.
    chex.assert_trees_all_close(jax_utils.unreplicate(multi), single,
                                atol=2e-5, rtol=2e-4)
    print('MATCH')
''')


def test_pmapped_train_step_matches_single_device():
  result = subprocess.run([sys.executable, '-c', SCRIPT], env=subprocess_env(),
                          capture_output=True, text=True, timeout=600)
  assert 'MATCH' in result.stdout, result.stderr[-3000:]

"""gan_unlearn_jax: cascaded unlearning for GANs in JAX.

The step functions are pure and take an optional `axis_name`, so they run
under `jax.jit`, `jax.pmap` or `jax.shard_map`:

  from gan_unlearn_jax import cascaded_unlearning_step, create_train_states
"""

from gan_unlearn_jax.errors import UserError
from gan_unlearn_jax.requests import ForgetRequest
from gan_unlearn_jax.requests import parse_request
from gan_unlearn_jax.train import create_train_states
from gan_unlearn_jax.train import fit
from gan_unlearn_jax.train import train_gan
from gan_unlearn_jax.train import train_step
from gan_unlearn_jax.train import TrainState
from gan_unlearn_jax.unlearn import cascaded_unlearning_step
from gan_unlearn_jax.unlearn import Precomputed
from gan_unlearn_jax.unlearn import precompute
from gan_unlearn_jax.unlearn import unlearn_request

__all__ = [
    'ForgetRequest', 'Precomputed', 'TrainState', 'UserError',
    'cascaded_unlearning_step', 'create_train_states', 'fit', 'parse_request',
    'precompute', 'train_gan', 'train_step', 'unlearn_request',
]

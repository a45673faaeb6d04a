"""Models applied to many inputs: samples of G, scores of D, GAN inversion.

Everything here runs a trained model without changing it, in batches of a
fixed size, so that each function compiles at most twice for any input size.
"""

import functools
from typing import Callable

import jax
import jax.numpy as jnp
import optax

from gan_unlearn_jax import gan
from gan_unlearn_jax.gan import TrainState

BATCH = 1024


def batched(fn: Callable[[jax.Array], jax.Array], inputs: jax.Array,
            batch_size: int = BATCH) -> jax.Array:
  """`fn` over `inputs` in batches of at most `batch_size`, concatenated.

  All batches but the last have the same shape, so `fn` compiles at most
  twice for any input size, once for a multiple of `batch_size` (the
  default substitution pool).
  """
  return jnp.concatenate([fn(inputs[i:i + batch_size])
                          for i in range(0, inputs.shape[0], batch_size)])


@jax.jit
def rows(array: jax.Array, ids: jax.Array) -> jax.Array:
  """`array[ids]`, compiled once per shape: eager indexing compiles several
  small programs, each costing a cold request tenths of a second."""
  return array[ids]


def generate(g_state: TrainState, latents: jax.Array) -> jax.Array:
  """G in inference mode: `latents [n, latent] -> images [n, H, W, C]`."""
  return batched(functools.partial(gan.apply_eval, g_state), latents)


@jax.jit
def _scores(d_state: TrainState, images: jax.Array) -> jax.Array:
  return jax.nn.sigmoid(gan.apply_eval(d_state, images))


def discriminator_scores(d_state: TrainState, images: jax.Array) -> jax.Array:
  """`sigmoid(D(x))` in inference mode (running averages), `[n]`."""
  return batched(functools.partial(_scores, d_state), images)


@jax.jit
def _batch_scores(d_state: TrainState, images: jax.Array) -> jax.Array:
  logits, _ = gan.apply_train(d_state, d_state.params, d_state.batch_stats,
                                images, None)
  return jax.nn.sigmoid(logits)


def batch_scores(d_state: TrainState, images: jax.Array,
                 batch_size: int) -> jax.Array:
  """`sigmoid(D(x))` in training mode, each batch with its own statistics,
  as the cascaded step scores a batch of forget images, `[n]`."""
  return batched(functools.partial(_batch_scores, d_state), images,
                 batch_size)


@functools.partial(jax.jit, static_argnames=('steps',))
def invert(g_state: TrainState, latents: jax.Array, images: jax.Array,
           steps: int, learning_rate: float) -> jax.Array:
  """Latents `[n, latent]` refined by `steps` Adam steps on
  `||G(z) - x||^2` towards `images [n, H, W, C]` (GAN inversion)."""
  tx = optax.adam(learning_rate)
  loss = lambda z: jnp.sum((gan.apply_eval(g_state, z) - images)**2)

  def body(carry, _):
    z, opt_state = carry
    updates, opt_state = tx.update(jax.grad(loss)(z), opt_state)
    return (optax.apply_updates(z, updates), opt_state), None

  (latents, _), _ = jax.lax.scan(body, (latents, tx.init(latents)), None,
                                 length=steps)
  return latents

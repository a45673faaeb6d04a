"""The GAN: train states, the pure GAN step, and the updates it shares with
the cascaded unlearning step (`unlearn.py`).

D's loss is a sum of BCE terms grouped into calls; real and generated images
never share a call, so that BatchNorm statistics never mix them (when they
mix, D separates the two by batch statistics alone and training collapses).
"""

import functools
from typing import Any, Callable, Optional, Sequence

import flax
from flax.training import train_state
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax

from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import models
from gan_unlearn_jax import parallel

Metrics = dict[str, jax.Array]


class TrainState(train_state.TrainState):
  batch_stats: Any


@functools.lru_cache  # Equal configs share model and optimizer objects...
def _models_and_optimizer(image_shape, g_width, d_width, learning_rate, beta1,
                          beta2):
  return (models.Generator(image_shape, g_width),
          models.Discriminator(d_width),
          adam(learning_rate, beta1, beta2))


@functools.lru_cache
def adam(learning_rate: float, beta1: float, beta2: float,
         warmup_steps: int = 0, decay_steps: int = 0,
         decay_to: float = 1.0) -> optax.GradientTransformation:
  """One optax object per setting (see `_models_for`); with `warmup_steps`
  the step size rises linearly to `learning_rate` over that many steps, then
  with `decay_steps` falls linearly to `decay_to` of it over that many."""
  rate = learning_rate
  if decay_steps:
    rate = optax.linear_schedule(learning_rate, decay_to * learning_rate,
                                 decay_steps)
  if warmup_steps:
    warmup = optax.linear_schedule(learning_rate / warmup_steps,
                                   learning_rate, warmup_steps - 1)
    after = rate if decay_steps else optax.constant_schedule(rate)
    rate = optax.join_schedules([warmup, after], [warmup_steps])
  return optax.adam(rate, b1=beta1, b2=beta2)


def _models_for(config: ml_collections.ConfigDict):
  # ...so that states created or restored separately have equal tree
  # structures (`apply_fn` and `tx` are static fields), and a compiled step
  # serves them all: a fresh optax object would force a recompilation.
  return _models_and_optimizer(
      input_pipeline.image_shape(config.data.name), config.model.g_width,
      config.model.d_width, config.train.learning_rate, config.train.beta1,
      config.train.beta2)


# Jitted once per model: a fresh `jax.jit` per call would compile the
# initialisation again for every state created or restored (seconds each).
@functools.partial(jax.jit, static_argnums=0)
def _init_variables(model: flax.linen.Module, rng: jax.Array, dummy: jax.Array):
  return model.init(rng, dummy, train=False)


def create_train_states(config: ml_collections.ConfigDict,
                        rng: jax.Array) -> tuple[TrainState, TrainState]:
  """Fresh G and D states (Adam with the DCGAN's lr 2e-4, b1 0.5 by default)."""
  generator, discriminator, tx = _models_for(config)
  g_rng, d_rng = jax.random.split(rng)
  z = jnp.zeros((2, config.model.latent_dim))
  x = jnp.zeros((2, *input_pipeline.image_shape(config.data.name)))

  def create(model, rng, dummy):
    variables = _init_variables(model, rng, dummy)
    return TrainState.create(apply_fn=model.apply, params=variables['params'],
                             batch_stats=variables['batch_stats'], tx=tx)

  return create(generator, g_rng, z), create(discriminator, d_rng, x)


def with_optimizer(states: Sequence[TrainState],
                   learning_rates: Sequence[Optional[float]], beta1: float,
                   beta2: float, fresh_moments: bool,
                   warmup_steps: int = 0, decay_steps: int = 0,
                   decay_to: float = 1.0) -> tuple[TrainState, ...]:
  """`states` continued with Adam at `learning_rates` (None: as they are),
  reached after `warmup_steps` and lowered over `decay_steps` (see `adam`).

  `fresh_moments` restarts Adam's moments; otherwise they carry over, as
  Adam's state does not depend on its step size (a schedule's does: it counts
  its steps, so it needs fresh moments).
  """
  def continued(state, rate):
    if rate is not None:
      state = state.replace(tx=adam(rate, beta1, beta2, warmup_steps,
                                    decay_steps, decay_to))
    if fresh_moments:
      state = state.replace(opt_state=state.tx.init(state.params))
    return state

  return tuple(map(continued, states, learning_rates))


def variables(state: TrainState) -> tuple[Any, Any]:
  """The model's variables: its parameters and BatchNorm averages."""
  return state.params, state.batch_stats


def with_variables(state: TrainState, model_variables) -> TrainState:
  """`state` with `model_variables` (None: its own) as its variables."""
  if model_variables is None:
    return state
  params, batch_stats = model_variables
  return state.replace(params=params, batch_stats=batch_stats)


@jax.jit
def moving_average(average, model_variables, decay: float):
  """`decay * average + (1 - decay) * model_variables`, leaf by leaf."""
  return jax.tree.map(lambda a, v: decay * a + (1 - decay) * v, average,
                      model_variables)


def bce(logits: jax.Array, targets) -> jax.Array:
  """Mean sigmoid cross-entropy with (soft) targets in [0, 1]."""
  targets = jnp.broadcast_to(jnp.asarray(targets, logits.dtype), logits.shape)
  return optax.sigmoid_binary_cross_entropy(logits, targets).mean()


def apply_train(state: TrainState, params, batch_stats, inputs: jax.Array,
                axis_name: Optional[str]) -> tuple[jax.Array, Any]:
  """Applies a model in training mode; returns (outputs, new batch_stats)."""
  outputs, updates = state.apply_fn(
      {'params': params, 'batch_stats': batch_stats}, inputs, train=True,
      axis_name=axis_name, mutable=['batch_stats'])
  return outputs, updates.get('batch_stats', {})  # {}: a model without BN.


@jax.jit
def apply_eval(state: TrainState, inputs: jax.Array) -> jax.Array:
  """Applies a model in inference mode (BatchNorm running averages)."""
  return state.apply_fn({'params': state.params,
                         'batch_stats': state.batch_stats}, inputs, train=False)


# One BCE term of D's loss: (images, targets), targets a scalar or per image.
Term = tuple[jax.Array, Any]


def discriminator_loss(
    d_state: TrainState, params, calls: Sequence[Sequence[Term]],
    axis_name: Optional[str], running_average_terms: Sequence[Term] = (),
) -> tuple[jax.Array, tuple[Any, list[jax.Array]]]:
  """`sum_i BCE(D(images_i), targets_i)` over every term.

  The terms of each of `calls` share one D call in training mode (and its
  BatchNorm statistics); each of `running_average_terms` is a call with the
  running averages, as D scores at inference. Returns the loss, the new
  batch statistics and every term's logits, in that order.
  """
  stats, logits = d_state.batch_stats, []
  for call in calls:
    images = jnp.concatenate([images for images, _ in call])
    out, stats = apply_train(d_state, params, stats, images, axis_name)
    logits += jnp.split(out, np.cumsum([len(x) for x, _ in call[:-1]]))
  logits += [d_state.apply_fn({'params': params,
                               'batch_stats': d_state.batch_stats}, images,
                              train=False)
             for images, _ in running_average_terms]
  terms = [term for call in calls for term in call] + [*running_average_terms]
  loss = sum(bce(l, targets) for l, (_, targets) in zip(logits, terms))
  return loss, (stats, logits)


def discriminator_update(
    d_state: TrainState, calls: Sequence[Sequence[Term]],
    axis_name: Optional[str], running_average_terms: Sequence[Term] = (),
) -> tuple[TrainState, list[jax.Array]]:
  """One D update on `discriminator_loss`.

  Returns the new state and every term's logits (before the update).
  """
  grads, (stats, logits) = jax.grad(discriminator_loss, argnums=1,
                                    has_aux=True)(
      d_state, d_state.params, calls, axis_name, running_average_terms)
  grads = parallel.mean_over_devices(grads, axis_name)
  return d_state.apply_gradients(grads=grads, batch_stats=stats), logits


def gan_update(
    g_state: TrainState, d_state: TrainState,
    real_calls: Sequence[Sequence[Term]],
    latent_batches: Sequence[jax.Array], axis_name: Optional[str],
    extra_g_loss: Optional[Callable[[list[jax.Array]], jax.Array]] = None,
    update_d: bool = True, update_g: bool = True,
    running_average_latents: Sequence[jax.Array] = (),
    running_average_terms: Sequence[Term] = (),
) -> tuple[TrainState, TrainState, dict[str, Any]]:
  """A D update, then a G update cascaded on the updated D.

  D's real terms are `real_calls` and `running_average_terms`
  (`discriminator_loss`); its fake term is a call of its own. G runs once
  per latent batch (each its own BatchNorm call), then on each of
  `running_average_latents` as it samples at inference (BatchNorm's running
  averages, which those batches leave unchanged); the first
  generated batch is D's fake batch (target 0), and G's loss is
  `sum_i BCE(D'(G(z_i)), 1) [+ extra_g_loss(generated)]` under the updated
  D'. As in the PyTorch DCGAN, the same generated images serve both updates,
  so G's forward pass is computed once (`jax.vjp`). D runs in training mode
  on generated images inside G's loss and its statistics updates are dropped.

  Returns the new states and `{'real_logits': [...], 'fake_logits': ...,
  'g_loss': ...}`: logits of D's own update, the real ones in the order of
  `real_calls`' terms, then `running_average_terms`.
  """
  def generate(params):
    stats, images = g_state.batch_stats, []
    for z in latent_batches:
      image, stats = apply_train(g_state, params, stats, z, axis_name)
      images.append(image)
    images += [apply_eval(g_state.replace(params=params), z)
               for z in running_average_latents]
    return images, stats

  generated, backprop, g_stats = jax.vjp(generate, g_state.params,
                                         has_aux=True)
  fake = jax.lax.stop_gradient(generated[0])
  d_args = ([*real_calls, [(fake, 0.0)]], axis_name, running_average_terms)
  if update_d:
    d_state, logits = discriminator_update(d_state, *d_args)
  else:
    logits = discriminator_loss(d_state, d_state.params, *d_args)[1][1]
  # The fake term's logits come after the real calls' terms.
  num_real = sum(map(len, real_calls))
  logits = [*logits[:num_real], *logits[num_real + 1:], logits[num_real]]

  def g_loss_fn(images):
    loss = sum(bce(apply_train(d_state, d_state.params, d_state.batch_stats,
                               image, axis_name)[0], 1.0) for image in images)
    return loss + (extra_g_loss(images) if extra_g_loss else 0.0)

  g_loss, image_grads = jax.value_and_grad(g_loss_fn)(generated)
  if update_g:
    (grads,) = backprop(image_grads)
    g_state = g_state.apply_gradients(
        grads=parallel.mean_over_devices(grads, axis_name),
        batch_stats=g_stats)
  return g_state, d_state, {'real_logits': logits[:-1],
                            'fake_logits': logits[-1], 'g_loss': g_loss}


def latent_size(g_state: TrainState) -> int:
  """The generator's latent dimension, read off its first layer."""
  return g_state.params['Dense_0']['kernel'].shape[0]


def train_step(g_state: TrainState, d_state: TrainState,
               batch: dict[str, jax.Array], rng: jax.Array, *,
               axis_name: Optional[str] = None
               ) -> tuple[TrainState, TrainState, Metrics]:
  """One GAN step: a D update, then a G update against the updated D.

  Args:
    g_state, d_state: generator and discriminator states.
    batch: `{'real': images [b, H, W, C] in [-1, 1]}` (this device's share).
    rng: a PRNG key, the same on every device.
    axis_name: the pmap/shard_map axis to average gradients and BatchNorm
      statistics over, or None on one device.

  Returns:
    The new states and scalar metrics: `d_loss`, `g_loss` (under the updated
    D), `d_real` and `d_fake` (mean sigmoid scores) and `d_accuracy`.
  """
  real = batch['real']
  z = parallel.sample_latents(rng, real.shape[0], latent_size(g_state),
                              axis_name)
  g_state, d_state, out = gan_update(g_state, d_state, [[(real, 1.0)]],
                                     [z], axis_name)
  (real_logits,), fake_logits = out['real_logits'], out['fake_logits']
  metrics = {
      'd_loss': bce(real_logits, 1.0) + bce(fake_logits, 0.0),
      'g_loss': out['g_loss'],
      'd_real': jax.nn.sigmoid(real_logits).mean(),
      'd_fake': jax.nn.sigmoid(fake_logits).mean(),
      'd_accuracy': 0.5 * ((real_logits > 0).mean() + (fake_logits < 0).mean()),
  }
  return g_state, d_state, parallel.mean_over_devices(metrics, axis_name)

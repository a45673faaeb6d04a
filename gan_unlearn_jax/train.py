"""GAN training: train states, the pure GAN step, and the pmapped training loop.

The building blocks `discriminator_update` and `gan_update` are shared with
the cascaded unlearning step (`unlearn.py`): each takes a list of batches
and applies the model to every batch in a separate call, so that BatchNorm
statistics never mix real and generated images (when they mix, D separates the
two by batch statistics alone and training collapses).
"""

import functools
from typing import Any, Callable, Optional, Sequence

from absl import logging
import flax
from flax import jax_utils
from flax.training import train_state
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax

from gan_unlearn_jax import checkpoints
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import models
from gan_unlearn_jax import monitoring
from gan_unlearn_jax import parallel
from gan_unlearn_jax import rngs

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
def adam(learning_rate: float, beta1: float,
         beta2: float) -> optax.GradientTransformation:
  """One optax object per setting (see `_models_for`)."""
  return optax.adam(learning_rate, b1=beta1, b2=beta2)


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
                   beta2: float, fresh_moments: bool) -> tuple[TrainState, ...]:
  """`states` continued with Adam at `learning_rates` (None: as they are).

  `fresh_moments` restarts Adam's moments; otherwise they carry over, as
  Adam's state does not depend on its step size.
  """
  if fresh_moments:
    states = [state.replace(opt_state=state.tx.init(state.params))
              for state in states]
  return tuple(state if rate is None else state.replace(
      tx=adam(rate, beta1, beta2)) for state, rate in zip(states,
                                                          learning_rates))


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


def discriminator_update(
    d_state: TrainState, batches: Sequence[tuple[jax.Array, Any]],
    axis_name: Optional[str]) -> tuple[TrainState, list[jax.Array]]:
  """One D update on `sum_i BCE(D(images_i), targets_i)`, a D call per batch.

  Returns the new state and the logits of every batch (before the update).
  """
  def loss_fn(params):
    stats, loss, all_logits = d_state.batch_stats, 0.0, []
    for images, targets in batches:
      logits, stats = apply_train(d_state, params, stats, images, axis_name)
      loss += bce(logits, targets)
      all_logits.append(logits)
    return loss, (stats, all_logits)

  grads, (stats, all_logits) = jax.grad(loss_fn, has_aux=True)(d_state.params)
  grads = parallel.mean_over_devices(grads, axis_name)
  return d_state.apply_gradients(grads=grads, batch_stats=stats), all_logits


def gan_update(
    g_state: TrainState, d_state: TrainState,
    real_batches: Sequence[tuple[jax.Array, Any]],
    latent_batches: Sequence[jax.Array], axis_name: Optional[str],
    extra_g_loss: Optional[Callable[[list[jax.Array]], jax.Array]] = None,
    update_d: bool = True, update_g: bool = True,
    running_average_latents: Sequence[jax.Array] = (),
) -> tuple[TrainState, TrainState, dict[str, Any]]:
  """A D update, then a G update cascaded on the updated D.

  G runs once per latent batch (each its own BatchNorm call), then on each of
  `running_average_latents` as it samples at inference (BatchNorm's running
  averages, which those batches leave unchanged); the first
  generated batch is D's fake batch (target 0), and G's loss is
  `sum_i BCE(D'(G(z_i)), 1) [+ extra_g_loss(generated)]` under the updated
  D'. As in the PyTorch DCGAN, the same generated images serve both updates,
  so G's forward pass is computed once (`jax.vjp`). D runs in training mode
  on generated images inside G's loss and its statistics updates are dropped.

  Returns the new states and `{'real_logits': [...], 'fake_logits': ...,
  'g_loss': ...}` (logits of D's own update).
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
  if update_d:
    d_state, logits = discriminator_update(
        d_state, [*real_batches, (fake, 0.0)], axis_name)
  else:
    logits = [apply_train(d_state, d_state.params, d_state.batch_stats, x,
                          axis_name)[0] for x, _ in [*real_batches, (fake, 0)]]

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
  g_state, d_state, out = gan_update(g_state, d_state, [(real, 1.0)], [z],
                                     axis_name)
  (real_logits,), fake_logits = out['real_logits'], out['fake_logits']
  metrics = {
      'd_loss': bce(real_logits, 1.0) + bce(fake_logits, 0.0),
      'g_loss': out['g_loss'],
      'd_real': jax.nn.sigmoid(real_logits).mean(),
      'd_fake': jax.nn.sigmoid(fake_logits).mean(),
      'd_accuracy': 0.5 * ((real_logits > 0).mean() + (fake_logits < 0).mean()),
  }
  return g_state, d_state, parallel.mean_over_devices(metrics, axis_name)


# ----------------------------------------------------------------------------
# The data-parallel loop.


def epoch_batches(data_rng: jax.Array, epoch: jax.Array, example_ids: jax.Array,
                  global_batch: int) -> jax.Array:
  """The ids of an epoch's batches, `[steps_per_epoch, global_batch]`."""
  order = jax.random.permutation(jax.random.fold_in(data_rng, epoch),
                                 example_ids.shape[0])
  steps = example_ids.shape[0] // global_batch
  return example_ids[order[:steps * global_batch]].reshape(steps, global_batch)


_p_epoch_batches = jax.pmap(epoch_batches, static_broadcasted_argnums=3)


@functools.lru_cache  # One compiled step per shape in a process.
def make_pmapped_train_step(steps_per_epoch: int):
  """`train_step` over all local devices, gathering each batch on device.

  The returned function maps `(g_state, d_state, images, epoch_ids, rng)` with
  a leading device axis on every argument; `epoch_ids` is `epoch_batches(...)`
  and the step's row is taken from the state's step counter.
  """
  def step(g_state, d_state, images, epoch_ids, rng):
    ids = parallel.local_rows(epoch_ids[d_state.step % steps_per_epoch],
                              parallel.AXIS)
    return train_step(g_state, d_state, {'real': images[ids]},
                      jax.random.fold_in(rng, d_state.step),
                      axis_name=parallel.AXIS)

  return jax.pmap(step, axis_name=parallel.AXIS, donate_argnums=(0, 1))


def fit(config: ml_collections.ConfigDict, workdir: str, name: str,
        states: tuple[TrainState, TrainState], images: jax.Array,
        example_ids: np.ndarray, num_steps: int,
        ) -> tuple[TrainState, TrainState]:
  """Trains `states` for `num_steps` GAN steps on `images[example_ids]`.

  Saves to `checkpoints/<name>/` every `train.checkpoint_every` steps and at
  the end, and resumes from there when the run is restarted: the batches and
  latents of a step depend only on the seed and the step counter, so a resumed
  run ends with the same parameters as an uninterrupted one.
  """
  global_batch = config.train.batch_size
  steps_per_epoch = len(example_ids) // global_batch
  mngr = checkpoints.manager(workdir, name)
  start = int(states[1].step)
  restored = checkpoints.restore_latest(mngr, {'g': states[0], 'd': states[1]})
  if restored is not None:
    states = restored['g'], restored['d']
    logging.info('%s: resuming from step %d.', name, int(states[1].step))
  end = start + num_steps

  data_rng, step_rng, sample_rng = (
      rngs.key(config.seed, stream)
      for stream in ('data_order', 'gan_latents', 'sample_grid'))
  p_step = make_pmapped_train_step(steps_per_epoch)

  g_state, d_state = parallel.replicate(states)
  images, ids, step_rng = parallel.replicate(
      (images, jnp.asarray(example_ids, jnp.int32), step_rng))
  data_rngs = parallel.replicate(data_rng)
  fixed_latents = jax.random.normal(sample_rng, (64, config.model.latent_dim))

  writer = monitoring.MetricWriter(workdir, name)
  step = int(states[1].step)
  progress = monitoring.Progress(name, first_step=step, last_step=end)
  epoch_ids, epoch_of_ids = None, None
  while step < end:
    epoch = step // steps_per_epoch
    if epoch != epoch_of_ids:
      epoch_ids = _p_epoch_batches(data_rngs, d_state.step // steps_per_epoch,
                                  ids, global_batch)
      epoch_of_ids = epoch
    g_state, d_state, metrics = p_step(g_state, d_state, images, epoch_ids,
                                       step_rng)
    step += 1
    end_of_epoch = step % steps_per_epoch == 0
    if step % config.train.log_every == 0 or step == end or end_of_epoch:
      values = monitoring.check_finite(jax_utils.unreplicate(metrics), name,
                                       step)
      writer.write(step, values)
      progress.update(step, values, epoch=epoch + 1)
    if step % config.train.checkpoint_every == 0 or step == end:
      checkpoints.save(mngr, step, {'g': jax_utils.unreplicate(g_state),
                                    'd': jax_utils.unreplicate(d_state)})
    if end_of_epoch or step == end:
      monitoring.save_grid(
          apply_eval(jax_utils.unreplicate(g_state), fixed_latents),
          workdir, f'samples/{name.replace("/", "_")}_epoch{epoch + 1:03d}.png')
  g_state, d_state = jax_utils.unreplicate((g_state, d_state))
  if mngr.latest_step() != step:  # E.g. zero steps: still leave a checkpoint.
    checkpoints.save(mngr, step, {'g': g_state, 'd': d_state})
  writer.close()
  mngr.close()
  return g_state, d_state


def train_gan(config: ml_collections.ConfigDict, workdir: str, *,
              name: str = 'original', example_ids: Optional[np.ndarray] = None,
              images: Optional[jax.Array] = None,
              ) -> tuple[TrainState, TrainState]:
  """Trains a GAN from scratch for `train.epochs` on `example_ids` (default:
  the configured training set) and saves it to `checkpoints/<name>/`."""
  if images is None:
    images = input_pipeline.load_split(config.data, 'train').images
  if example_ids is None:
    example_ids = input_pipeline.train_subset(config.data, images.shape[0])
  states = create_train_states(config, rngs.key(config.seed, 'init'))
  steps = config.train.epochs * (len(example_ids) // config.train.batch_size)
  return fit(config, workdir, name, states, images, example_ids, steps)

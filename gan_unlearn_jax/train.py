"""GAN training: the pmapped loop over the pure GAN step (`gan.train_step`),
checkpointed and resumable."""

import functools
from typing import Optional, Sequence

from absl import logging
from flax import jax_utils
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from gan_unlearn_jax import checkpoints
from gan_unlearn_jax import gan
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import monitoring
from gan_unlearn_jax import parallel
from gan_unlearn_jax import rngs
from gan_unlearn_jax.gan import TrainState


# ----------------------------------------------------------------------------
# The data-parallel loop.


def epoch_batches(data_rng: jax.Array, epoch: jax.Array, example_ids: jax.Array,
                  global_batch: int) -> jax.Array:
  """The ids of an epoch's batches, `[steps_per_epoch, global_batch]`."""
  order = jax.random.permutation(jax.random.fold_in(data_rng, epoch),
                                 example_ids.shape[0])
  steps = example_ids.shape[0] // global_batch
  return example_ids[order[:steps * global_batch]].reshape(steps, global_batch)


@functools.lru_cache
def pmapped_epoch_batches(vmapped: bool):
  """`epoch_batches` over the local devices; `vmapped`: over a model axis of
  `data_rng` and `epoch` too."""
  fn = jax.vmap(epoch_batches, (0, 0, None, None)) if vmapped else epoch_batches
  return jax.pmap(fn, static_broadcasted_argnums=3)


@functools.lru_cache  # One compiled step per shape in a process.
def make_pmapped_train_step(steps_per_epoch: int, vmapped: bool = False):
  """`train_step` over all local devices, gathering each batch on device.

  The returned function maps `(g_state, d_state, images, epoch_ids, rng)` with
  a leading device axis on every argument; `epoch_ids` is `epoch_batches(...)`
  and the step's row is taken from the state's step counter. `vmapped`: the
  states, `epoch_ids` and `rng` have a model axis after the device axis, and
  the models train side by side on the shared `images`.
  """
  def step(g_state, d_state, images, epoch_ids, rng):
    ids = parallel.local_rows(epoch_ids[d_state.step % steps_per_epoch],
                              parallel.AXIS)
    return gan.train_step(g_state, d_state, {'real': images[ids]},
                          jax.random.fold_in(rng, d_state.step),
                          axis_name=parallel.AXIS)

  if vmapped:
    step = jax.vmap(step, in_axes=(0, 0, None, 0, 0))
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
  return fit_models(config, workdir, [name], [states], [config.seed], images,
                    example_ids, num_steps)[0]


def fit_models(config: ml_collections.ConfigDict, workdir: str,
               names: Sequence[str],
               states: Sequence[tuple[TrainState, TrainState]],
               seeds: Sequence[int], images: jax.Array,
               example_ids: np.ndarray, num_steps: int,
               ) -> list[tuple[TrainState, TrainState]]:
  """`fit` of each model k (`states[k]`, seed `seeds[k]`, checkpoint
  `names[k]`), as one program: more than one model train side by side,
  vmapped over a model axis. From the same states each takes the steps it
  would take alone, within float rounding; over a whole run GAN training
  amplifies the rounding, so a vmapped model is another draw, not the same
  digits. The models resume together from their latest common step.
  """
  global_batch = config.train.batch_size
  steps_per_epoch = len(example_ids) // global_batch
  vmapped = len(names) > 1
  stack = lambda trees: (jax.tree.map(lambda *x: jnp.stack(x), *trees)
                         if vmapped else trees[0])
  unstack = lambda tree: ([jax.tree.map(lambda x: x[k], tree)
                           for k in range(len(names))] if vmapped else [tree])
  mngrs = [checkpoints.manager(workdir, name) for name in names]
  start = int(states[0][1].step)
  common = min((mngr.latest_step() or start for mngr in mngrs), default=start)
  if common > start:
    states = [checkpoints.restore(mngr, common, {'g': g, 'd': d})
              for mngr, (g, d) in zip(mngrs, states)]
    states = [(restored['g'], restored['d']) for restored in states]
    logging.info('%s: resuming from step %d.', ', '.join(names), common)
  end = start + num_steps

  data_rng, step_rng, sample_rng = (
      stack([rngs.key(seed, stream) for seed in seeds])
      for stream in ('data_order', 'gan_latents', 'sample_grid'))
  p_step = make_pmapped_train_step(steps_per_epoch, vmapped)
  p_epoch_batches = pmapped_epoch_batches(vmapped)

  g_state, d_state = parallel.replicate(stack(states))
  images, ids, step_rng, data_rngs = parallel.replicate(
      (images, jnp.asarray(example_ids, jnp.int32), step_rng, data_rng))
  fixed_latents = [jax.random.normal(rng, (64, config.model.latent_dim))
                   for rng in unstack(sample_rng)]

  writers = [monitoring.MetricWriter(workdir, name) for name in names]
  step = max(common, start)
  progress = monitoring.Progress(
      ' + '.join(names), first_step=step, last_step=end)
  # A sample grid at the end of an epoch, at most one per `log_every` steps.
  epochs_per_grid = -(-config.train.log_every // steps_per_epoch)
  epoch_ids, epoch_of_ids = None, None

  def save():
    models = unstack(jax_utils.unreplicate((g_state, d_state)))
    for mngr, model in zip(mngrs, models):
      checkpoints.save(mngr, step, dict(zip('gd', model)))

  while step < end:
    epoch = step // steps_per_epoch
    if epoch != epoch_of_ids:
      epoch_ids = p_epoch_batches(data_rngs, d_state.step // steps_per_epoch,
                                  ids, global_batch)
      epoch_of_ids = epoch
    g_state, d_state, metrics = p_step(g_state, d_state, images, epoch_ids,
                                       step_rng)
    step += 1
    grid_now = step == end or (step % steps_per_epoch == 0 and
                               (epoch + 1) % epochs_per_grid == 0)
    if step % config.train.log_every == 0 or grid_now:
      values = [monitoring.check_finite(model_metrics, name, step)
                for name, model_metrics in zip(
                    names, unstack(jax_utils.unreplicate(metrics)))]
      for writer, model_values in zip(writers, values):
        writer.write(step, model_values)
      progress.update(step, {k: np.mean([v[k] for v in values])
                             for k in values[0]}, epoch=epoch + 1)
    if step % config.train.checkpoint_every == 0 or step == end:
      save()
    if grid_now:
      for name, g, latents in zip(names, unstack(jax_utils.unreplicate(
          g_state)), fixed_latents):
        monitoring.save_grid(
            gan.apply_eval(g, latents), workdir,
            f'samples/{name.replace("/", "_")}_epoch{epoch + 1:03d}.png')
  if any(mngr.latest_step() != step for mngr in mngrs):
    save()  # E.g. zero steps: still leave a checkpoint.
  for writer, mngr in zip(writers, mngrs):
    writer.close()
    mngr.close()
  return unstack(jax_utils.unreplicate((g_state, d_state)))


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
  states = gan.create_train_states(config, rngs.key(config.seed, 'init'))
  steps = config.train.epochs * (len(example_ids) // config.train.batch_size)
  return fit(config, workdir, name, states, images, example_ids, steps)

"""Cascaded unlearning: the pure step and the data-parallel loop.

The step (`cascaded_unlearning_step`) is a pure function of the two train
states and a batch; the loop (`unlearn_request`) runs it pmapped over the
request's precomputed arrays (`precomputation.py`) until the stop rule
(`stop_rule.py`) holds (docs/method.md, "The loop and the stop rule").
"""

import dataclasses
import functools
import time
from typing import Any, Callable, Optional, Union

from absl import logging
from flax import jax_utils
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from gan_unlearn_jax import fake_labels
from gan_unlearn_jax import gan
from gan_unlearn_jax import metrics
from gan_unlearn_jax import monitoring
from gan_unlearn_jax import parallel
from gan_unlearn_jax import precomputation
from gan_unlearn_jax import requests
from gan_unlearn_jax import rngs
from gan_unlearn_jax import sampling
from gan_unlearn_jax import stop_rule
from gan_unlearn_jax.gan import TrainState

Pool = precomputation.SubstitutionPool


def cascaded_unlearning_step(
    g_state: TrainState, d_state: TrainState, batch: dict[str, jax.Array],
    rng: jax.Array, *, lambda_sub: float, axis_name: Optional[str] = None,
    update_d: bool = True, update_g: bool = True, forget_term: bool = True,
    sub_batch_norm: str = 'batch', forget_batch_norm: str = 'separate',
) -> tuple[TrainState, TrainState, dict[str, jax.Array]]:
  """One cascaded unlearning step: D unlearns and learns, then G learns on D'.

    L_D = BCE(D(x_f), y_f) + BCE(D(x_r), 1) + BCE(D(G(z)), 0)
          [+ BCE(D(x_h), y_h)]
    L_G = BCE(D'(G(z)), 1) + BCE(D'(G(z_s)), 1)
          + lambda_sub * mean((G(z_s) - t_s)^2)

  D sees the generated batch in a call of its own, so BatchNorm statistics
  never mix real and generated images; `forget_batch_norm` chooses the
  forget term's context.

  Args:
    g_state, d_state: generator and discriminator states.
    batch: this device's share of `forget_images [b_f, H, W, C]`,
      `fake_targets [b_f]`, `remain_images [b_r, H, W, C]`,
      `sub_latents [b_s, latent]` and `sub_targets [b_s, H, W, C]`; with
      the `matched` fake label also `nonmember_images [b_h, H, W, C]` and
      `nonmember_targets [b_h]`, a term that holds held-out images at D0's
      scores (in the forget term's context).
    rng: PRNG key for the latents `z [b_r, latent]`, the same on every device.
    lambda_sub: weight of the substitution loss (a per-pixel mean).
    axis_name: the axis to average gradients and BatchNorm statistics over
      under `jax.pmap` / `jax.shard_map`; None on one device.
    update_d, update_g: which models to update (the `staged` cascade runs
      D-only and G-only steps).
    forget_term: False drops D's forget (and held-out) terms: D learns
      remaining against generated images, as in training
      (`unlearn.d_in_band = 'learn'`).
    sub_batch_norm: how G normalises the substitution batch: `batch`, with
      its own statistics (which enter the running averages); `running`, with
      the running averages, as G samples at inference (they stay as the
      random batch leaves them).
    forget_batch_norm: how D normalises the forget batch: `separate`, in a
      call of its own (its own statistics); `with_remaining`, in one call
      with the remaining batch (per-image targets); `running`, with the
      running averages, as D is attacked and as the stop rule reads it.

  Returns:
    The new states and scalar metrics `d_loss`, `g_loss`, `d_forget` (with
    the forget term), `d_remain` and `d_fake` (mean sigmoid scores).
  """
  remain = batch['remain_images']
  z = parallel.sample_latents(rng, remain.shape[0],
                              gan.latent_size(g_state), axis_name)
  sub_loss = lambda images: jnp.mean((images[1] - batch['sub_targets'])**2)
  batch_statistics_latents, running_average_latents = {
      'batch': ([z, batch['sub_latents']], []),
      'running': ([z], [batch['sub_latents']])}[sub_batch_norm]
  forget = (batch['forget_images'], batch['fake_targets'])
  real_calls, running_average_terms = {
      'separate': ([[forget], [(remain, 1.0)]], []),
      'with_remaining': ([[forget, (remain, 1.0)]], []),
      'running': ([[(remain, 1.0)]], [forget]),
      None: ([[(remain, 1.0)]], []),
  }[forget_batch_norm if forget_term else None]
  held = None  # Held-out images at D0's scores, in the forget term's context.
  if forget_term and 'nonmember_images' in batch:
    held = (batch['nonmember_images'], batch['nonmember_targets'])
    if forget_batch_norm == 'running':
      running_average_terms = [*running_average_terms, held]
    else:
      real_calls = [*real_calls, [held]]
  g_state, d_state, out = gan.gan_update(
      g_state, d_state, real_calls, batch_statistics_latents, axis_name,
      extra_g_loss=lambda images: lambda_sub * sub_loss(images),
      update_d=update_d, update_g=update_g,
      running_average_latents=running_average_latents,
      running_average_terms=running_average_terms)
  logits = out['real_logits']  # In the order of the terms: forget first.
  if forget_term and forget_batch_norm == 'running':
    logits = [logits[1], logits[0], *logits[2:]]
  targets = [*([forget[1]] if forget_term else []), 1.0,
             *([held[1]] if held else [])]
  scalars = {
      'd_loss': (sum(gan.bce(l, t) for l, t in zip(logits, targets)) +
                 gan.bce(out['fake_logits'], 0.0)),
      'g_loss': out['g_loss'],
      'd_remain': jax.nn.sigmoid(logits[int(forget_term)]).mean(),
      'd_fake': jax.nn.sigmoid(out['fake_logits']).mean(),
  }
  if forget_term:
    scalars['d_forget'] = jax.nn.sigmoid(logits[0]).mean()
  if axis_name is not None:
    scalars = jax.lax.pmean(scalars, axis_name)
  return g_state, d_state, scalars


# ----------------------------------------------------------------------------
# The data-parallel loop.


# Cached by the static arguments, so that later requests of the same shape in
# this process reuse the compiled step ("warm" unlearning).
@functools.lru_cache
def make_pmapped_unlearning_step(
    lambda_sub: float, batch_size: int, steps_per_pass: int,
    update_d: bool = True, update_g: bool = True, forget_term: bool = True,
    sub_batch_norm: str = 'batch',
    forget_batch_norm: str = 'separate', matched_fake_label: bool = False,
    sub_batch_size: Optional[int] = None):
  """`cascaded_unlearning_step` over all local devices, on batches gathered
  on device from the replicated arrays (`precomputation.step_batch`).

  The returned function maps `(g_state, d_state, arrays, rng, counter)` with a
  leading device axis on each; `arrays` holds `train_images` and the
  `Precomputed` fields, `counter` counts the steps taken. With
  `matched_fake_label`, a random batch of `nonmember_images` is held at its
  `nonmember_targets`, and the forget batch's targets are
  `matched_fake_targets` against those.
  """
  with_nonmembers = matched_fake_label and forget_term

  def step(g_state, d_state, arrays, rng, counter):
    batch, z_rng = precomputation.step_batch(
        arrays, rng, counter, batch_size, steps_per_pass, sub_batch_size,
        with_nonmembers, parallel.AXIS)
    if with_nonmembers:
      batch['fake_targets'] = fake_labels.matched_fake_targets(
          d_state, batch['forget_images'], batch['nonmember_targets'],
          forget_batch_norm, parallel.AXIS)
    g_state, d_state, scalars = cascaded_unlearning_step(
        g_state, d_state, batch, z_rng, lambda_sub=lambda_sub,
        axis_name=parallel.AXIS, update_d=update_d, update_g=update_g,
        forget_term=forget_term, sub_batch_norm=sub_batch_norm,
        forget_batch_norm=forget_batch_norm)
    return g_state, d_state, counter + 1, scalars

  return jax.pmap(step, axis_name=parallel.AXIS, donate_argnums=(0, 1))


def unlearning_optimizer(config: ml_collections.ConfigDict,
                         states: tuple[TrainState, TrainState]
                         ) -> tuple[TrainState, TrainState]:
  """`states` with the optimizer that unlearning (and the fine-tuning baseline,
  for a like comparison) continues them with: new Adam moments when
  `unlearn.fresh_optimizer`, step size `unlearn.learning_rate` when set
  (D's: `unlearn.d_learning_rate`), reached after `unlearn.warmup_steps` and
  lowered over `unlearn.decay_steps`."""
  cfg = config.unlearn
  # The original's Adam moments fit the end of its training; against the new
  # loss its small second moments can make the first steps large.
  return gan.with_optimizer(
      states, (cfg.learning_rate, cfg.d_learning_rate or cfg.learning_rate),
      config.train.beta1, config.train.beta2, cfg.fresh_optimizer,
      cfg.warmup_steps, cfg.decay_steps, cfg.decay_to)


def unlearn_request(config: ml_collections.ConfigDict,
                    request: requests.ForgetRequest,
                    original: tuple[TrainState, TrainState], c_state,
                    train_images: jax.Array, train_ids: np.ndarray,
                    probe_images: jax.Array,
                    pool: Union[Pool, Callable[[], Pool], None] = None,
                    writer: Optional[monitoring.MetricWriter] = None,
                    other_probe_images: Optional[jax.Array] = None,
                    ) -> tuple[tuple[TrainState, TrainState], dict[str, Any]]:
  """Unlearns `request` from the original G and D; writes no files.

  `train_images [N, H, W, C]` are indexed by `train_ids` (an epoch of the
  original's training); `probe_images` are holdout images of the forget
  set's kind (the probe half) for the stop rule and the `heldout` fake
  label. `pool`: this original's `substitution_pool`, or a function that
  returns it (called only when a step is needed); computed here when None.
  `writer` receives the metrics for TensorBoard. `other_probe_images`: the
  probe half's images of the other classes (for an item request, all),
  which set a class request's target with `unlearn.class_rate_stop_probe`
  and are the real images of `unlearn.fcd_stop_ratio`.

  With `unlearn.stop = 'heldout_match'` the loop stops in the stop rule's
  band (after a step: `unlearn.checks_in_a_row` checks in a row), or after
  `unlearn.epochs`; an AUC below the band is an overshoot, and the request
  then ends in the state closest to the band checked before it. While the
  last check found D's AUC in the band, `unlearn.d_in_band` chooses D's
  steps: as before it, none (`freeze`) or without the forget term (`learn`).
  With `unlearn.g_average` the G checked and returned is the moving average
  of G's variables over the steps (D is the last step's).

  Returns the unlearned states and the record: `steps` (calls of the step
  that led to the returned states), `steps_run` (all calls, rolled-back ones
  included), `d_updates` and `g_updates` (the `staged` cascade updates one
  model a call), `no_step_needed`, `in_band`, `overshoot`, `stop_auc` with
  its bootstrap `stop_auc_ci95`, the returned state's stop-rule status,
  `precompute_s`, `loop_s` and `precomputed` (None without a step).
  """
  cfg = config.unlearn
  start = time.perf_counter()
  g_state, d_state = original
  forget_images = sampling.rows(train_images, request.forget_ids)
  check_latents = stop_rule.check_latents(config, request)
  class_rate_stop = stop_rule.class_rate_target(config, request, c_state,
                                                other_probe_images)
  quality = stop_rule.quality_guard(config, request, g_state, c_state,
                                    check_latents, other_probe_images)
  steps_per_pass = -(-len(request.forget_ids) // cfg.batch_size)
  # (update_d, update_g, forget_term) of each call in a pass over the forget
  # set, and of every call while D's AUC is in the band.
  kinds = {'interleaved': [(True, True, True)],
           'staged': [(True, False, True), (False, True, True)]}[cfg.cascade]
  schedule = [update for update in kinds for _ in range(steps_per_pass)]
  in_band_kind = {'unlearn': None, 'freeze': (False, True, True),
                  'learn': (True, True, False)}[cfg.d_in_band]
  max_calls = cfg.epochs * len(schedule)
  name = f'unlearned/{request.name}'
  write = writer.write if writer else lambda step, values: None
  progress = monitoring.Progress(name, 0, max_calls)
  by_rule = cfg.stop == 'heldout_match'

  def check(calls, g_state, d_state, values):
    in_band, status, scores = stop_rule.check(
        config, request, g_state, d_state, c_state, forget_images,
        probe_images, check_latents, class_rate_stop, quality)
    measured = {k: v for k, v in status.items()
                if k == 'forget_auc' or k.endswith(('_rate', '_ratio'))}
    write(calls, measured)
    progress.update(calls, {**values, **measured})
    return in_band, stop_rule.Kept(calls, None, status, scores)

  calls, in_band, in_row, overshoot, kept = 0, False, 0, False, None
  precomputed, precompute_s, d_held = None, 0.0, False
  if by_rule:
    # Checked before anything else: a forget set that the original already
    # cannot tell from held-out data needs no unlearning, nor precomputation.
    in_band, kept = check(0, g_state, d_state, {})
    best = kept
    d_held = in_band_kind and stop_rule.d_in_band(kept.status)
  if not in_band and max_calls:
    precompute_start = time.perf_counter()
    precomputed = jax.block_until_ready(precomputation.precompute(
        config, request, g_state, d_state, c_state, train_images, train_ids,
        probe_images, pool() if callable(pool) else pool))
    precompute_s = time.perf_counter() - precompute_start
    logging.info('%s: %d forget images, %d substitution latents, fake label '
                 '%s (mean %.3f), %d devices.', name, len(request.forget_ids),
                 precomputed.sub_latents.shape[0], cfg.fake_label,
                 np.mean(precomputed.fake_targets), jax.local_device_count())
    g_state, d_state = unlearning_optimizer(config, (g_state, d_state))
    steps = {kind: make_pmapped_unlearning_step(
        cfg.lambda_sub, cfg.batch_size, steps_per_pass, *kind,
        sub_batch_norm=config.substitution.batch_norm,
        forget_batch_norm=cfg.forget_batch_norm,
        matched_fake_label=cfg.fake_label == 'matched',
        sub_batch_size=config.substitution.batch_size)
             for kind in {*schedule, in_band_kind} - {None}}
    g_state, d_state, arrays, rng, counter = parallel.replicate((
        g_state, d_state,
        {'train_images': train_images, **dataclasses.asdict(precomputed)},
        rngs.key(config.seed, 'unlearning'), jnp.zeros((), jnp.int32)))
    # A copy: the step donates (deletes) the live G's buffers.
    average = (jax.tree.map(jnp.copy, gan.variables(g_state))
               if cfg.g_average else None)
    while not in_band and not overshoot and calls < max_calls:
      update = in_band_kind if d_held else schedule[calls % len(schedule)]
      g_state, d_state, counter, scalars = steps[update](
          g_state, d_state, arrays, rng, counter)
      calls += 1
      if cfg.g_average:
        average = gan.moving_average(average, gan.variables(g_state),
                                     cfg.g_average)
      if calls % cfg.check_every == 0 or calls == max_calls:
        values = monitoring.check_finite(jax_utils.unreplicate(scalars), name,
                                         calls)
        write(calls, values)
        if not by_rule:
          progress.update(calls, values)
          continue
        states = jax_utils.unreplicate(
            (gan.with_variables(g_state, average), d_state))
        now_in_band, now = check(calls, *states, values)
        in_row = in_row + 1 if now_in_band else 0
        in_band = in_row >= cfg.checks_in_a_row
        overshoot = now.status['forget_auc'] < now.status['forget_auc_band'][0]
        d_held = in_band_kind and stop_rule.d_in_band(now.status)
        if not overshoot and now.distance <= best.distance:
          now.states = jax.device_get(states)  # Kept beyond the donation.
          best = now
    g_state, d_state = jax_utils.unreplicate(
        (gan.with_variables(g_state, average), d_state))
  if by_rule and overshoot:  # Rolled back to the best state before it.
    kept = best
    g_state, d_state = (original if kept.states is None else
                        jax.tree.map(jnp.asarray, kept.states))
  elif by_rule and calls:
    kept = now
  elif not by_rule:  # All epochs run: the last state's probe AUC, recorded.
    in_band, kept = check(calls, g_state, d_state, {})
  jax.block_until_ready(d_state.params)
  updates = lambda new, old: int(new.step) - int(old.step)
  record = {'steps': kept.calls, 'steps_run': calls,
            'd_updates': updates(d_state, original[1]),
            'g_updates': updates(g_state, original[0]),
            'no_step_needed': bool(in_band and not calls),
            'in_band': bool(in_band), 'overshoot': bool(overshoot),
            'precompute_s': precompute_s,
            'loop_s': time.perf_counter() - start - precompute_s,
            'precomputed': precomputed.summary() if precomputed else None}
  record.update(kept.status, stop_auc=kept.status['forget_auc'],
                stop_auc_ci95=list(metrics.bootstrap_interval(
                    *kept.scores, num_resamples=200)))
  return (g_state, d_state), record

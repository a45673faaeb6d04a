"""Cascaded unlearning (METHOD.md): precomputation, the step, and the loop.

Everything request-specific lives in plain arrays computed once on the host
(`precompute`), so one compiled step serves every request of the same shape:

  forget_images [n_f, H, W, C]   the images to forget
  fake_targets  [n_f]            D's target for each (the fake label)
  remain_index  [n_r]            ids of the remaining training images
  sub_latents   [n_s, latent]    latents where G0 produces forgotten content
                                 (and, optionally, anchors of retained content)
  sub_targets   [n_s, H, W, C]   the substitute each of them should produce
                                 (an anchor's is its own G0 image)
"""

import dataclasses
import functools
import os
import time
from typing import Any, Callable, Optional, Union

from absl import logging
from flax import jax_utils
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax

from gan_unlearn_jax import canaries
from gan_unlearn_jax import checkpoints
from gan_unlearn_jax import classifier
from gan_unlearn_jax import evaluate
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import monitoring
from gan_unlearn_jax import requests
from gan_unlearn_jax import train
from gan_unlearn_jax import validation
from gan_unlearn_jax.errors import UserError
from gan_unlearn_jax.train import TrainState

FAKE_LABEL_MODES = validation.FAKE_LABEL_MODES


@dataclasses.dataclass(frozen=True)
class Precomputed:
  """The request-specific arrays of the cascaded step (shapes above)."""
  forget_images: jax.Array
  fake_targets: jax.Array
  remain_index: jax.Array
  sub_latents: jax.Array
  sub_targets: jax.Array

  def summary(self) -> dict[str, Any]:
    return {name: {'shape': list(value.shape),
                   'mean': float(np.mean(np.asarray(value, np.float32)))}
            for name, value in dataclasses.asdict(self).items()}


def cascaded_unlearning_step(
    g_state: TrainState, d_state: TrainState, batch: dict[str, jax.Array],
    rng: jax.Array, *, lambda_sub: float, axis_name: Optional[str] = None,
    update_d: bool = True, update_g: bool = True,
    sub_batch_norm: str = 'batch',
) -> tuple[TrainState, TrainState, dict[str, jax.Array]]:
  """One cascaded unlearning step: D unlearns and learns, then G learns on D'.

    L_D = BCE(D(x_f), y_f) + BCE(D(x_r), 1) + BCE(D(G(z)), 0)
    L_G = BCE(D'(G(z)), 1) + BCE(D'(G(z_s)), 1)
          + lambda_sub * mean((G(z_s) - t_s)^2)

  D sees the forget, remaining and generated batches in separate calls, so
  BatchNorm statistics never mix real and generated images.

  Args:
    g_state, d_state: generator and discriminator states.
    batch: this device's share of `forget_images [b_f, H, W, C]`,
      `fake_targets [b_f]`, `remain_images [b_r, H, W, C]`,
      `sub_latents [b_s, latent]` and `sub_targets [b_s, H, W, C]`.
    rng: PRNG key for the latents `z [b_r, latent]`, the same on every device.
    lambda_sub: weight of the substitution loss (a per-pixel mean).
    axis_name: the axis to average gradients and BatchNorm statistics over
      under `jax.pmap` / `jax.shard_map`; None on one device.
    update_d, update_g: which models to update (the `staged` cascade runs
      D-only and G-only steps).
    sub_batch_norm: how G normalises the substitution batch: `batch`, with
      its own statistics (which enter the running averages); `running`, with
      the running averages, as G samples at inference (they stay as the
      random batch leaves them).

  Returns:
    The new states and scalar metrics `d_loss`, `g_loss`, `d_forget`,
    `d_remain` and `d_fake` (mean sigmoid scores).
  """
  remain = batch['remain_images']
  z = train.sample_latents(rng, remain.shape[0], train.latent_size(g_state),
                           axis_name)
  sub_loss = lambda images: jnp.mean((images[1] - batch['sub_targets'])**2)
  batch_statistics_latents, running_average_latents = {
      'batch': ([z, batch['sub_latents']], []),
      'running': ([z], [batch['sub_latents']])}[sub_batch_norm]
  g_state, d_state, out = train.gan_update(
      g_state, d_state,
      [(batch['forget_images'], batch['fake_targets']), (remain, 1.0)],
      batch_statistics_latents, axis_name,
      extra_g_loss=lambda images: lambda_sub * sub_loss(images),
      update_d=update_d, update_g=update_g,
      running_average_latents=running_average_latents)
  forget_logits, remain_logits = out['real_logits']
  metrics = {
      'd_loss': (train.bce(forget_logits, batch['fake_targets']) +
                 train.bce(remain_logits, 1.0) +
                 train.bce(out['fake_logits'], 0.0)),
      'g_loss': out['g_loss'],
      'd_forget': jax.nn.sigmoid(forget_logits).mean(),
      'd_remain': jax.nn.sigmoid(remain_logits).mean(),
      'd_fake': jax.nn.sigmoid(out['fake_logits']).mean(),
  }
  if axis_name is not None:
    metrics = jax.lax.pmean(metrics, axis_name)
  return g_state, d_state, metrics


# ----------------------------------------------------------------------------
# Precomputation.


@jax.jit
def _rows(array: jax.Array, ids: jax.Array) -> jax.Array:
  """`array[ids]`, compiled once per shape: eager indexing compiles several
  small programs, each costing a cold request tenths of a second."""
  return array[ids]


@jax.jit
def _scores(d_state: TrainState, images: jax.Array) -> jax.Array:
  return jax.nn.sigmoid(train.apply_eval(d_state, images))


def generate(g_state: TrainState, latents: jax.Array) -> jax.Array:
  """G in inference mode: `latents [n, latent] -> images [n, H, W, C]`."""
  return classifier.batched(functools.partial(train.apply_eval, g_state),
                            latents)


def discriminator_scores(d_state: TrainState, images: jax.Array) -> jax.Array:
  """`sigmoid(D(x))` in inference mode, `[n]`."""
  return classifier.batched(functools.partial(_scores, d_state), images)


@jax.jit
def _nearest(queries: jax.Array, keys: jax.Array,
             allowed: Optional[jax.Array] = None) -> jax.Array:
  """Index of the nearest (L2) allowed key for each query, `[n_queries]`."""
  distances = evaluate.squared_distances(queries, keys)
  if allowed is not None:
    distances = jnp.where(allowed[None, :], distances, jnp.inf)
  return jnp.argmin(distances, axis=1)


@functools.partial(jax.jit, static_argnames=('steps',))
def invert(g_state: TrainState, latents: jax.Array, images: jax.Array,
           steps: int, learning_rate: float) -> jax.Array:
  """Refines latents by Adam on `||G(z) - x||^2` (GAN inversion)."""
  tx = optax.adam(learning_rate)
  loss = lambda z: jnp.sum((train.apply_eval(g_state, z) - images)**2)

  def body(carry, _):
    z, opt_state = carry
    updates, opt_state = tx.update(jax.grad(loss)(z), opt_state)
    return (optax.apply_updates(z, updates), opt_state), None

  (latents, _), _ = jax.lax.scan(body, (latents, tx.init(latents)), None,
                                 length=steps)
  return latents


def probe_split(test_split: input_pipeline.Split, seed: int = 0):
  """(probe ids, evaluation ids): a fixed half of the test split each.

  The stop rule and the `heldout` fake label only ever see the probe half; the
  final evaluation only the other half.
  """
  order = np.random.default_rng(seed).permutation(len(test_split))
  half = len(order) // 2
  return np.sort(order[:half]), np.sort(order[half:])


def heldout_images(test_split, ids: np.ndarray,
                   request: requests.ForgetRequest) -> jax.Array:
  """The test images among `ids` of the same kind as the forget set: the
  request's class for a class request, marked for canaries."""
  if request.kind == 'class':
    ids = ids[np.asarray(test_split.labels)[ids] == request.forget_class]
  images = _rows(test_split.images, ids)
  return jnp.asarray(canaries.mark(images)) if request.canaries else images


def probe_images(test_split, request: requests.ForgetRequest) -> jax.Array:
  """Held-out images of the same kind as the forget set (probe half)."""
  return heldout_images(test_split, probe_split(test_split)[0], request)


@jax.jit
def _batch_scores(d_state: TrainState, images: jax.Array) -> jax.Array:
  logits, _ = train.apply_train(d_state, d_state.params, d_state.batch_stats,
                                images, None)
  return jax.nn.sigmoid(logits)


def batch_scores(d_state: TrainState, images: jax.Array,
                 batch_size: int) -> jax.Array:
  """`sigmoid(D(x))` in training mode, each batch with its own statistics,
  as the cascaded step scores a batch of forget images."""
  return classifier.batched(functools.partial(_batch_scores, d_state), images,
                            batch_size)


def fake_label_targets(mode: str, num_forget: int, g_state: TrainState,
                       d_state: TrainState, sub_latents: jax.Array,
                       heldout_images: jax.Array, num_samples: int,
                       batch_size: int, rng: jax.Array) -> jax.Array:
  """The fake label `[num_forget]`: D's target for each forget image.

  D0's scores are taken as the step takes them (training mode, batches of
  the global `batch_size` with their own BatchNorm statistics: the step
  averages them over devices), so that the label is on the scale D is
  trained at. Inference-mode scores differ: BatchNorm's running
  averages mix real and generated batches (on the default MNIST GAN, D0 scores
  generated images 0.69 in inference mode and 0.29 in training mode).
  """
  scores = lambda images: batch_scores(d_state, images, batch_size)
  if mode == 'generated':
    latents = jax.random.normal(rng, (num_samples, sub_latents.shape[1]))
    level = scores(generate(g_state, latents)).mean()
  elif mode == 'substitute':
    substitute = scores(generate(g_state, sub_latents))
    return substitute[jnp.arange(num_forget) % substitute.shape[0]]
  elif mode == 'heldout':
    level = scores(heldout_images).mean()
  elif mode == 'zero':
    level = 0.0
  else:
    raise ValueError(f'unknown fake label mode {mode!r}')
  return jnp.asarray(np.full((num_forget,), float(level), np.float32))


def _pool_and_fake_label_rngs(seed: int) -> jax.Array:
  return jax.random.split(jax.random.fold_in(jax.random.key(seed), 7))


@dataclasses.dataclass(frozen=True)
class SubstitutionPool:
  """Random latents `[pool_size, latent]`, G0's images of them and `C`'s
  features of those: the substitution candidates. They do not depend on the
  request, so one pool serves every request to the same original model."""
  latents: jax.Array
  images: jax.Array
  features: jax.Array


def substitution_pool(config: ml_collections.ConfigDict, g_state: TrainState,
                      c_state) -> SubstitutionPool:
  latents = jax.random.normal(_pool_and_fake_label_rngs(config.seed)[0], (
      config.substitution.pool_size, config.model.latent_dim))
  images = generate(g_state, latents)
  return SubstitutionPool(latents, images, classifier.features(c_state, images))


def precompute(config: ml_collections.ConfigDict,
               request: requests.ForgetRequest, g_state: TrainState,
               d_state: TrainState, c_state, train_images: jax.Array,
               train_ids: np.ndarray, heldout_images: jax.Array,
               pool: Optional[SubstitutionPool] = None) -> Precomputed:
  """All request-specific arrays of METHOD.md, from G0, D0 and `C`.

  `train_images [N, H, W, C]` float32 in [-1, 1] are indexed by the request's
  ids; `train_ids` are the ids an epoch of the original's training walks
  through (canaries repeated); `heldout_images` are the probe images for the
  `heldout` fake label.
  Returns `forget_images [n_f, H, W, C]`, `fake_targets [n_f]` float32,
  `remain_index [n_r]` int32, `sub_latents [n_s, latent]` and
  `sub_targets [n_s, H, W, C]` (n_s = n_f for items,
  `substitution.num_class_latents` for a class, plus
  `substitution.num_anchor_latents` in either case). `pool`: this original's
  `substitution_pool`, computed here when not given.
  """
  sub = config.substitution
  forget_images = _rows(train_images, request.forget_ids)
  pool = pool or substitution_pool(config, g_state, c_state)
  pool_latents, pool_images, pool_features = (pool.latents, pool.images,
                                              pool.features)

  if request.kind == 'item':
    if sub.distance == 'classifier':
      chosen = _nearest(classifier.features(c_state, forget_images),
                        pool_features)
    else:
      flat = lambda x: x.reshape(x.shape[0], -1)
      chosen = _nearest(flat(forget_images), flat(pool_images))
    sub_latents = _rows(pool_latents, chosen)
    if sub.invert_steps:
      sub_latents = invert(g_state, sub_latents, forget_images,
                           sub.invert_steps, sub.invert_learning_rate)
    allowed = np.ones(sub.pool_size, bool)
    allowed[np.asarray(chosen)] = False
    if request.canaries:  # Substitutes must not show the mark.
      allowed &= ~np.asarray(canaries.has_mark(pool_images))
  else:
    classes = np.argmax(classifier.predict_logits(c_state, pool_images), -1)
    is_class = classes == request.forget_class
    chosen = np.flatnonzero(is_class)
    if len(chosen) == 0:
      raise UserError(
          f'None of the {sub.pool_size} pool latents generates class '
          f'{request.forget_class}; raise config.substitution.pool_size.')
    # A fixed count, so that every class request has the same shapes.
    sub_latents = _rows(pool_latents, np.resize(chosen, sub.num_class_latents))
    allowed = ~is_class

  if sub.target_space == 'latent':
    targets = _nearest(sub_latents, pool_latents, allowed)
  else:
    targets = _nearest(classifier.features(
        c_state, generate(g_state, sub_latents)), pool_features, allowed)
  fake_targets = fake_label_targets(
      config.unlearn.fake_label, len(request.forget_ids), g_state, d_state,
      sub_latents, heldout_images, config.fake_label.num_samples,
      config.unlearn.batch_size, _pool_and_fake_label_rngs(config.seed)[1])
  sub_targets = _rows(pool_images, targets)
  if sub.num_anchor_latents:
    # Latents of retained content, each its own substitute: the substitution
    # loss then also holds what G should keep in place.
    anchors = np.resize(np.flatnonzero(allowed), sub.num_anchor_latents)
    sub_latents = jnp.concatenate([sub_latents, _rows(pool_latents, anchors)])
    sub_targets = jnp.concatenate([sub_targets, _rows(pool_images, anchors)])
  return Precomputed(
      forget_images=forget_images, fake_targets=fake_targets,
      remain_index=jnp.asarray(
          train_ids[~np.isin(train_ids, request.forget_ids)].astype(np.int32)),
      sub_latents=sub_latents, sub_targets=sub_targets)


# ----------------------------------------------------------------------------
# The data-parallel loop.


# Cached by the static arguments, so that later requests of the same shape in
# this process reuse the compiled step ("warm" unlearning).
@functools.lru_cache
def make_pmapped_unlearning_step(lambda_sub: float, batch_size: int,
                                 steps_per_pass: int, update_d: bool = True,
                                 update_g: bool = True,
                                 sub_batch_norm: str = 'batch'):
  """`cascaded_unlearning_step` over all local devices, batches gathered on
  device from the replicated arrays.

  The returned function maps `(g_state, d_state, arrays, rng, counter)` with a
  leading device axis on each; `arrays` holds `train_images` and the
  `Precomputed` fields, `counter` counts the steps taken. Forget batches walk
  through a fresh permutation of the forget set each pass; remaining and
  substitution batches are drawn at random; all three have `batch_size`
  (global) images.
  """
  local = lambda rows: train.local_rows(rows, train.AXIS)

  def step(g_state, d_state, arrays, rng, counter):
    num_forget = arrays['forget_images'].shape[0]
    remain_rng, sub_rng, z_rng = jax.random.split(
        jax.random.fold_in(rng, counter), 3)
    order = jax.random.permutation(
        jax.random.fold_in(rng, counter // steps_per_pass), num_forget)
    first = (counter % steps_per_pass) * batch_size
    forget_ids = local(order[(first + jnp.arange(batch_size)) % num_forget])
    remain_ids = local(arrays['remain_index'][jax.random.randint(
        remain_rng, (batch_size,), 0, arrays['remain_index'].shape[0])])
    sub_ids = local(jax.random.randint(
        sub_rng, (batch_size,), 0, arrays['sub_latents'].shape[0]))
    batch = {
        'forget_images': arrays['forget_images'][forget_ids],
        'fake_targets': arrays['fake_targets'][forget_ids],
        'remain_images': arrays['train_images'][remain_ids],
        'sub_latents': arrays['sub_latents'][sub_ids],
        'sub_targets': arrays['sub_targets'][sub_ids],
    }
    g_state, d_state, metrics = cascaded_unlearning_step(
        g_state, d_state, batch, z_rng, lambda_sub=lambda_sub,
        axis_name=train.AXIS, update_d=update_d, update_g=update_g,
        sub_batch_norm=sub_batch_norm)
    return g_state, d_state, counter + 1, metrics

  return jax.pmap(step, axis_name=train.AXIS, donate_argnums=(0, 1))


def _schedule(cascade: str, steps_per_pass: int) -> list[tuple[bool, bool]]:
  """(update_d, update_g) of each call in one pass over the forget set."""
  if cascade == 'interleaved':
    return [(True, True)] * steps_per_pass
  if cascade == 'staged':
    return [(True, False)] * steps_per_pass + [(False, True)] * steps_per_pass
  raise ValueError(f'unknown cascade {cascade!r}')


def unlearning_optimizer(config: ml_collections.ConfigDict,
                         states: tuple[TrainState, TrainState]
                         ) -> tuple[TrainState, TrainState]:
  """`states` with the optimizer that unlearning (and the fine-tuning baseline,
  for a like comparison) continues them with: new Adam moments when
  `unlearn.fresh_optimizer`, step size `unlearn.learning_rate` when set
  (D's: `unlearn.d_learning_rate`, when set)."""
  cfg = config.unlearn
  if cfg.fresh_optimizer:
    # The original's Adam moments fit the end of its training; against the
    # new loss its small second moments make the first steps huge.
    states = tuple(state.replace(opt_state=state.tx.init(state.params))
                   for state in states)
  rates = (cfg.learning_rate, cfg.d_learning_rate or cfg.learning_rate)
  # Adam's state does not depend on its step size: the moments carry over.
  return tuple(
      state if rate is None else state.replace(
          tx=train.adam(rate, config.train.beta1, config.train.beta2))
      for state, rate in zip(states, rates))


def _should_stop(config, request, g_state, d_state, c_state,
                 forget_images, heldout_images, check_latents):
  """The `heldout_match` rule: D cannot tell forget images from held-out
  ones (AUC <= 0.5 + margin), and, for a class or canaries, G rarely
  draws the class or the mark (share < `unlearn.class_rate_stop` or
  `unlearn.canary_rate_stop`).

  margin = max(`unlearn.tolerance`, `unlearn.tolerance_se` x the AUC's
  standard error for these image counts when D cannot tell them apart): an
  AUC within the noise of a small forget set starts no unlearning.
  """
  cfg = config.unlearn
  forget = forget_images[:cfg.check_size]
  heldout = heldout_images[:cfg.check_size]
  # One call (inference mode: no batch statistics), one compilation.
  scores = discriminator_scores(d_state, jnp.concatenate([forget, heldout]))
  auc = evaluate.roc_auc(scores[:len(forget)], scores[len(forget):])
  limit = 0.5 + max(cfg.tolerance, cfg.tolerance_se * evaluate.auc_null_se(
      len(forget), len(heldout)))
  status = {'forget_auc': auc, 'forget_auc_limit': limit}
  stop = auc <= limit
  if request.kind == 'class':
    classes = jnp.argmax(classifier.predict_logits(
        c_state, generate(g_state, check_latents)), -1)
    status['forget_class_rate'] = float(jnp.mean(
        classes == request.forget_class))
  if request.canaries:
    status['canary_rate'] = float(np.mean(canaries.has_mark(
        generate(g_state, check_latents))))
  for rate, rate_stop in (('forget_class_rate', 'class_rate_stop'),
                          ('canary_rate', 'canary_rate_stop')):
    if rate in status:
      stop = stop and status[rate] < cfg[rate_stop]
  return stop, status


def unlearn_request(config: ml_collections.ConfigDict, workdir: str,
                    request: requests.ForgetRequest,
                    original: tuple[TrainState, TrainState], c_state,
                    train_images: jax.Array, train_ids: np.ndarray,
                    test_split: input_pipeline.Split,
                    pool: Union[SubstitutionPool,
                                Callable[[], SubstitutionPool], None] = None,
                    ) -> tuple[tuple[TrainState, TrainState], dict[str, Any]]:
  """Unlearns `request` from the original G and D.

  `pool`: this original's `substitution_pool`, or a function that returns it
  (called only when a step is needed); computed here when not given.
  Saves the result to `checkpoints/unlearned/<request.name>/` with the
  request, the precomputed arrays' summary (when a step needed them) and the
  run's record beside it. Returns the unlearned states and the record
  (`steps`, `stopped_early`, `precompute_s`, `loop_s`, the last stop-rule
  status).
  """
  cfg = config.unlearn
  start = time.perf_counter()
  g_state, d_state = original
  heldout = probe_images(test_split, request)
  forget_images = _rows(train_images, request.forget_ids)
  # G's share of the class or of the mark is measured on these latents.
  check_latents = None
  if request.kind == 'class' or request.canaries:
    check_latents = jax.random.normal(jax.random.key(config.seed + 3),
                                      (cfg.check_size, config.model.latent_dim))
  steps_per_pass = -(-len(request.forget_ids) // cfg.batch_size)
  schedule = _schedule(cfg.cascade, steps_per_pass)
  max_calls = cfg.epochs * len(schedule)
  name = f'unlearned/{request.name}'
  writer = monitoring.MetricWriter(workdir, name)
  progress = monitoring.Progress(name, 0, max_calls)

  def check(calls, g_state, d_state, values):
    stopped, status = _should_stop(config, request, g_state, d_state, c_state,
                                   forget_images, heldout, check_latents)
    writer.write(calls, status)
    progress.update(calls, {**values, **status})
    return stopped, status

  calls, stopped, status, precomputed, precompute_s = 0, False, {}, None, 0.0
  if cfg.stop == 'heldout_match':
    # Checked before anything else: a forget set that the original already
    # cannot tell from held-out data needs no unlearning, nor precomputation.
    stopped, status = check(0, g_state, d_state, {})
  if not stopped and max_calls:
    precompute_start = time.perf_counter()
    precomputed = jax.block_until_ready(precompute(
        config, request, g_state, d_state, c_state, train_images, train_ids,
        heldout, pool() if callable(pool) else pool))
    precompute_s = time.perf_counter() - precompute_start
    logging.info('%s: %d forget images, %d substitution latents, fake label '
                 '%s (mean %.3f), %d devices.', name, len(request.forget_ids),
                 precomputed.sub_latents.shape[0], cfg.fake_label,
                 np.mean(precomputed.fake_targets), jax.local_device_count())
    g_state, d_state = unlearning_optimizer(config, (g_state, d_state))
    steps = {kind: make_pmapped_unlearning_step(
        cfg.lambda_sub, cfg.batch_size, steps_per_pass, *kind,
        sub_batch_norm=config.substitution.batch_norm)
             for kind in set(schedule)}
    g_state, d_state, arrays, rng, counter = train.replicate((
        g_state, d_state,
        {'train_images': train_images, **dataclasses.asdict(precomputed)},
        jax.random.fold_in(jax.random.key(config.seed), 11),
        jnp.zeros((), jnp.int32)))
    while not stopped and calls < max_calls:
      update = schedule[calls % len(schedule)]
      g_state, d_state, counter, metrics = steps[update](
          g_state, d_state, arrays, rng, counter)
      calls += 1
      if calls % cfg.check_every == 0 or calls == max_calls:
        values = monitoring.check_finite(jax_utils.unreplicate(metrics), name,
                                         calls)
        writer.write(calls, values)
        if cfg.stop == 'heldout_match':
          stopped, status = check(
              calls, *jax_utils.unreplicate((g_state, d_state)), values)
        else:
          progress.update(calls, values)
    g_state, d_state = jax_utils.unreplicate((g_state, d_state))
  jax.block_until_ready(d_state.params)
  record = {'steps': calls, 'stopped_early': bool(stopped),
            'precompute_s': precompute_s,
            'loop_s': time.perf_counter() - start - precompute_s,
            **status}
  writer.close()
  checkpoints.remove(workdir, name)  # A rerun replaces the previous result.
  mngr = checkpoints.manager(workdir, name)
  checkpoints.save(mngr, calls, {'g': g_state, 'd': d_state})
  mngr.close()
  folder = checkpoints.directory(workdir, name)
  files = {'request.json': request.to_json(), 'record.json': record}
  if precomputed is not None:
    files['precomputed.json'] = precomputed.summary()
  for filename, content in files.items():
    monitoring.write_json(os.path.join(folder, filename), content)
  return (g_state, d_state), record

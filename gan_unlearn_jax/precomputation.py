"""The request-specific arrays of the cascaded step, computed once on the host.

Everything request-specific lives in plain arrays, so one compiled step serves
every request of the same shape (docs/method.md, "Precomputed arrays"):

  forget_images [n_f, H, W, C]   the images to forget
  fake_targets  [n_f]            D's target for each (the fake label)
  remain_index  [n_r]            ids of the remaining training images
  sub_latents   [n_s, latent]    latents where G0 produces forgotten content
                                 (and, optionally, anchors of retained content)
  sub_targets   [n_s, H, W, C]   the substitute each of them should produce
                                 (an anchor's is its own G0 image; with
                                 `substitution.canary_targets='erased'` a
                                 canary latent's is its own without the mark)
  nonmember_images [n_h, H, W, C]  probe images of the forget set's kind and
  nonmember_targets [n_h]        D0's scores of them in the forget term's
                                 context (optionally shifted to the level of
                                 generated images), for the `matched` fake
                                 label (None otherwise)

`step_batch` gathers each step's batch from them, on device.
"""

import dataclasses
import functools
from typing import Any, Optional

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from gan_unlearn_jax import canaries
from gan_unlearn_jax import classifier
from gan_unlearn_jax import fake_labels
from gan_unlearn_jax import metrics
from gan_unlearn_jax import parallel
from gan_unlearn_jax import requests
from gan_unlearn_jax import rngs
from gan_unlearn_jax import sampling
from gan_unlearn_jax.errors import UserError
from gan_unlearn_jax.gan import TrainState


# A pytree, so that `jax.block_until_ready` waits for every array: the
# precomputation's seconds then end where its work does.
@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class Precomputed:
  """The request-specific arrays of the cascaded step (shapes above)."""
  forget_images: jax.Array
  fake_targets: jax.Array
  remain_index: jax.Array
  sub_latents: jax.Array
  sub_targets: jax.Array
  nonmember_images: Optional[jax.Array] = None
  nonmember_targets: Optional[jax.Array] = None

  def summary(self) -> dict[str, Any]:
    return {name: {'shape': list(value.shape),
                   'mean': float(np.mean(np.asarray(value, np.float32)))}
            for name, value in dataclasses.asdict(self).items()
            if value is not None}


@jax.jit
def _nearest(queries: jax.Array, keys: jax.Array,
             allowed: Optional[jax.Array] = None) -> jax.Array:
  """Index of the nearest (L2) allowed key for each query, `[n_queries]`.

  1,024 queries at a time, so that memory stays at 1,024 rows of distances
  however many latents a class request substitutes.
  """
  def nearest(query):
    distances = metrics.squared_distances(query[None], keys)[0]
    if allowed is not None:
      distances = jnp.where(allowed, distances, jnp.inf)
    return jnp.argmin(distances)
  return jax.lax.map(nearest, queries, batch_size=1024)


@dataclasses.dataclass(frozen=True)
class SubstitutionPool:
  """Random latents `[pool_size, latent]` and G0's images of them: the
  substitution candidates, with `C`'s features and classes of the images,
  each computed when a request first needs it (item requests the features,
  class requests the classes). They do not depend on the request, so one
  pool serves every request to the same original model."""
  latents: jax.Array
  images: jax.Array
  c_state: Any

  @functools.cached_property
  def features(self) -> jax.Array:
    return classifier.features(self.c_state, self.images)

  @functools.cached_property
  def probabilities(self) -> np.ndarray:
    return np.asarray(jax.nn.softmax(
        classifier.predict_logits(self.c_state, self.images), -1))

  @functools.cached_property
  def classes(self) -> np.ndarray:
    return np.argmax(self.probabilities, -1)


def substitution_pool(config: ml_collections.ConfigDict, g_state: TrainState,
                      c_state) -> SubstitutionPool:
  latents = jax.random.normal(rngs.key(config.seed, 'pool'), (
      config.substitution.pool_size, config.model.latent_dim))
  return SubstitutionPool(latents, sampling.generate(g_state, latents), c_state)


def _item_substitution(config, request, g_state, c_state, forget_images,
                       pool: SubstitutionPool):
  """(sub_latents, latents allowed as substitutes) of an item request: the
  pool latent nearest to each forget image, optionally inverted further; for
  canaries with `substitution.canary_latents='marked'`, the pool latents that
  draw the mark."""
  sub = config.substitution
  if request.canaries and sub.canary_latents == 'marked':
    # The mark is the content to forget, wherever G draws it.
    return _content_substitution(
        config, pool, np.asarray(canaries.has_mark(pool.images)), 'the mark')
  if sub.distance == 'classifier':
    chosen = _nearest(classifier.features(c_state, forget_images),
                      pool.features)
  else:
    flat = lambda x: x.reshape(x.shape[0], -1)
    chosen = _nearest(flat(forget_images), flat(pool.images))
  sub_latents = sampling.rows(pool.latents, chosen)
  if sub.invert_steps:
    sub_latents = sampling.invert(g_state, sub_latents, forget_images,
                                  sub.invert_steps, sub.invert_learning_rate)
  allowed = np.ones(sub.pool_size, bool)
  allowed[np.asarray(chosen)] = False
  if request.canaries:  # Substitutes must not show the mark.
    allowed &= ~np.asarray(canaries.has_mark(pool.images))
  return sub_latents, allowed


def _class_substitution(config, request, pool: SubstitutionPool):
  """(sub_latents, latents allowed as substitutes) of a class request: a
  fixed count of the pool latents that `C` assigns to the class."""
  return _content_substitution(config, pool,
                               pool.classes == request.forget_class,
                               f'class {request.forget_class}')


def _cycled(mask: np.ndarray, count: int) -> np.ndarray:
  """`count` indices where `mask` holds, in order, repeated as needed: a fixed
  count, so that every request of a kind has the same shapes."""
  return np.resize(np.flatnonzero(mask), count)


def _content_substitution(config, pool: SubstitutionPool,
                          draws_content: np.ndarray, content: str):
  """`substitution.num_class_latents` of the pool latents that draw the
  content to forget, and the others as their allowed substitutes."""
  sub = config.substitution
  if not draws_content.any():
    raise UserError(
        f'None of the {sub.pool_size} pool latents draws {content}; raise '
        'config.substitution.pool_size.')
  sub_latents = sampling.rows(pool.latents,
                              _cycled(draws_content, sub.num_class_latents))
  return sub_latents, ~draws_content


def _substitutes(config, g_state, c_state, sub_latents, allowed,
                 pool: SubstitutionPool) -> jax.Array:
  """For each of `sub_latents`, the index of the nearest allowed pool latent
  (in latent space or in `C`'s features of the images)."""
  sub = config.substitution
  if sub.target_space == 'latent':
    queries, candidates = sub_latents, pool.latents
  else:
    queries = classifier.features(c_state,
                                  sampling.generate(g_state, sub_latents))
    candidates = pool.features
  if sub.search_size is None:
    return _nearest(queries, candidates, allowed)
  keys = _cycled(allowed, sub.search_size)  # One compilation for every request.
  return keys[np.asarray(_nearest(queries, sampling.rows(candidates, keys)))]


def precompute(config: ml_collections.ConfigDict,
               request: requests.ForgetRequest, g_state: TrainState,
               d_state: TrainState, c_state, train_images: jax.Array,
               train_ids: np.ndarray, heldout_images: jax.Array,
               pool: Optional[SubstitutionPool] = None) -> Precomputed:
  """All request-specific arrays, from G0, D0 and `C`.

  `train_images [N, H, W, C]` float32 in [-1, 1] are indexed by the request's
  ids; `train_ids` are the ids an epoch of the original's training walks
  through (canaries repeated); `heldout_images` are the probe images for the
  `heldout` and `matched` fake labels.
  Returns `forget_images [n_f, H, W, C]`, `fake_targets [n_f]` float32,
  `remain_index [n_r]` int32, `sub_latents [n_s, latent]` and
  `sub_targets [n_s, H, W, C]` (n_s = n_f for items,
  `substitution.num_class_latents` for a class or marked canaries, plus
  `substitution.num_anchor_latents` in either case), and for the `matched`
  fake label `nonmember_images` and `nonmember_targets`. `pool`: this
  original's `substitution_pool`, computed here when not given.
  """
  sub = config.substitution
  forget_images = sampling.rows(train_images, request.forget_ids)
  pool = pool or substitution_pool(config, g_state, c_state)
  if request.kind == 'item':
    sub_latents, allowed = _item_substitution(config, request, g_state,
                                              c_state, forget_images, pool)
  else:
    sub_latents, allowed = _class_substitution(config, request, pool)

  if request.canaries and sub.canary_targets == 'erased':
    # The mark is the content to forget: the substitute differs only there.
    sub_targets = jnp.asarray(canaries.erase_mark(
        sampling.generate(g_state, sub_latents)))
  else:
    sub_targets = sampling.rows(pool.images, _substitutes(
        config, g_state, c_state, sub_latents, allowed, pool))
  fake_targets = fake_labels.fake_label_targets(
      config.unlearn.fake_label, len(request.forget_ids), g_state, d_state,
      sub_latents, heldout_images, config.fake_label.num_samples,
      config.unlearn.batch_size, rngs.key(config.seed, 'fake_label'),
      forget_images, config.unlearn.forget_batch_norm)
  if sub.num_anchor_latents:
    # Latents of retained content, each its own substitute: the substitution
    # loss then also holds what G should keep in place. `like_class`: those
    # whose samples C finds most like the class (the digits that resemble it).
    if sub.anchors == 'like_class':
      likeness = np.where(allowed, pool.probabilities[:, request.forget_class],
                          -1.0)
      anchors = np.resize(np.argsort(-likeness, kind='stable')[:allowed.sum()],
                          sub.num_anchor_latents)
    else:
      anchors = _cycled(allowed, sub.num_anchor_latents)
    sub_latents = jnp.concatenate([sub_latents,
                                   sampling.rows(pool.latents, anchors)])
    sub_targets = jnp.concatenate([sub_targets,
                                   sampling.rows(pool.images, anchors)])
  nonmembers = {}
  if config.unlearn.fake_label == 'matched':
    held = fake_labels.scores_in_context(
        d_state, heldout_images, config.unlearn.forget_batch_norm,
        config.unlearn.batch_size)
    if config.fake_label.matched_level == 'generated':
      held = fake_labels.shifted_to_level(held, fake_labels.generated_level(
          g_state, d_state, config.model.latent_dim,
          config.fake_label.num_samples, config.unlearn.batch_size,
          rngs.key(config.seed, 'fake_label'),
          config.unlearn.forget_batch_norm))
    nonmembers = {'nonmember_images': heldout_images,
                  'nonmember_targets': held}
  return Precomputed(
      forget_images=forget_images, fake_targets=fake_targets,
      remain_index=jnp.asarray(
          train_ids[~np.isin(train_ids, request.forget_ids)].astype(np.int32)),
      sub_latents=sub_latents, sub_targets=sub_targets, **nonmembers)


def step_batch(arrays: dict[str, jax.Array], rng: jax.Array,
               counter: jax.Array, batch_size: int, steps_per_pass: int,
               sub_batch_size: Optional[int], nonmembers: bool,
               axis_name: str) -> tuple[dict[str, jax.Array], jax.Array]:
  """This device's share of step `counter`'s batch, gathered on device from
  `arrays` (`train_images` and the `Precomputed` fields, whole on every
  device), inside a map over `axis_name`.

  Forget batches walk through a fresh permutation of the forget set each
  pass of `steps_per_pass` steps; remaining, substitution and (with
  `nonmembers`) non-member batches are drawn at random. Each has
  `batch_size` (global) images, the substitution batch `sub_batch_size` if
  given. Returns the batch and the key of G's latents for the step: the
  step's key `fold_in(rng, counter)` splits in three, the remaining and
  substitution draws taking the first two.
  """
  local = lambda rows: parallel.local_rows(rows, axis_name)
  num_forget = arrays['forget_images'].shape[0]
  remain_rng, sub_rng, latent_rng = jax.random.split(
      jax.random.fold_in(rng, counter), 3)
  order = jax.random.permutation(
      jax.random.fold_in(rng, counter // steps_per_pass), num_forget)
  first = (counter % steps_per_pass) * batch_size
  forget_ids = local(order[(first + jnp.arange(batch_size)) % num_forget])
  remain_ids = local(arrays['remain_index'][jax.random.randint(
      remain_rng, (batch_size,), 0, arrays['remain_index'].shape[0])])
  sub_ids = local(jax.random.randint(
      sub_rng, (sub_batch_size or batch_size,), 0,
      arrays['sub_latents'].shape[0]))
  batch = {
      'forget_images': arrays['forget_images'][forget_ids],
      'fake_targets': arrays['fake_targets'][forget_ids],
      'remain_images': arrays['train_images'][remain_ids],
      'sub_latents': arrays['sub_latents'][sub_ids],
      'sub_targets': arrays['sub_targets'][sub_ids],
  }
  if nonmembers:
    nonmember_ids = local(jax.random.randint(
        jax.random.fold_in(remain_rng, 1), (batch_size,), 0,
        arrays['nonmember_images'].shape[0]))
    batch['nonmember_images'] = arrays['nonmember_images'][nonmember_ids]
    batch['nonmember_targets'] = arrays['nonmember_targets'][nonmember_ids]
  return batch, latent_rng

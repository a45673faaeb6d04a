"""The fake label: D's target on each forget image [paper: that there is one].

`fake_label_targets` computes the fixed modes from D0 once, before the loop
(`precomputation.py`); the `matched` mode ranks the forget images again at
every step (`matched_fake_targets`, called inside the jitted step) against
held-out images that a term of D's loss holds at D0's scores
(docs/method.md, "Precomputed arrays").
"""

from typing import Optional

import jax
import jax.numpy as jnp
import numpy as np

from gan_unlearn_jax import gan
from gan_unlearn_jax import parallel
from gan_unlearn_jax import sampling
from gan_unlearn_jax import validation
from gan_unlearn_jax.gan import TrainState

FAKE_LABEL_MODES = validation.FAKE_LABEL_MODES


def quantile_matched(scores: jax.Array, reference: jax.Array) -> jax.Array:
  """For each of `scores [n]`, the value of `reference [m]` at the same
  quantile: scores distributed like the result rank like `reference` (AUC
  0.5 against it), and keep their own order."""
  ranks = jnp.argsort(jnp.argsort(scores))
  positions = ((ranks + 0.5) * reference.shape[0] / scores.shape[0])
  return jnp.sort(reference)[positions.astype(jnp.int32)]


def fake_label_targets(mode: str, num_forget: int, g_state: TrainState,
                       d_state: TrainState, sub_latents: jax.Array,
                       heldout_images: jax.Array, num_samples: int,
                       batch_size: int, rng: jax.Array,
                       forget_images: Optional[jax.Array] = None,
                       forget_batch_norm: str = 'separate') -> jax.Array:
  """The fake label `[num_forget]`: D's target for each forget image.

  D0's scores are taken as the forget term of `forget_batch_norm` takes them
  (`scores_in_context`), so that the label is on the scale D is trained at:
  training mode in batches of the global `batch_size` with their own
  BatchNorm statistics, or inference mode for `running`. The two differ:
  BatchNorm's running averages mix real and generated batches (on the
  default MNIST GAN, D0 scores generated images 0.69 in inference mode and
  0.29 in training mode). `matched` (which needs `forget_images`) gives each
  forget image the held-out score at its rank under D0; the step ranks the
  forget images again under D as it is at every step
  (`matched_fake_targets`).
  """
  scores = lambda images: scores_in_context(d_state, images,
                                            forget_batch_norm, batch_size)
  if mode == 'generated':
    level = generated_level(g_state, d_state, sub_latents.shape[1],
                            num_samples, batch_size, rng, forget_batch_norm)
  elif mode == 'substitute':
    substitute = scores(sampling.generate(g_state, sub_latents))
    return substitute[jnp.arange(num_forget) % substitute.shape[0]]
  elif mode == 'heldout':
    level = scores(heldout_images).mean()
  elif mode == 'zero':
    level = 0.0
  elif mode == 'matched':
    return quantile_matched(scores(forget_images), scores(heldout_images))
  else:
    raise ValueError(f'unknown fake label mode {mode!r}')
  return jnp.asarray(np.full((num_forget,), float(level), np.float32))


def generated_level(g_state: TrainState, d_state: TrainState,
                    latent_dim: int, num_samples: int, batch_size: int,
                    rng: jax.Array, forget_batch_norm: str = 'separate'
                    ) -> jax.Array:
  """D's mean score of `num_samples` generated images, in the forget term's
  context (`scores_in_context`)."""
  latents = jax.random.normal(rng, (num_samples, latent_dim))
  return scores_in_context(d_state, sampling.generate(g_state, latents),
                           forget_batch_norm, batch_size).mean()


def shifted_to_level(scores: jax.Array, level: jax.Array) -> jax.Array:
  """`scores` moved by one constant in logit space, so that their mean logit
  is `level`'s: their order, and so the ranks that `quantile_matched` gives
  forget images against them, stay."""
  logits = jnp.log(scores) - jnp.log1p(-scores)
  return jax.nn.sigmoid(logits - logits.mean()
                        + jnp.log(level) - jnp.log1p(-level))


def scores_in_context(d_state: TrainState, images: jax.Array,
                      forget_batch_norm: str, batch_size: int) -> jax.Array:
  """D's scores `[n]` as the forget term of `forget_batch_norm` takes them:
  inference mode for `running`, else training mode in batches of
  `batch_size` with their own statistics."""
  if forget_batch_norm == 'running':
    return sampling.discriminator_scores(d_state, images)
  return sampling.batch_scores(d_state, images, batch_size)


def matched_fake_targets(d_state: TrainState, forget_images: jax.Array,
                         nonmember_targets: jax.Array, forget_batch_norm: str,
                         axis_name: Optional[str] = None) -> jax.Array:
  """The `matched` fake label of a forget batch: each forget image's target
  is the non-member target at its rank under D as it is now
  (`quantile_matched`, ranked over all devices).

  Scored in the forget term's context: inference mode for `running` (as D
  is attacked), else training mode with the batch's own statistics. With
  the non-members held at D0's scores, it pulls the forget images to where
  D0 put images it never saw, and no further: unlike `zero`, it does not
  push every image of the kind (the canaries' mark) down with them.
  """
  if forget_batch_norm == 'running':
    scores = jax.nn.sigmoid(gan.apply_eval(d_state, forget_images))
  else:
    scores = jax.nn.sigmoid(gan.apply_train(
        d_state, d_state.params, d_state.batch_stats, forget_images,
        axis_name)[0])
  if axis_name is None:
    return jax.lax.stop_gradient(quantile_matched(scores, nonmember_targets))
  gather = lambda x: jax.lax.all_gather(x, axis_name, tiled=True)
  targets = quantile_matched(gather(scores), gather(nonmember_targets))
  return jax.lax.stop_gradient(parallel.local_rows(targets, axis_name))

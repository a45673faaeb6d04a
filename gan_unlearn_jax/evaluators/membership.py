"""Membership inference: does a model still know the forget set, and does it
still know the rest?

Members are the forget images, against the holdout slice's evaluation half
of their kind; and a sample of the remaining training images, against the
holdout's other images (`_remaining` metrics: a model that forgets
everything looks like one that forgot the request on the forget set alone);
in a sequence, the earlier requests' forget images (`_earlier`).
Attacks, each a score per image that is higher for "more likely a member":

  whitebox: D's score in inference mode (LOGAN).
  blackbox: minus the distance to the nearest generated sample (GAN-Leaks,
            full black-box).

`reconstruction.py` adds an attack on G that optimises latents.
"""

from typing import Any

import jax
import numpy as np

from gan_unlearn_jax import metrics
from gan_unlearn_jax import sampling
from gan_unlearn_jax.evaluators import base


@jax.jit
def _nearest_distance(queries: jax.Array, samples: jax.Array) -> jax.Array:
  flat = lambda x: x.reshape(x.shape[0], -1)
  return jax.numpy.sqrt(jax.numpy.maximum(
      metrics.squared_distances(flat(queries), flat(samples)).min(1), 0))


def nearest_sample_distances(queries: jax.Array,
                             samples: jax.Array) -> np.ndarray:
  """L2 distance of each query image to its nearest sample, `[n_queries]`."""
  return np.asarray(sampling.batched(
      lambda batch: _nearest_distance(batch, samples), queries, 256))


def attack_scores(context: base.Context, model: base.Model
                  ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
  """{`whitebox`, `blackbox`, and each with `_remaining` (and, in a
  sequence, `_earlier`): (member scores, non-member scores)}, computed once a
  model."""
  def compute():
    d_scores = lambda x: np.asarray(sampling.discriminator_scores(
        model.d_state, x))
    distances = lambda x: -nearest_sample_distances(x, model.samples)
    scores = {}
    for suffix, images in (('', context.members_and_nonmembers),
                           ('_remaining', context.remaining_and_nonmembers),
                           ('_earlier', context.earlier_and_nonmembers)):
      if images is None:
        continue
      for attack, score in (('whitebox', d_scores), ('blackbox', distances)):
        scores[attack + suffix] = tuple(score(x) for x in images)
    return scores
  return model.cached('membership_scores', compute)


def evaluate(context: base.Context, model: base.Model) -> dict[str, Any]:
  scores = attack_scores(context, model)
  results = {'num_members': len(scores['whitebox'][0]),
             'num_nonmembers': len(scores['whitebox'][1]),
             'num_remaining': len(scores['whitebox_remaining'][0])}
  if 'whitebox_earlier' in scores:
    results['num_earlier'] = len(scores['whitebox_earlier'][0])
  return {**results, **base.membership_results(scores)}

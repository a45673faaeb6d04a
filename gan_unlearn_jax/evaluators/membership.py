"""Membership inference on the forget set: is it still in the model?

Members are the forget images; non-members as many held-out images of their
kind from the evaluation half. Attacks, each a score per image that is
higher for "more likely a member":

  whitebox: D's score in inference mode (LOGAN).
  blackbox: minus the distance to the nearest generated sample (GAN-Leaks,
            full black-box).
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
  """{attack: (member scores, non-member scores)}, computed once a model."""
  def compute():
    members, nonmembers = context.members_and_nonmembers
    d_scores = lambda x: np.asarray(sampling.discriminator_scores(
        model.d_state, x))
    distances = lambda x: -nearest_sample_distances(x, model.samples)
    return {'whitebox': (d_scores(members), d_scores(nonmembers)),
            'blackbox': (distances(members), distances(nonmembers))}
  return model.cached('membership_scores', compute)


def evaluate(context: base.Context, model: base.Model) -> dict[str, Any]:
  scores = attack_scores(context, model)
  results = {'num_members': len(scores['whitebox'][0])}
  for attack, (members, nonmembers) in scores.items():
    results.update(metrics.membership(members, nonmembers, f'mia_{attack}'))
  return results

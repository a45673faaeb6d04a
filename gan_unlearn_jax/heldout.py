"""Non-members from the holdout slice, in two fixed halves.

The holdout slice (`input_pipeline.holdout_ids`) is part of the training
split that no GAN trains on: its images come from the training images'
distribution, so a model that never saw the forget set cannot tell the two
apart (the test split comes from other writers on MNIST and is encoded apart
on the offline CIFAR-10). Its *probe* half serves the stop rule and the
`heldout` fake label; its *evaluation* half the final evaluation only, so
that nothing the unlearning looked at decides its verdict.
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from gan_unlearn_jax import canaries
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import requests
from gan_unlearn_jax import sampling


@dataclasses.dataclass(frozen=True)
class Holdout:
  """The holdout slice's ids (training-split indices), in two halves."""
  probe_ids: np.ndarray
  evaluation_ids: np.ndarray

  @classmethod
  def split(cls, holdout_ids: np.ndarray, seed: int = 0) -> 'Holdout':
    """A fixed, sorted half of `holdout_ids` each."""
    order = np.random.default_rng(seed).permutation(len(holdout_ids))
    half = len(order) // 2
    return cls(np.sort(holdout_ids[order[:half]]),
               np.sort(holdout_ids[order[half:]]))

  def summary(self) -> dict[str, int]:
    return {'size': len(self.probe_ids) + len(self.evaluation_ids),
            'probe': len(self.probe_ids),
            'evaluation': len(self.evaluation_ids)}


def of_kind(split: input_pipeline.Split, ids: np.ndarray,
            request: requests.ForgetRequest) -> np.ndarray:
  """The ids among `ids` of the forget set's kind: the request's class for a
  class request, all of them for an item request."""
  if request.kind == 'class':
    return ids[np.asarray(split.labels)[ids] == request.forget_class]
  return ids


def images_of_kind(split: input_pipeline.Split, ids: np.ndarray,
                   request: requests.ForgetRequest) -> jax.Array:
  """The images among `ids` of the forget set's kind, `[n, H, W, C]`:
  marked for canaries, so that a comparison measures membership, not the
  mark."""
  images = sampling.rows(split.images, of_kind(split, ids, request))
  return jnp.asarray(canaries.mark(images)) if request.canaries else images


def images_of_other_kinds(split: input_pipeline.Split, ids: np.ndarray,
                          request: requests.ForgetRequest) -> jax.Array:
  """The non-members of the remaining set: for a class request the images
  among `ids` of the other classes, else all of them (unmarked)."""
  if request.kind == 'class':
    ids = ids[np.asarray(split.labels)[ids] != request.forget_class]
  return sampling.rows(split.images, ids)

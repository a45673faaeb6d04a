"""Held-out non-members of the forget set's kind, in two fixed halves.

The *probe* half serves the stop rule and the `heldout` fake label; the
*evaluation* half serves the final evaluation only, so that nothing the
unlearning looked at decides its verdict. Non-members are of the forget
set's kind: the request's class for a class request, marked for canaries.
"""

import jax
import jax.numpy as jnp
import numpy as np

from gan_unlearn_jax import canaries
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import requests
from gan_unlearn_jax import sampling


def halves(split: input_pipeline.Split,
           seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
  """(probe ids, evaluation ids): a fixed, sorted half of `split` each."""
  order = np.random.default_rng(seed).permutation(len(split))
  half = len(order) // 2
  return np.sort(order[:half]), np.sort(order[half:])


def probe_ids(split: input_pipeline.Split) -> np.ndarray:
  return halves(split)[0]


def evaluation_ids(split: input_pipeline.Split) -> np.ndarray:
  return halves(split)[1]


def images_of_kind(split: input_pipeline.Split, ids: np.ndarray,
                   request: requests.ForgetRequest) -> jax.Array:
  """The images among `ids` of the forget set's kind, `[n, H, W, C]`."""
  if request.kind == 'class':
    ids = ids[np.asarray(split.labels)[ids] == request.forget_class]
  images = sampling.rows(split.images, ids)
  return jnp.asarray(canaries.mark(images)) if request.canaries else images


def probe_images(split: input_pipeline.Split,
                 request: requests.ForgetRequest) -> jax.Array:
  """The probe half's images of the forget set's kind."""
  return images_of_kind(split, probe_ids(split), request)


def evaluation_images(split: input_pipeline.Split,
                      request: requests.ForgetRequest) -> jax.Array:
  """The evaluation half's images of the forget set's kind."""
  return images_of_kind(split, evaluation_ids(split), request)

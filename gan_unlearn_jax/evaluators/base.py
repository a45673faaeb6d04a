"""What every evaluator reads: the shared `Context` and the evaluated `Model`.

Both compute their arrays on first use and keep them, so that evaluators
which need the same arrays (samples, `C`'s view of them, the real images'
features) share one computation.
"""

import dataclasses
import functools
from typing import Any, Callable, Optional

import jax
import ml_collections
import numpy as np

from gan_unlearn_jax import classifier
from gan_unlearn_jax import heldout
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import metrics
from gan_unlearn_jax import requests
from gan_unlearn_jax import rngs
from gan_unlearn_jax import sampling
from gan_unlearn_jax.gan import TrainState


@dataclasses.dataclass
class Context:
  """The data every model of one evaluation is measured against.

  Non-members come from the evaluation half of the holdout slice (training-
  split images no model trained on; `heldout.py`), never from its probe
  half, which the unlearning saw. Real images of sample quality and of the
  downstream task are the test split. `request` may be None (sample-quality
  evaluators need none); `reference`, the G and D states of the reference
  GAN, only the calibrated attacks need.
  """
  config: ml_collections.ConfigDict
  c_state: Any
  request: Optional[requests.ForgetRequest]
  train_split: input_pipeline.Split
  test_split: input_pipeline.Split
  holdout: heldout.Holdout
  train_ids: np.ndarray
  reference: Optional[tuple[TrainState, TrainState]] = None

  @property
  def real_images(self) -> jax.Array:
    return self.test_split.images

  @functools.cached_property
  def real_labels(self) -> np.ndarray:
    return np.asarray(self.test_split.labels)

  @functools.cached_property
  def real_features(self) -> np.ndarray:
    return np.asarray(classifier.features(self.c_state, self.real_images))

  @property
  def nonmember_ids(self) -> np.ndarray:
    """The holdout half that `evaluation.nonmembers` names."""
    return {'evaluation': self.holdout.evaluation_ids,
            'probe': self.holdout.probe_ids}[self.config.evaluation.nonmembers]

  @functools.cached_property
  def members_and_nonmembers(self) -> tuple[jax.Array, jax.Array]:
    """The first `evaluation.max_members` forget images, and the holdout
    half's images of their kind."""
    count = min(len(self.request.forget_ids),
                self.config.evaluation.max_members)
    return (sampling.rows(self.train_split.images,
                          self.request.forget_ids[:count]),
            heldout.images_of_kind(self.train_split, self.nonmember_ids,
                                   self.request))

  @functools.cached_property
  def remaining_ids(self) -> np.ndarray:
    """`evaluation.num_remaining` random training ids that no request of the
    sequence forgets."""
    remaining = np.setdiff1d(self.train_ids, self.request.all_forget_ids)
    rng = np.random.default_rng(self.config.evaluation.seed)
    return np.sort(rng.choice(remaining, min(
        len(remaining), self.config.evaluation.num_remaining), replace=False))

  @functools.cached_property
  def remaining_and_nonmembers(self) -> tuple[jax.Array, jax.Array]:
    """The `remaining_ids` images, and the holdout half's images of their
    kind: whether a model still knows what it should keep."""
    return (sampling.rows(self.train_split.images, self.remaining_ids),
            heldout.images_of_other_kinds(
                self.train_split, self.nonmember_ids, self.request))

  @functools.cached_property
  def earlier_and_nonmembers(self) -> Optional[tuple[jax.Array, jax.Array]]:
    """In a sequence, the first `evaluation.max_members` forget images of the
    requests before this one, and the holdout half's images: does an earlier
    request's membership come back? None for a request on its own."""
    earlier = self.request.earlier_ids[:self.config.evaluation.max_members]
    if not len(earlier):
      return None
    return (sampling.rows(self.train_split.images, earlier),
            sampling.rows(self.train_split.images, self.nonmember_ids))

  @functools.cached_property
  def latents(self) -> jax.Array:
    """The `evaluation.num_samples` latents every model is evaluated on."""
    return jax.random.normal(
        rngs.key(self.config.evaluation.seed, 'evaluation'),
        (self.config.evaluation.num_samples, self.config.model.latent_dim))

  def model(self, name: str, g_state: TrainState,
            d_state: TrainState) -> 'Model':
    return Model(name, g_state, d_state, self)

  @functools.cached_property
  def reference_model(self) -> 'Model':
    """The reference GAN (trained on the probe half), evaluated once."""
    if self.reference is None:
      raise ValueError('This context has no reference GAN.')
    return self.model('reference', *self.reference)


@dataclasses.dataclass
class Model:
  """One model under evaluation, with its samples from the shared latents
  (or from `latents` of its own)."""
  name: str
  g_state: TrainState
  d_state: TrainState
  context: Context
  latents: Optional[jax.Array] = None
  _cache: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)

  def cached(self, key: str, compute: Callable[[], Any]) -> Any:
    """`compute()` on the first call for `key`, its value afterwards."""
    if key not in self._cache:
      self._cache[key] = compute()
    return self._cache[key]

  @functools.cached_property
  def samples(self) -> jax.Array:
    latents = self.context.latents if self.latents is None else self.latents
    return sampling.generate(self.g_state, latents)

  @functools.cached_property
  def sample_probabilities(self) -> np.ndarray:
    """`C`'s class probabilities of the samples, `[n, classes]`."""
    return np.asarray(jax.nn.softmax(classifier.predict_logits(
        self.context.c_state, self.samples)))

  @functools.cached_property
  def sample_classes(self) -> np.ndarray:
    return self.sample_probabilities.argmax(1)

  @functools.cached_property
  def sample_features(self) -> np.ndarray:
    """`C`'s penultimate features of the samples, `[n, feature_dim]`."""
    return np.asarray(classifier.features(self.context.c_state, self.samples))


def membership_results(scores: dict[str, tuple[np.ndarray, np.ndarray]]
                       ) -> dict[str, float]:
  """`metrics.membership` of each attack's (member, non-member) scores, its
  keys prefixed `mia_<attack>`."""
  results = {}
  for attack, (members, nonmembers) in scores.items():
    results.update(metrics.membership(members, nonmembers, f'mia_{attack}'))
  return results

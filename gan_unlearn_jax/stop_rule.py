"""The `heldout_match` stop rule: the forget set is as unknown to D as
held-out images of its kind (docs/method.md, "The loop and the stop rule")."""

import dataclasses
from typing import Any, Optional

import jax
import jax.numpy as jnp
import numpy as np

from gan_unlearn_jax import canaries
from gan_unlearn_jax import classifier
from gan_unlearn_jax import metrics
from gan_unlearn_jax import rngs
from gan_unlearn_jax import sampling


@dataclasses.dataclass(frozen=True)
class QualityGuard:
  """What `unlearn.fcd_stop_ratio` compares: C's features of real probe
  images of the kept content, and the FCD of the original's check samples
  to them (`sample_fcd`)."""
  real_features: np.ndarray
  original_fcd: float
  max_ratio: float


def sample_fcd(c_state, samples, real_features, dropped=None) -> float:
  """FCD of `samples` (less those where `dropped` is set) to
  `real_features`."""
  features = np.asarray(classifier.features(c_state, samples))
  if dropped is not None:
    features = features[~dropped]
  return metrics.frechet_distance(features, real_features)


def check(config, request, g_state, d_state, c_state, forget_images,
          probe_images, check_latents, class_rate_stop: float,
          quality: Optional[QualityGuard] = None) -> tuple[bool, dict, tuple]:
  """The `heldout_match` rule, a two-sided band: D (in inference mode, as it
  is attacked) can tell forget images from probe images no better and no
  worse than chance, `|AUC - 0.5| <= margin`; and, for a class or canaries,
  G rarely draws the class or the mark (share < `class_rate_stop`, see
  `class_rate_target`, or `unlearn.canary_rate_stop`); and, with `quality`,
  G's check samples are at most `max_ratio` times as far (FCD) from real
  images of the kept content as the original's.

  margin = max(`unlearn.tolerance`, `unlearn.tolerance_se` x the AUC's
  standard error for these image counts when D cannot tell them apart).
  Returns (in band, status, (forget scores, probe scores)).
  """
  cfg = config.unlearn
  forget = forget_images[:cfg.check_size]
  probe = probe_images[:cfg.check_size]
  # One call (inference mode: no batch statistics), one compilation.
  scores = np.asarray(sampling.discriminator_scores(
      d_state, jnp.concatenate([forget, probe])))
  scores = scores[:len(forget)], scores[len(forget):]
  auc = metrics.roc_auc(*scores)
  margin = max(cfg.tolerance, cfg.tolerance_se * metrics.auc_null_se(
      len(forget), len(probe)))
  status = {'forget_auc': auc, 'forget_auc_band': [0.5 - margin, 0.5 + margin]}
  stop = d_in_band(status)
  samples = (None if check_latents is None else
             sampling.generate(g_state, check_latents))
  # C labels each sample once, for the class share and the quality guard.
  in_class = _in_class(c_state, samples, request.forget_class)
  if request.kind == 'class':
    status['forget_class_rate'] = float(np.mean(in_class))
    status['class_rate_stop'] = class_rate_stop
  if request.canaries:
    status['canary_rate'] = float(np.mean(canaries.has_mark(samples)))
  for rate, rate_stop in (('forget_class_rate', class_rate_stop),
                          ('canary_rate', cfg.canary_rate_stop)):
    if rate in status:
      stop = stop and status[rate] < rate_stop
  if quality is not None:
    status['check_fcd_ratio'] = sample_fcd(
        c_state, samples, quality.real_features,
        in_class) / quality.original_fcd
    stop = stop and status['check_fcd_ratio'] <= quality.max_ratio
  return stop, status, scores


def d_in_band(status: dict) -> bool:
  """Whether a check's status has D's part of the rule: the forget AUC in
  its band."""
  low, high = status['forget_auc_band']
  return low <= status['forget_auc'] <= high


def needs_other_kinds(config, request) -> bool:
  """Whether the rule reads the probe half's images of the kept content: for
  the quality guard, or for a class target set by `C`'s errors on them."""
  return bool(config.unlearn.fcd_stop_ratio) or (
      request.kind == 'class' and config.unlearn.class_rate_stop_probe)


def check_latents(config, request) -> Optional[jax.Array]:
  """The latents on which a check measures G's share of the class or of the
  mark, and its samples' quality (None when the rule reads no samples)."""
  if request.kind == 'class' or request.canaries or (
      config.unlearn.fcd_stop_ratio):
    return jax.random.normal(rngs.key(config.seed, 'checks'),
                             (config.unlearn.check_size,
                              config.model.latent_dim))
  return None


def quality_guard(config, request, g_state, c_state, check_latents,
                  other_probe_images) -> Optional[QualityGuard]:
  """The `unlearn.fcd_stop_ratio` guard of a request from `g_state` (None
  when the ratio is 0): real images are `other_probe_images`, the probe
  half's images of the kept content."""
  if not config.unlearn.fcd_stop_ratio:
    return None
  if other_probe_images is None or check_latents is None:
    raise ValueError('unlearn.fcd_stop_ratio needs check latents and the '
                     'probe images of the kept content.')
  real = np.asarray(classifier.features(c_state, other_probe_images))
  samples = sampling.generate(g_state, check_latents)
  original = sample_fcd(c_state, samples, real,
                        _in_class(c_state, samples, request.forget_class))
  return QualityGuard(real, original, config.unlearn.fcd_stop_ratio)


def class_rate_target(config, request, c_state, other_probe_images) -> float:
  """The class share below which a class request may stop:
  `unlearn.class_rate_stop`, or with `unlearn.class_rate_stop_probe` the
  share of `other_probe_images` (real images of the other classes) that `C`
  assigns to the class, if that is higher."""
  rate_stop = config.unlearn.class_rate_stop
  if request.kind != 'class' or not config.unlearn.class_rate_stop_probe:
    return rate_stop
  if other_probe_images is None:
    raise ValueError('unlearn.class_rate_stop_probe needs the probe images '
                     'of the other classes.')
  return max(rate_stop, float(np.mean(_in_class(
      c_state, other_probe_images, request.forget_class))))


def _in_class(c_state, images, forget_class: Optional[int]):
  """Whether `C` assigns each of `images` to `forget_class` (None without a
  class or images)."""
  if forget_class is None or images is None:
    return None
  classes = jnp.argmax(classifier.predict_logits(c_state, images), -1)
  return np.asarray(classes == forget_class)


@dataclasses.dataclass
class Kept:
  """The state a request ends in, with the check that chose it."""
  calls: int
  states: Any  # Host copies; None for the original.
  status: dict[str, Any]
  scores: tuple[np.ndarray, np.ndarray]

  @property
  def distance(self) -> float:
    return abs(self.status['forget_auc'] - 0.5)

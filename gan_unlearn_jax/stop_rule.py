"""The `heldout_match` stop rule: the forget set is as unknown to D as
held-out images of its kind (docs/method.md, "The loop and the stop rule")."""

import dataclasses
from typing import Any

import jax.numpy as jnp
import numpy as np

from gan_unlearn_jax import canaries
from gan_unlearn_jax import classifier
from gan_unlearn_jax import metrics
from gan_unlearn_jax import sampling


def check(config, request, g_state, d_state, c_state, forget_images,
          probe_images, check_latents,
          class_rate_stop: float) -> tuple[bool, dict, tuple]:
  """The `heldout_match` rule, a two-sided band: D (in inference mode, as it
  is attacked) can tell forget images from probe images no better and no
  worse than chance, `|AUC - 0.5| <= margin`; and, for a class or canaries,
  G rarely draws the class or the mark (share < `class_rate_stop`, see
  `class_rate_target`, or `unlearn.canary_rate_stop`).

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
  stop = abs(auc - 0.5) <= margin
  if request.kind == 'class':
    status['forget_class_rate'] = _class_share(
        c_state, sampling.generate(g_state, check_latents),
        request.forget_class)
    status['class_rate_stop'] = class_rate_stop
  if request.canaries:
    status['canary_rate'] = float(np.mean(canaries.has_mark(
        sampling.generate(g_state, check_latents))))
  for rate, rate_stop in (('forget_class_rate', class_rate_stop),
                          ('canary_rate', cfg.canary_rate_stop)):
    if rate in status:
      stop = stop and status[rate] < rate_stop
  return stop, status, scores


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
  return max(rate_stop, _class_share(c_state, other_probe_images,
                                     request.forget_class))


def _class_share(c_state, images, forget_class: int) -> float:
  """The share of `images` that `C` assigns to `forget_class`."""
  classes = jnp.argmax(classifier.predict_logits(c_state, images), -1)
  return float(jnp.mean(classes == forget_class))


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

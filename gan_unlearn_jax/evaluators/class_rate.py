"""Class requests: how much of the forgotten class G still draws, and the
quality of the rest (the retained classes' FCD and KID)."""

from typing import Any

import numpy as np

from gan_unlearn_jax import metrics
from gan_unlearn_jax.evaluators import base


def evaluate(context: base.Context, model: base.Model) -> dict[str, Any]:
  if context.request is None or context.request.kind != 'class':
    return {}
  c = context.request.forget_class
  retained = model.sample_classes != c
  samples = model.sample_features[retained]
  real = context.real_features[context.real_labels != c]
  kid, kid_se = metrics.kernel_distance(samples, real)
  return {
      'forget_class_rate': float(np.mean(~retained)),
      'forget_class_prob': float(model.sample_probabilities[:, c].mean()),
      'fcd_retained': metrics.frechet_distance(samples, real),
      'kid_retained': kid, 'kid_retained_se': kid_se}

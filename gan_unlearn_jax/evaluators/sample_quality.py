"""Sample quality in `C`'s eyes: FCD, classifier score, per-class FCD.

The real images are the evaluation half of the test split. For a class
request the per-class FCDs cover the retained classes only.
"""

from typing import Any

from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import metrics
from gan_unlearn_jax.evaluators import base


def evaluate(context: base.Context, model: base.Model) -> dict[str, Any]:
  features, classes = model.sample_features, model.sample_classes
  forget_class = context.request and context.request.forget_class
  per_class = {}
  for c, name in enumerate(input_pipeline.class_names(
      context.config.data.name)):
    own = features[classes == c]
    if c != forget_class:  # None where fewer than two samples land in it.
      per_class[name] = (metrics.frechet_distance(
          own, context.real_features[context.real_labels == c])
                         if len(own) >= 2 else None)
  return {'fcd': metrics.frechet_distance(features, context.real_features),
          'classifier_score': metrics.classifier_score(
              model.sample_probabilities),
          'fcd_per_class': per_class}

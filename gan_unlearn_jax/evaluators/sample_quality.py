"""Sample quality in `C`'s eyes, against the test split's real images.

FCD (the Frechet distance of `C`'s penultimate features; biased upward, by
more for fewer samples), KID (the unbiased kernel distance, with its
standard error), the classifier score, and per class (the retained classes
of a class request) the FCD and the count of samples `C` assigns to it:
None below `evaluation.min_class_samples`, where the bias dominates.
"""

from typing import Any

from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import metrics
from gan_unlearn_jax.evaluators import base


def evaluate(context: base.Context, model: base.Model) -> dict[str, Any]:
  features, classes = model.sample_features, model.sample_classes
  forget_class = context.request and context.request.forget_class
  minimum = context.config.evaluation.min_class_samples
  fcd_per_class, count_per_class = {}, {}
  for c, name in enumerate(input_pipeline.class_names(
      context.config.data.name)):
    if c == forget_class:
      continue
    own = features[classes == c]
    count_per_class[name] = len(own)
    fcd_per_class[name] = (metrics.frechet_distance(
        own, context.real_features[context.real_labels == c])
                           if len(own) >= max(minimum, 2) else None)
  kid, kid_se = metrics.kernel_distance(features, context.real_features)
  return {'fcd': metrics.frechet_distance(features, context.real_features),
          'kid': kid, 'kid_se': kid_se,
          'classifier_score': metrics.classifier_score(
              model.sample_probabilities),
          'fcd_per_class': fcd_per_class,
          'samples_per_class': count_per_class}

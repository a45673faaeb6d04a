"""The downstream task: a fresh classifier of `C`'s architecture trained on
the samples labelled by `C`, tested on the test split
(class requests: retained and forgotten classes apart)."""

from typing import Any

import jax.numpy as jnp
import numpy as np

from gan_unlearn_jax import classifier
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import rngs
from gan_unlearn_jax.evaluators import base


def evaluate(context: base.Context, model: base.Model) -> dict[str, Any]:
  config = context.config
  state = classifier.train_classifier(
      config, input_pipeline.Split(model.samples,
                                   jnp.asarray(model.sample_classes)),
      rngs.key(config.evaluation.seed, 'downstream'),
      epochs=config.evaluation.downstream_epochs)
  predictions = jnp.argmax(classifier.predict_logits(
      state, context.real_images), -1)
  correct = np.asarray(predictions) == context.real_labels
  request = context.request
  if request is None or request.kind != 'class':
    return {'downstream_accuracy': float(correct.mean())}
  forgotten = context.real_labels == request.forget_class
  return {'downstream_accuracy_retained': float(correct[~forgotten].mean()),
          'downstream_accuracy_forgotten': float(correct[forgotten].mean())}

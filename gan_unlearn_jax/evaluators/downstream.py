"""The downstream task: a fresh classifier of `C`'s architecture trained on
the samples labelled by `C`, tested on the test split
(class requests: retained and forgotten classes apart).

One training is one draw: on a class request, where a few percent of the
samples carry the class, the accuracy on it moves by tens of points from one
sample set and initialisation to the next. So `evaluation.downstream_repeats`
classifiers are trained, each on its own samples (the first on the shared
evaluation samples) and from its own initialisation; the mean is reported
with the [min, max] of the repeats (`_range`).
"""

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from gan_unlearn_jax import classifier
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import rngs
from gan_unlearn_jax.evaluators import base


def _samples(model: base.Model, repeat: int) -> tuple[jax.Array, jax.Array]:
  """The repeat's samples, labelled by `C`: the shared evaluation samples
  first, then samples of the repeat's own latents."""
  if repeat:
    context = model.context
    key = rngs.key(context.config.evaluation.seed, 'downstream_samples')
    latents = jax.random.normal(jax.random.fold_in(key, repeat),
                                context.latents.shape)
    model = base.Model(model.name, model.g_state, model.d_state, context,
                       latents)
  return model.samples, jnp.asarray(model.sample_classes)


def _correct(context: base.Context, model: base.Model,
             repeat: int) -> np.ndarray:
  """Whether the repeat's classifier labels each test image right."""
  config = context.config
  key = rngs.key(config.evaluation.seed, 'downstream')
  state = classifier.train_classifier(
      config, input_pipeline.Split(*_samples(model, repeat)),
      key if repeat == 0 else jax.random.fold_in(key, repeat),
      epochs=config.evaluation.downstream_epochs)
  predictions = jnp.argmax(classifier.predict_logits(
      state, context.real_images), -1)
  return np.asarray(predictions) == context.real_labels


def evaluate(context: base.Context, model: base.Model) -> dict[str, Any]:
  repeats = context.config.evaluation.downstream_repeats
  correct = np.stack([_correct(context, model, r) for r in range(repeats)])
  request = context.request
  if request is None or request.kind != 'class':
    accuracies = {'downstream_accuracy': correct.mean(1)}
  else:
    forgotten = context.real_labels == request.forget_class
    accuracies = {
        'downstream_accuracy_retained': correct[:, ~forgotten].mean(1),
        'downstream_accuracy_forgotten': correct[:, forgotten].mean(1)}
  results = {'downstream_repeats': repeats}
  for key, values in accuracies.items():
    results[key] = float(values.mean())
    results[f'{key}_range'] = [float(values.min()), float(values.max())]
  return results

"""Does D still tell real images from G's samples?

D's inference-mode AUC of a sample of the remaining training images (the
membership evaluator's) against the model's own samples, with its bootstrap
interval, and D's mean score of each. Unlearning must not buy D's forgetting
with its judgement of the rest: a D that scores every real image low, or one
that stopped learning while G went on and now takes G's samples for real,
shows here. The retrained models give the level of a D trained as usual.
"""

from typing import Any

import numpy as np

from gan_unlearn_jax import metrics
from gan_unlearn_jax import sampling
from gan_unlearn_jax.evaluators import base


def evaluate(context: base.Context, model: base.Model) -> dict[str, Any]:
  score = lambda images: np.asarray(sampling.discriminator_scores(
      model.d_state, images))
  real = score(context.remaining_and_nonmembers[0])
  generated = score(model.samples)
  return {'d_real_vs_generated_auc': metrics.roc_auc(real, generated),
          'd_real_vs_generated_auc_ci95': list(
              metrics.bootstrap_interval(real, generated)),
          'd_remaining_score': float(real.mean()),
          'd_generated_score': float(generated.mean())}

"""Runs with canaries: the share of samples that show the canaries' mark."""

from typing import Any

import numpy as np

from gan_unlearn_jax import canaries
from gan_unlearn_jax.evaluators import base


def evaluate(context: base.Context, model: base.Model) -> dict[str, Any]:
  if not context.config.data.canaries:
    return {}
  return {'canary_rate': float(np.mean(canaries.has_mark(model.samples)))}

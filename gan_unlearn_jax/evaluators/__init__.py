"""Evaluators chosen by name (`config.evaluation.evaluators`).

An evaluator is a module `gan_unlearn_jax/evaluators/<name>.py` with a
function `evaluate(context: base.Context, model: base.Model) -> dict` that
returns named numbers (an empty dict where it does not apply, e.g. a class
evaluator on an item request). Adding one is adding its file and naming it
in the config.
"""

import importlib
import pkgutil
from typing import Any, Callable, Sequence

from gan_unlearn_jax.errors import UserError
from gan_unlearn_jax.evaluators.base import Context
from gan_unlearn_jax.evaluators.base import Model

Evaluator = Callable[[Context, Model], dict[str, Any]]
_NOT_EVALUATORS = ('base',)


def names() -> list[str]:
  """Every evaluator this package holds."""
  return sorted(info.name for info in pkgutil.iter_modules(__path__)
                if info.name not in _NOT_EVALUATORS)


def get(name: str) -> Evaluator:
  if name not in names():
    raise UserError(f'config.evaluation.evaluators: unknown evaluator '
                    f'{name!r}; choose from {names()}.')
  return importlib.import_module(f'{__name__}.{name}').evaluate


def need_reference(evaluator_names: Sequence[str]) -> bool:
  """Whether a named evaluator reads the reference GAN (`NEEDS_REFERENCE`)."""
  return any(getattr(importlib.import_module(f'{__name__}.{name}'),
                     'NEEDS_REFERENCE', False) for name in evaluator_names)


def attack_scores(context: Context, model: Model,
                  evaluator_names: Sequence[str]) -> dict[str, tuple]:
  """{attack: (member scores, non-member scores)} of every named evaluator
  that is a membership attack (one with an `attack_scores` function)."""
  scores = {}
  for name in evaluator_names:
    module = importlib.import_module(f'{__name__}.{name}')
    if hasattr(module, 'attack_scores'):
      scores.update(module.attack_scores(context, model))
  return scores


def evaluate(context: Context, model: Model,
             evaluator_names: Sequence[str]) -> dict[str, Any]:
  """The metrics of `model` from each named evaluator, in one flat dict."""
  results = {}
  for name in evaluator_names:
    results.update(get(name)(context, model))
  return results


__all__ = ['Context', 'Model', 'attack_scores', 'evaluate', 'get', 'names',
           'need_reference']

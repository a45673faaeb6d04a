"""Evaluators chosen by name, on a tiny untrained GAN and real MNIST."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_unlearn_jax import classifier
from gan_unlearn_jax import evaluators
from gan_unlearn_jax import experiment
from gan_unlearn_jax import heldout
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import train
from gan_unlearn_jax.errors import UserError


@pytest.fixture(scope='module')
def setting():
  from configs import test  # pylint: disable=g-import-not-at-top
  config = test.get_config()
  exp = experiment.Experiment(config, '/nonexistent')  # Writes nothing.
  states = train.create_train_states(config, jax.random.key(0))
  c_state = classifier.create_state(config, jax.random.key(1))
  return config, exp, states, c_state


def _evaluate(setting, test_split, names=None):
  config, exp, states, c_state = setting
  context = evaluators.Context(config, c_state, exp.request, exp.train_split,
                               test_split)
  return evaluators.evaluate(context, context.model('m', *states),
                             names or config.evaluation.evaluators)


def test_registry_names_every_evaluator_and_refuses_others():
  assert evaluators.names() == ['canary_rate', 'class_rate', 'downstream',
                                'membership', 'sample_quality']
  with pytest.raises(UserError, match="unknown evaluator 'fid'"):
    evaluators.get('fid')


def test_evaluators_that_do_not_apply_report_nothing(setting):
  assert _evaluate(setting, setting[1].test_split,
                   ('class_rate', 'canary_rate')) == {}


def test_evaluation_never_reads_the_probe_half(setting):
  test_split = setting[1].test_split
  probe = heldout.probe_ids(test_split)
  # The probe half (what the stop rule and the fake label saw) overwritten.
  scrambled = input_pipeline.Split(
      test_split.images.at[probe].set(1.0),
      test_split.labels.at[probe].set((test_split.labels[probe] + 1) % 10))
  metrics = _evaluate(setting, test_split)
  assert {'mia_whitebox_auc', 'mia_blackbox_auc', 'fcd', 'classifier_score',
          'downstream_accuracy'} <= set(metrics)
  assert _evaluate(setting, scrambled) == metrics
  # The evaluation half is read: changing it changes the numbers.
  evaluation = heldout.evaluation_ids(test_split)
  changed = dataclasses.replace(
      test_split, images=test_split.images.at[evaluation].multiply(-1.0))
  assert _evaluate(setting, changed, ('sample_quality',))['fcd'] != (
      metrics['fcd'])


def test_models_share_their_samples_between_evaluators(setting):
  config, exp, states, c_state = setting
  context = evaluators.Context(config, c_state, exp.request, exp.train_split,
                               exp.test_split)
  model = context.model('m', *states)
  evaluators.evaluate(context, model, ('sample_quality', 'membership'))
  samples = model.samples
  evaluators.evaluate(context, model, ('canary_rate',))
  assert model.samples is samples
  assert samples.shape == (config.evaluation.num_samples, 28, 28, 1)
  assert bool(jnp.all(jnp.abs(samples) <= 1))
  assert np.isclose(model.sample_probabilities.sum(1), 1, atol=1e-4).all()

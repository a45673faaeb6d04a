"""Evaluators chosen by name, on a tiny untrained GAN and real MNIST."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_unlearn_jax import classifier
from gan_unlearn_jax import evaluators
from gan_unlearn_jax import experiment
from gan_unlearn_jax import gan
from gan_unlearn_jax.errors import UserError


@pytest.fixture(scope='module')
def setting():
  from configs import test  # pylint: disable=g-import-not-at-top
  config = test.get_config()
  exp = experiment.Experiment(config, '/nonexistent')  # Writes nothing.
  states = gan.create_train_states(config, jax.random.key(0))
  c_state = classifier.create_state(config, jax.random.key(1))
  return config, exp, states, c_state


def _context(setting, train_split=None):
  config, exp, _, c_state = setting
  return evaluators.Context(config, c_state, exp.request,
                            train_split or exp.train_split, exp.test_split,
                            exp.holdout, exp.train_ids)


def _evaluate(setting, train_split=None, names=None):
  context = _context(setting, train_split)
  return evaluators.evaluate(context, context.model('m', *setting[2]),
                             names or setting[0].evaluation.evaluators)


def test_registry_names_every_evaluator_and_refuses_others():
  assert evaluators.names() == ['canary_rate', 'class_rate', 'downstream',
                                'membership', 'reconstruction',
                                'sample_quality']
  with pytest.raises(UserError, match="unknown evaluator 'fid'"):
    evaluators.get('fid')


def test_evaluators_that_do_not_apply_report_nothing(setting):
  assert _evaluate(setting, names=('class_rate', 'canary_rate')) == {}


def test_evaluation_never_reads_the_holdouts_probe_half(setting):
  _, exp, _, _ = setting
  images = exp.train_split.images
  # The probe half (what the stop rule and the fake label saw) overwritten.
  scrambled = dataclasses.replace(
      exp.train_split, images=images.at[exp.holdout.probe_ids].set(1.0))
  metrics = _evaluate(setting)
  assert {'mia_whitebox_auc', 'mia_blackbox_auc', 'mia_reconstruction_auc',
          'mia_whitebox_remaining_auc', 'fcd', 'kid', 'classifier_score',
          'downstream_accuracy'} <= set(metrics)
  assert metrics['num_nonmembers'] == len(exp.holdout.evaluation_ids)
  assert _evaluate(setting, scrambled) == metrics
  # The evaluation half is read: changing it changes the numbers.
  changed = dataclasses.replace(
      exp.train_split, images=images.at[exp.holdout.evaluation_ids].multiply(
          -1.0))
  assert _evaluate(setting, changed, ('membership',))['mia_whitebox_auc'] != (
      metrics['mia_whitebox_auc'])


def test_settings_are_chosen_on_the_probe_half_when_asked(setting):
  config, exp, states, c_state = setting
  config = config.copy_and_resolve_references()
  config.evaluation.nonmembers = 'probe'
  images = exp.train_split.images
  def auc(split):
    context = evaluators.Context(config, c_state, exp.request, split,
                                 exp.test_split, exp.holdout, exp.train_ids)
    return evaluators.evaluate(context, context.model('m', *states),
                               ('membership',))['mia_whitebox_auc']

  changed = lambda ids: dataclasses.replace(
      exp.train_split, images=images.at[ids].multiply(-1.0))
  assert auc(changed(exp.holdout.evaluation_ids)) == auc(exp.train_split)
  assert auc(changed(exp.holdout.probe_ids)) != auc(exp.train_split)


def test_models_share_their_samples_between_evaluators(setting):
  context = _context(setting)
  model = context.model('m', *setting[2])
  evaluators.evaluate(context, model, ('sample_quality', 'membership'))
  samples = model.samples
  evaluators.evaluate(context, model, ('canary_rate',))
  assert model.samples is samples
  assert samples.shape == (setting[0].evaluation.num_samples, 28, 28, 1)
  assert bool(jnp.all(jnp.abs(samples) <= 1))
  assert np.isclose(model.sample_probabilities.sum(1), 1, atol=1e-4).all()

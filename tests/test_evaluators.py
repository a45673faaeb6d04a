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
from gan_unlearn_jax import sampling
from gan_unlearn_jax import train
from gan_unlearn_jax.errors import UserError
from gan_unlearn_jax.evaluators import downstream as downstream_module
from gan_unlearn_jax.evaluators import reconstruction


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
  assert evaluators.names() == ['canary_rate', 'class_rate', 'discriminator',
                                'downstream', 'membership', 'reconstruction',
                                'reconstruction_calibrated', 'sample_quality']
  assert evaluators.need_reference(['membership', 'reconstruction_calibrated'])
  assert not evaluators.need_reference(['membership', 'reconstruction'])
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


def test_the_discriminator_evaluator_ranks_remaining_images_over_samples(
    setting):
  context = _context(setting)
  model = context.model('m', *setting[2])
  remaining = context.remaining_and_nonmembers[0]
  # A G that draws the remaining images themselves: D cannot tell them apart.
  model.samples = remaining
  same = evaluators.evaluate(context, model, ('discriminator',))
  assert same['d_real_vs_generated_auc'] == 0.5
  assert same['d_remaining_score'] == same['d_generated_score']
  # The 16 real images D scores lowest, as the samples: every comparison is
  # won but those among the 16 themselves, of which half are.
  scores = np.asarray(sampling.discriminator_scores(model.d_state, remaining))
  model.samples = remaining[scores.argsort()[:16]]
  low = evaluators.evaluate(context, model, ('discriminator',))
  assert np.isclose(low['d_real_vs_generated_auc'],
                    1 - 0.5 * 16 / len(remaining))
  lower, upper = low['d_real_vs_generated_auc_ci95']
  assert lower <= low['d_real_vs_generated_auc'] <= upper
  assert low['d_generated_score'] < low['d_remaining_score']


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


def test_the_calibrated_attack_ranks_by_the_reference_error_minus_the_models(
    setting):
  config, _, states, _ = setting
  config = config.copy_and_resolve_references()
  config.evaluation.reconstruction_max_images = 32
  config.evaluation.reconstruction_steps = 10
  other = gan.create_train_states(config, jax.random.key(5))
  names = ('reconstruction', 'reconstruction_calibrated')

  def scores(reference):
    context = dataclasses.replace(_context(setting), config=config,
                                  reference=reference)
    model = context.model('m', *states)
    return (evaluators.attack_scores(context, model, names),
            reconstruction.attack_scores(context, context.reference_model),
            evaluators.evaluate(context, model, names))

  got, reference, _ = scores(other)
  for attack in ('reconstruction', 'reconstruction_remaining'):
    calibrated = attack.replace('reconstruction', 'reconstruction_calibrated')
    for k in range(2):  # Members, non-members: -error + reference error.
      np.testing.assert_allclose(got[calibrated][k],
                                 got[attack][k] - reference[attack][k])
  # Its own reference: every image is as easy for the model as for the
  # reference, so nothing ranks members above non-members.
  _, _, metrics = scores(states)
  assert metrics['mia_reconstruction_calibrated_auc'] == 0.5
  assert metrics['mia_reconstruction_auc'] != 0.5


def test_the_reference_gan_trains_on_the_probe_half_as_long_as_the_original(
    setting, tmp_path, monkeypatch):
  config = setting[0].copy_and_resolve_references()
  fits = []
  monkeypatch.setattr(train, 'fit', lambda *args: fits.append(args))
  experiment.Experiment(config, str(tmp_path)).train_reference()
  assert not fits  # `all` without a calibrated evaluator: no reference.

  config.evaluation.evaluators = ('membership', 'reconstruction_calibrated')
  exp = experiment.Experiment(config, str(tmp_path))
  with pytest.raises(UserError, match='--config.mode=reference'):
    exp.evaluation_context()  # Nothing trained it yet.
  exp.train_reference()
  (fit_config, _, name, _, _, example_ids, steps), = fits
  assert name == 'reference' and steps == exp.training_summary()['steps']
  np.testing.assert_array_equal(example_ids, exp.holdout.probe_ids)
  assert fit_config.seed not in [config.seed] + [
      exp.retrain_seed(k) for k in range(8)]

  config.evaluation.nonmembers = 'probe'  # What the reference trained on.
  with pytest.raises(UserError, match='nonmembers=probe'):
    experiment.Experiment(config, str(tmp_path))


def test_downstream_repeats_train_on_their_own_samples_and_give_a_range(
    setting):
  config, _, states, _ = setting
  def downstream(repeats):
    context = dataclasses.replace(_context(setting),
                                  config=config.copy_and_resolve_references())
    context.config.evaluation.downstream_repeats = repeats
    model = context.model('m', *states)
    return model, evaluators.evaluate(context, model, ('downstream',))

  model, one = downstream(1)
  _, three = downstream(3)
  assert one['downstream_repeats'] == 1 and three['downstream_repeats'] == 3
  assert one['downstream_accuracy_range'] == [one['downstream_accuracy']] * 2
  low, high = three['downstream_accuracy_range']
  # The first repeat is the single one: the shared samples, the same start.
  assert low <= one['downstream_accuracy'] <= high
  assert low <= three['downstream_accuracy'] <= high
  later, _ = downstream_module._samples(model, 1)
  assert later.shape == model.samples.shape
  assert not np.allclose(later, model.samples)

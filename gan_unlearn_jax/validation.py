"""Errors a user can cause, and the checks that turn them into one clear message."""

import jax
import ml_collections

from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax.errors import UserError

FAKE_LABEL_MODES = ('generated', 'substitute', 'heldout', 'zero', 'matched')


def validate_config(config: ml_collections.ConfigDict) -> None:
  """Refuses a config that cannot run, naming the field and the fix."""
  def need(ok, field, message):
    if not ok:
      raise UserError(f'config.{field}={config_value(config, field)!r}: '
                      f'{message}')

  need(config.data.name in input_pipeline.DATASETS, 'data.name',
       f'unknown dataset; choose one of {sorted(input_pipeline.DATASETS)}.')
  for field in ('train.batch_size', 'train.epochs', 'model.latent_dim',
                'model.g_width', 'model.d_width', 'train.log_every',
                'train.checkpoint_every', 'data.canary_repeats',
                'data.holdout_size', 'retrain.num_models'):
    value = config_value(config, field)
    need(isinstance(value, int) and value > 0, field,
         'must be a positive integer.')
  for field, choices in (('unlearn.cascade', ('interleaved', 'staged')),
                        ('unlearn.fake_label', FAKE_LABEL_MODES),
                        ('unlearn.forget_batch_norm',
                         ('separate', 'with_remaining', 'running')),
                        ('unlearn.stop', ('heldout_match', 'epochs')),
                        ('unlearn.d_in_band', ('unlearn', 'freeze', 'learn')),
                        ('substitution.distance', ('classifier', 'pixel')),
                        ('substitution.canary_latents', ('nearest', 'marked')),
                        ('substitution.canary_targets', ('nearest', 'erased')),
                        ('fake_label.matched_level', ('heldout', 'generated')),
                        ('substitution.target_space', ('latent', 'feature')),
                        ('substitution.batch_norm', ('batch', 'running')),
                        ('substitution.anchors', ('spread', 'like_class')),
                        ('evaluation.nonmembers', ('evaluation', 'probe'))):
    need(config_value(config, field) in choices, field,
         f'choose one of {choices}.')
  for field in ('unlearn.batch_size', 'unlearn.epochs', 'unlearn.check_every',
                'unlearn.check_size', 'unlearn.checks_in_a_row',
                'substitution.pool_size', 'substitution.num_class_latents',
                'fake_label.num_samples', 'classifier.epochs',
                'classifier.batch_size', 'evaluation.num_samples',
                'evaluation.max_members', 'evaluation.downstream_epochs',
                'evaluation.downstream_repeats', 'evaluation.num_remaining',
                'evaluation.reconstruction_starts',
                'evaluation.reconstruction_steps',
                'evaluation.reconstruction_max_images',
                'evaluation.min_class_samples'):
    value = config_value(config, field)
    need(isinstance(value, int) and value > 0, field,
         'must be a positive integer.')
  for field in ('data.canaries', 'substitution.num_anchor_latents',
                'unlearn.warmup_steps', 'unlearn.decay_steps'):
    value = config_value(config, field)
    need(isinstance(value, int) and value >= 0, field,
         'must be a non-negative integer.')
  for field in ('substitution.search_size', 'substitution.batch_size'):
    value = config_value(config, field)
    need(value is None or (isinstance(value, int) and value > 0), field,
         'must be None or a positive integer.')
  for field in ('unlearn.class_rate_stop', 'unlearn.canary_rate_stop'):
    need(0 <= config_value(config, field) <= 1, field,
         'must be a share in [0, 1].')
  for field in ('unlearn.lambda_sub', 'unlearn.tolerance',
                'unlearn.tolerance_se', 'unlearn.fcd_stop_ratio'):
    need(config_value(config, field) >= 0, field, 'must be >= 0.')
  need(config.substitution.anchors != 'like_class' or
       config.unlearn.request.startswith('class:'), 'substitution.anchors',
       "'like_class' needs a class request (unlearn.request='class:N').")
  need(config.substitution.canary_targets == 'nearest' or
       config.unlearn.request == 'canaries', 'substitution.canary_targets',
       "'erased' needs the canary request (unlearn.request='canaries').")
  need(0 < config.unlearn.decay_to <= 1, 'unlearn.decay_to',
       'must be a share in (0, 1].')
  names = tuple(config.evaluation.evaluators)
  need(len(set(names)) == len(names), 'evaluation.evaluators',
       'names an evaluator twice (it would run twice).')
  need(0 <= config.unlearn.g_average < 1, 'unlearn.g_average',
       'must be a decay in [0, 1) (0: no average).')
  need(config.train.learning_rate > 0, 'train.learning_rate',
       'must be positive.')
  for field, unset in (('learning_rate', "the original's"),
                       ('d_learning_rate', 'unlearn.learning_rate')):
    rate = config.unlearn.get(field)
    need(rate is None or rate > 0, f'unlearn.{field}',
         f'must be None ({unset}) or positive.')
  warmup_ready = config.unlearn.fresh_optimizer and config.unlearn.learning_rate
  for field in ('warmup_steps', 'decay_steps'):
    need(not config.unlearn[field] or warmup_ready, f'unlearn.{field}',
         'needs unlearn.fresh_optimizer (a schedule counts its own steps) '
         'and unlearn.learning_rate.')
  need(config.evaluation.num_samples >= config.classifier.batch_size,
       'evaluation.num_samples', 'the downstream classifier trains on the '
       'samples: use at least classifier.batch_size '
       f'({config.classifier.batch_size}).')
  devices = jax.device_count()
  for field in ('train.batch_size', 'unlearn.batch_size',
                'substitution.batch_size'):
    need((config_value(config, field) or 0) % devices == 0, field,
         f'the global batch must split evenly over the {devices} devices '
         f'(per-device batch = global batch / device count); use a multiple '
         f'of {devices}.')
  c_size = config.classifier.get('train_size')
  need(c_size is None or (isinstance(c_size, int) and
                          c_size >= config.classifier.batch_size),
       'classifier.train_size',
       'must be None (the whole split) or an integer >= classifier.batch_size.')
  size = config.data.get('train_size')
  need(size is None or (isinstance(size, int) and
                        config.train.batch_size <= size), 'data.train_size',
       'must be None (the whole split) or an integer >= train.batch_size.')


def config_value(config: ml_collections.ConfigDict, field: str):
  value = config
  for part in field.split('.'):
    value = value.get(part) if hasattr(value, 'get') else None
  return value

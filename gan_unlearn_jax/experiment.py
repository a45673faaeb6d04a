"""The stages of an experiment and the `--config.mode` dispatch.

`all` runs: original (reused when `checkpoints/original` is complete), the
classifier, unlearning, retraining from scratch and fine-tuning; each stage's
wall-clock seconds go to `timings.json`.
"""

import functools
import json
import os
import time

from absl import logging
import jax
import ml_collections
import numpy as np

from gan_unlearn_jax import checkpoints
from gan_unlearn_jax import classifier
from gan_unlearn_jax import evaluate
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import monitoring
from gan_unlearn_jax import requests
from gan_unlearn_jax import train
from gan_unlearn_jax import unlearn
from gan_unlearn_jax import validation
from gan_unlearn_jax.errors import UserError


def initialize_distributed(config: ml_collections.ConfigDict) -> None:
  """Joins JAX's multi-process runtime when the config asks for it."""
  if config.distributed:
    jax.distributed.initialize()


def write_timings(workdir: str, timings: dict) -> None:
  """Merges `timings` into `timings.json` (earlier stages' seconds stay)."""
  path = os.path.join(workdir, 'timings.json')
  previous = {}
  if os.path.exists(path):
    with open(path) as f:
      previous = json.load(f)
  if timings:
    monitoring.write_json(path, {**previous, **timings})


class Experiment:
  """Holds what the stages share: data on device, the request, timings."""

  def __init__(self, config: ml_collections.ConfigDict, workdir: str):
    self.config, self.workdir = config, workdir
    images, labels = input_pipeline.load_numpy(config.data, 'train')
    self.train_ids = input_pipeline.train_subset(config.data, len(labels))
    self.request = None
    if config.mode != 'train':  # Validate the request before any work.
      self.request = requests.parse_request(config.unlearn, config.data.name,
                                            self.train_ids, labels)
    self.train_split = input_pipeline.Split(
        jax.numpy.asarray(input_pipeline.to_images(images)),
        jax.numpy.asarray(labels))
    self.timings = {}

  def _timed(self, stage: str, fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    self.timings[stage] = time.perf_counter() - start
    return result

  def _complete(self, name: str, example_ids) -> bool:
    steps = self.config.train.epochs * (
        len(example_ids) // self.config.train.batch_size)
    return checkpoints.latest_step(self.workdir, name) == steps

  def _template(self):
    g, d = train.create_train_states(self.config, jax.random.key(0))
    return {'g': g, 'd': d}

  def load(self, name: str):
    restored = checkpoints.load(self.workdir, name, self._template())
    return restored['g'], restored['d']

  @functools.cached_property
  def test_split(self):
    return input_pipeline.load_split(self.config.data, 'test')

  def train_original(self):
    if self._complete('original', self.train_ids):
      logging.info('Reusing the complete checkpoints/original.')
      return
    self._timed('train', train.train_gan, self.config, self.workdir,
                images=self.train_split.images, example_ids=self.train_ids)

  def classifier(self):
    if checkpoints.exists(self.workdir, classifier.NAME):
      return classifier.load_or_train(self.config, self.workdir)
    return self._timed('classifier', classifier.load_or_train, self.config,
                       self.workdir, self.train_split, self.test_split)

  def unlearn(self):
    original = self.load('original')
    c_state = self.classifier()
    _, record = self._timed(
        'unlearn', unlearn.unlearn_request, self.config, self.workdir,
        self.request, original, c_state, self.train_split.images,
        self.train_ids, self.test_split)
    self.timings['unlearn_precompute'] = record['precompute_s']

  def retrain(self):
    remain = np.setdiff1d(self.train_ids, self.request.forget_ids)
    name = f'retrained/{self.request.name}'
    if self._complete(name, remain):
      logging.info('Reusing the complete checkpoints/%s.', name)
      return
    self._timed('retrain', train.train_gan, self.config, self.workdir,
                name=name, images=self.train_split.images, example_ids=remain)

  def finetune(self):
    name = f'unlearned/{self.request.name}'
    record_path = os.path.join(checkpoints.directory(self.workdir, name),
                               'record.json')
    if not os.path.exists(record_path):
      raise UserError(f'No unlearning record at {record_path}; fine-tuning '
                      'runs as many steps as the unlearning took. Run '
                      '--config.mode=unlearn with this workdir first.')
    with open(record_path) as f:
      steps = json.load(f)['steps']
    states = self.load('original')
    remain = np.setdiff1d(self.train_ids, self.request.forget_ids)
    finetuned = f'finetuned/{self.request.name}'
    checkpoints.remove(self.workdir, finetuned)  # Never resume a stale one.
    self._timed('finetune', train.fit, self.config, self.workdir, finetuned,
                states, self.train_split.images, remain, steps)

  def evaluate(self):
    """Evaluates every model the workdir holds; writes `metrics.json`."""
    c_state = self.classifier()
    test_split = self.test_split
    models, missing = {}, {}
    for model in ('original', 'unlearned', 'retrained', 'finetuned'):
      name = (model if model == 'original'
              else f'{model}/{self.request.name}')
      if not checkpoints.exists(self.workdir, name):
        missing[model] = (f'no {checkpoints.directory(self.workdir, name)}; '
                          f'--config.mode={checkpoints.MAKER_MODE[model]} '
                          'makes it')
        logging.warning('Not evaluated: %s', missing[model])
        continue
      models[model] = evaluate.evaluate_model(
          self.config, *self.load(name), c_state, self.request,
          self.train_split, test_split)
      logging.info('%s: %s', model, models[model])
    if 'original' not in models:
      raise UserError(f'Nothing to evaluate: {missing["original"]}.')
    monitoring.write_json(os.path.join(self.workdir, 'metrics.json'), {
        'request': self.request.to_json(),
        'num_samples': self.config.evaluation.num_samples,
        'feature_extractor': 'penultimate layer of the classifier C '
                             '(checkpoints/classifier)',
        'metrics': models, 'missing': missing})


STAGES = {
    'train': ('train_original',),
    'unlearn': ('unlearn',),
    'retrain': ('retrain',),
    'finetune': ('finetune',),
    'evaluate': ('evaluate',),
    'all': ('train_original', 'unlearn', 'retrain', 'finetune', 'evaluate'),
}


def run(config: ml_collections.ConfigDict, workdir: str) -> dict:
  """Validates `config`, then runs the stages that `config.mode` names.

  Returns the wall-clock seconds of each stage run (also in timings.json).
  """
  validation.validate_config(config)
  experiment = Experiment(config, workdir)
  for stage in STAGES[config.mode]:
    getattr(experiment, stage)()
    write_timings(workdir, experiment.timings)
  logging.info('Timings (s): %s', experiment.timings)
  return experiment.timings

"""The stages of an experiment and the `--config.mode` dispatch.

`all` runs: original (reused when `checkpoints/original` is complete), the
classifier, unlearning, retraining from scratch, fine-tuning, and the
evaluation of every model into `report.json`, `report.md` and pictures. Each
stage's wall-clock seconds go to `timings.json`.
"""

import functools
import json
import os
import time
from typing import Optional

from absl import logging
import jax
import ml_collections
import numpy as np

from gan_unlearn_jax import canaries
from gan_unlearn_jax import checkpoints
from gan_unlearn_jax import classifier
from gan_unlearn_jax import evaluate
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import monitoring
from gan_unlearn_jax import report
from gan_unlearn_jax import requests
from gan_unlearn_jax import train
from gan_unlearn_jax import unlearn
from gan_unlearn_jax import validation
from gan_unlearn_jax.errors import UserError


def initialize_jax(config: ml_collections.ConfigDict) -> None:
  """Joins JAX's multi-process runtime and turns on the persistent
  compilation cache when the config asks for them.

  Fields left None are detected from the cluster environment (SLURM, Open
  MPI, Kubernetes, Cloud TPU) or `JAX_COORDINATOR_ADDRESS`.
  """
  if config.compilation_cache_dir:
    jax.config.update('jax_compilation_cache_dir',
                      config.compilation_cache_dir)
    jax.config.update('jax_persistent_cache_min_compile_time_secs', 0)
  if config.distributed:
    jax.distributed.initialize(config.coordinator_address,
                               config.num_processes, config.process_id)


class Experiment:
  """Holds what the stages share: data on device, the request, timings."""

  def __init__(self, config: ml_collections.ConfigDict, workdir: str):
    self.config, self.workdir = config, workdir
    images, labels = input_pipeline.load_numpy(config.data, 'train')
    self.train_ids = input_pipeline.train_subset(config.data, len(labels))
    self.canary_ids = canaries.canary_ids(config.data, self.train_ids)
    self.request = None
    if config.mode != 'train':  # Validate the request before any work.
      self.request = requests.parse_request(config.unlearn, config.data.name,
                                            self.train_ids, labels,
                                            self.canary_ids)
    self.train_split = input_pipeline.Split(
        jax.numpy.asarray(canaries.plant(input_pipeline.to_images(images),
                                         self.canary_ids)),
        jax.numpy.asarray(labels))
    self.timings = {}
    self._pool = None  # The original's substitution pool, once computed.

  def _timed(self, stage: str, fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    self._record_timings({stage: time.perf_counter() - start})
    return result

  def _record_timings(self, timings: dict[str, float]) -> None:
    """Adds `timings` to this run's and to `timings.json`, where earlier
    runs' seconds for other stages stay."""
    self.timings.update(timings)
    monitoring.write_json(self._timings_path,
                          {**self._read_timings(), **timings})

  @property
  def _timings_path(self) -> str:
    return os.path.join(self.workdir, 'timings.json')

  def _read_timings(self) -> dict[str, float]:
    if not os.path.exists(self._timings_path):
      return {}
    with open(self._timings_path) as f:
      return json.load(f)

  def _training_index(self, example_ids: np.ndarray) -> np.ndarray:
    """What an epoch over `example_ids` walks through: canaries repeated."""
    return canaries.training_index(example_ids, self.canary_ids,
                                   self.config.data.canary_repeats)

  @property
  def _original_examples(self) -> np.ndarray:
    return self._training_index(self.train_ids)

  @property
  def _remaining(self) -> np.ndarray:
    return self._training_index(
        np.setdiff1d(self.train_ids, self.request.forget_ids))

  def _steps(self, example_ids) -> int:
    return self.config.train.epochs * (
        len(example_ids) // self.config.train.batch_size)

  def training_summary(self) -> dict[str, int]:
    """The original's training length: epochs, examples, steps."""
    return {'epochs': self.config.train.epochs,
            'examples': len(self.train_ids),
            'steps': self._steps(self._original_examples)}

  def _complete(self, name: str, example_ids) -> bool:
    return checkpoints.latest_step(self.workdir, name) == self._steps(
        example_ids)

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
    example_ids = self._original_examples
    if self._complete('original', example_ids):
      logging.info('Reusing the complete checkpoints/original.')
      return
    self._pool = None
    self._timed('train', train.train_gan, self.config, self.workdir,
                images=self.train_split.images, example_ids=example_ids)

  def classifier(self):
    if checkpoints.exists(self.workdir, classifier.NAME):
      return classifier.load_or_train(self.config, self.workdir)
    return self._timed('classifier', classifier.load_or_train, self.config,
                       self.workdir, self.train_split, self.test_split)

  def unlearn(self):
    original = self.load('original')
    c_state = self.classifier()
    # The test split is data, loaded outside the timing like the training set.
    precompute_s = self._timed('unlearn', self._unlearn, original, c_state,
                               self.test_split)
    self._record_timings({'unlearn_precompute': precompute_s})

  def _unlearn(self, original, c_state, test_split) -> float:
    """Unlearns the request; returns the precomputation's seconds."""
    def pool():  # Request-independent: computed once per original model.
      if self._pool is None:
        self._pool = unlearn.substitution_pool(self.config, original[0],
                                               c_state)
      return self._pool
    _, record = unlearn.unlearn_request(
        self.config, self.workdir, self.request, original, c_state,
        self.train_split.images, self._original_examples, test_split, pool)
    return record['precompute_s']

  def retrain(self):
    remain = self._remaining
    name = f'retrained/{self.request.name}'
    if self._complete(name, remain):
      logging.info('Reusing the complete checkpoints/%s.', name)
      return
    self._timed('retrain', train.train_gan, self.config, self.workdir,
                name=name, images=self.train_split.images, example_ids=remain)

  def unlearning_record(self) -> Optional[dict]:
    """The last unlearning's `record.json` for this request (steps, stop-rule
    status, seconds), or None when it has not run."""
    path = os.path.join(checkpoints.directory(
        self.workdir, f'unlearned/{self.request.name}'), 'record.json')
    if not os.path.exists(path):
      return None
    with open(path) as f:
      return json.load(f)

  def finetune(self):
    record = self.unlearning_record()
    if record is None:
      raise UserError(
          f'No unlearning record in checkpoints/unlearned/{self.request.name}'
          '; fine-tuning runs as many steps as the unlearning took. Run '
          '--config.mode=unlearn with this workdir first.')
    steps = record['steps']
    states = unlearn.unlearning_optimizer(self.config, self.load('original'))
    remain = self._remaining
    finetuned = f'finetuned/{self.request.name}'
    checkpoints.remove(self.workdir, finetuned)  # Never resume a stale one.
    self._timed('finetune', train.fit, self.config, self.workdir, finetuned,
                states, self.train_split.images, remain, steps)

  def evaluate(self):
    """Evaluates every model the workdir holds; writes the report."""
    c_state = self.classifier()
    evaluations, missing = {}, {}
    for model in report.MODELS:
      name = (model if model == 'original'
              else f'{model}/{self.request.name}')
      if not checkpoints.exists(self.workdir, name):
        missing[model] = (f'no {checkpoints.directory(self.workdir, name)}; '
                          f'--config.mode={checkpoints.MAKER_MODE[model]} '
                          'makes it')
        logging.warning('Not evaluated: %s', missing[model])
        continue
      evaluations[model] = evaluate.evaluate_model(
          self.config, *self.load(name), c_state, self.request,
          self.train_split, self.test_split)
      logging.info('%s: %s', model, evaluations[model].metrics)
    if 'original' not in evaluations:
      raise UserError(f'Nothing to evaluate: {missing["original"]}.')
    report.write(self.workdir, report.build(
        self.config, self.request.to_json(), self._read_timings(),
        self.training_summary(),
        self.unlearning_record(), {m: e.metrics for m, e in evaluations.items()}, missing),
                 evaluations,
                 self.train_split.images[self.request.forget_ids[:8]])


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
  logging.info('Timings (s): %s', experiment.timings)
  return experiment.timings

"""The stages of an experiment and the `--config.mode` dispatch.

`all` runs: original (reused when `checkpoints/original` is complete), the
classifier, unlearning, retraining from scratch (`retrain.num_models` times,
with distinct seeds), fine-tuning, the reference GAN where a calibrated attack
needs it, and the evaluation of every model into `report.json`, `report.md`
and pictures. Each stage's wall-clock seconds go to `timings.json` (the
original's and `C`'s at the top, the others under `requests/<name>/`).
"""

import functools
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
from gan_unlearn_jax import evaluators
from gan_unlearn_jax import gan
from gan_unlearn_jax import heldout
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import monitoring
from gan_unlearn_jax import precomputation
from gan_unlearn_jax import reference
from gan_unlearn_jax import report
from gan_unlearn_jax import requests
from gan_unlearn_jax import rngs
from gan_unlearn_jax import stop_rule
from gan_unlearn_jax import timings
from gan_unlearn_jax import train
from gan_unlearn_jax import unlearn
from gan_unlearn_jax import validation
from gan_unlearn_jax.errors import UserError

class Experiment:
  """Holds what the stages share: data on device, the request, timings."""

  def __init__(self, config: ml_collections.ConfigDict, workdir: str):
    self.config, self.workdir = config, workdir
    for name in config.evaluation.evaluators:  # Refused before any work.
      evaluators.get(name)
    images, labels = input_pipeline.load_numpy(config.data, 'train')
    holdout_ids = input_pipeline.holdout_ids(config.data, len(labels))
    self.holdout = heldout.Holdout.split(holdout_ids)
    if reference.needed(config):
      reference.check(config, self.holdout)
    self.train_ids = input_pipeline.train_subset(config.data, len(labels))
    self.canary_ids = canaries.canary_ids(config.data, self.train_ids)
    self.request, self.sequence = None, []
    if config.mode != 'train':  # Validate the requests before any work.
      self.sequence = requests.parse_sequence(
          config.unlearn.after, config.unlearn.request, config.data.name,
          self.train_ids, labels, self.canary_ids, holdout_ids)
      self.request = self.sequence[-1]
    self.train_split = input_pipeline.Split(
        jax.numpy.asarray(canaries.plant(input_pipeline.to_images(images),
                                         self.canary_ids)),
        jax.numpy.asarray(labels))
    self.timings_file = timings.Timings(workdir)

  def request_timings(self) -> dict[str, float]:
    """The seconds of the shared stages and of this request's stages."""
    return self.timings_file.of_request(self.request.name)

  @property
  def timings(self) -> dict[str, float]:
    """This process's seconds, by stage."""
    return self.timings_file.this_run

  def _timed(self, stage: str, fn, *args, checkpoint=None, **kwargs):
    resuming = bool(checkpoint) and checkpoints.exists(self.workdir, checkpoint)
    return self.timings_file.timed(stage, self.request and self.request.name,
                                   fn, *args, resuming=resuming, **kwargs)

  # --------------------------------------------------------------------------
  # Data, models and checkpoints.

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
        np.setdiff1d(self.train_ids, self.request.all_forget_ids))

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

  def load(self, name: str):
    """The G and D states of checkpoint `name` (e.g. `retrained/<request>`)."""
    kind = name.split('/')[0]
    states = gan.create_train_states(self.config, jax.random.key(0))
    if kind in ('unlearned', 'finetuned'):  # Saved with that optimizer.
      states = unlearn.unlearning_optimizer(self.config, states)
    restored = checkpoints.load(
        self.workdir, name, dict(zip('gd', states)), f'run --config.mode='
        f'{MAKER_MODE[kind]} with this workdir (or --config.mode=all)')
    return restored['g'], restored['d']

  def _save(self, name: str, states, step: int, files: dict) -> None:
    """`files` (JSON by file name) go first: the save's barrier then keeps
    every process from reading them before they are written."""
    checkpoints.remove(self.workdir, name)  # A rerun replaces the last one.
    folder = checkpoints.directory(self.workdir, name)
    for file_name, content in files.items():
      monitoring.write_json(os.path.join(folder, file_name), content)
    mngr = checkpoints.manager(self.workdir, name)
    checkpoints.save(mngr, step, dict(zip('gd', states)))
    mngr.close()

  @functools.cached_property
  def test_split(self) -> input_pipeline.Split:
    return input_pipeline.load_split(self.config.data, 'test')

  @functools.cached_property
  def original(self):
    """The original G and D, loaded once: every stage reads the same."""
    return self.load('original')

  @functools.cached_property
  def substitution_pool(self) -> precomputation.SubstitutionPool:
    """The original's substitution pool: request-independent, so computed
    once for all the requests this experiment unlearns from the original."""
    return precomputation.substitution_pool(self.config, self.original[0],
                                        self.c_state)

  def evaluation_context(self) -> evaluators.Context:
    """What every model of this experiment is evaluated against."""
    reference_gan = (self.load(reference.NAME) if evaluators.need_reference(
        self.config.evaluation.evaluators) else None)
    return evaluators.Context(self.config, self.c_state, self.request,
                              self.train_split, self.test_split, self.holdout,
                              self.train_ids, reference_gan)

  def unlearning_record(self) -> Optional[dict]:
    """This request's last `record.json` (steps, stop-rule status, seconds)."""
    return monitoring.read_json(os.path.join(checkpoints.directory(
        self.workdir, f'unlearned/{self.request.name}'), 'record.json'))

  # --------------------------------------------------------------------------
  # The stages.

  def train_original(self):
    example_ids = self._original_examples
    if self._complete('original', example_ids):
      logging.info('Reusing the complete checkpoints/original.')
      return
    if 'original' in self.__dict__:
      raise RuntimeError('The original changes after it was loaded.')
    self._timed('train', train.train_gan, self.config, self.workdir,
                images=self.train_split.images, example_ids=example_ids,
                checkpoint='original')

  @functools.cached_property
  def c_state(self):
    """`C`, restored from `checkpoints/classifier` or trained there once."""
    if checkpoints.exists(self.workdir, classifier.NAME):
      return classifier.load_or_train(self.config, self.workdir)
    return self._timed('classifier', classifier.load_or_train, self.config,
                       self.workdir, self.train_split, self.test_split)

  def base(self, request: requests.ForgetRequest):
    """The model `request` is unlearned from: the original, or the model
    that unlearned the request before it in the sequence."""
    k = self.sequence.index(request)
    return self.original if k == 0 else self.load(
        f'unlearned/{self.sequence[k - 1].name}')

  def unlearn(self):
    """Unlearns the request, after each earlier one of the sequence that the
    workdir lacks, in order (earlier checkpoints are never touched)."""
    for request in self.sequence:
      if request is self.request or not checkpoints.exists(
          self.workdir, f'unlearned/{request.name}'):
        self._unlearn(request)

  def _unlearn(self, request: requests.ForgetRequest) -> None:
    """Unlearns `request` from its base; saves the result with its record."""
    base, c_state = self.base(request), self.c_state
    # Data, gathered outside the timing like the training set.
    probe = heldout.images_of_kind(self.train_split, self.holdout.probe_ids,
                                   request)
    others = (heldout.images_of_other_kinds(self.train_split,
                                            self.holdout.probe_ids, request)
              if stop_rule.needs_other_kinds(self.config, request) else None)
    trained = self._training_index(np.setdiff1d(self.train_ids,
                                                request.earlier_ids))
    # The original's pool serves every request unlearned from the original.
    pool = (lambda: self.substitution_pool) if base is self.original else None
    name = f'unlearned/{request.name}'
    writer = monitoring.MetricWriter(self.workdir, name)
    unlearned = request.unlearning_set(self.config.unlearn.reforget_earlier)
    states, record = self.timings_file.timed(
        'unlearn', request.name, unlearn.unlearn_request, self.config,
        unlearned, base, c_state, self.train_split.images, trained, probe, pool,
        writer, others)
    writer.close()
    self.timings_file.record({'unlearn_precompute': record['precompute_s']},
                             request.name)
    self._save(name, states, record['steps'],
               {'request.json': request.to_json(), 'record.json': record})

  def retrained_names(self) -> list[str]:
    """The checkpoints of the request's `retrain.num_models` retrains."""
    return [f'retrained/{self.request.name}/seed{self.retrain_seed(k)}'
            for k in range(self.config.retrain.num_models)]

  def retrain_seed(self, k: int) -> int:
    """The k-th retrain's seed: distinct, and never the original's."""
    return self.config.seed + 1 + k

  def retrain(self):
    """Trains `retrain.num_models` GANs from scratch on the remaining set,
    each with its own seed: a distribution of gold standards. With
    `retrain.vmapped`, those not complete train as one vmapped program, and
    each is timed at the program's seconds over their count."""
    remain = self._remaining
    todo = {}
    for k, name in enumerate(self.retrained_names()):
      if self._complete(name, remain):
        logging.info('Reusing the complete checkpoints/%s.', name)
      else:
        todo[k] = name
    if self.config.retrain.vmapped and len(todo) > 1:
      seeds = [self.retrain_seed(k) for k in todo]
      start = time.perf_counter()
      train.fit_models(
          self.config, self.workdir, list(todo.values()),
          [gan.create_train_states(self.config, rngs.key(seed, 'init'))
           for seed in seeds], seeds, self.train_split.images, remain,
          self._steps(remain))
      seconds = (time.perf_counter() - start) / len(todo)
      self.timings_file.record({f'retrain_{k}': seconds for k in todo},
                               self.request.name)
      return
    for k, name in todo.items():
      config = self.config.copy_and_resolve_references()
      config.seed = self.retrain_seed(k)
      self._timed(f'retrain_{k}', train.train_gan, config, self.workdir,
                  name=name, images=self.train_split.images,
                  example_ids=remain, checkpoint=name)

  def finetune(self):
    record = self.unlearning_record()
    if record is None:
      raise UserError(
          f'No unlearning record in checkpoints/unlearned/{self.request.name}'
          '; fine-tuning runs as many steps as the unlearning took. Run '
          '--config.mode=unlearn with this workdir first.')
    # A GAN step updates both models: as many as the unlearning's result
    # updated either (the `staged` cascade updates one model per step).
    steps = max(record['d_updates'], record['g_updates'])
    states = unlearn.unlearning_optimizer(self.config, self.base(self.request))
    finetuned = f'finetuned/{self.request.name}'
    checkpoints.remove(self.workdir, finetuned)  # Never resume a stale one.
    self._timed('finetune', train.fit, self.config, self.workdir, finetuned,
                states, self.train_split.images, self._remaining, steps)

  def train_reference(self):
    """The calibrated attacks' reference GAN (`reference.py`), if needed."""
    if reference.needed(self.config) and not self._complete(
        reference.NAME, self._original_examples):
      self.timings_file.timed(
          'reference', None, reference.train_reference, self.config,
          self.workdir, self.train_split.images, self.holdout,
          self.training_summary()['steps'])

  def evaluate(self):
    """Evaluates every model the workdir holds; writes the report."""
    names = self.config.evaluation.evaluators
    context = self.evaluation_context()
    request = self.request.name
    checkpoint_names = {
        'original': 'original', 'unlearned': f'unlearned/{request}',
        **{f'retrained/{k}': n for k, n in enumerate(self.retrained_names())},
        'finetuned': f'finetuned/{request}'}
    models, missing = {}, {}
    for model, name in checkpoint_names.items():
      if not checkpoints.exists(self.workdir, name):
        missing[model] = (f'no {checkpoints.directory(self.workdir, name)}; '
                          f'--config.mode={MAKER_MODE[name.split("/")[0]]} '
                          'makes it')
        logging.warning('Not evaluated: %s', missing[model])
        continue
      models[model] = context.model(model, *self.load(name))
    if 'original' not in models:
      raise UserError(f'Nothing to evaluate: {missing["original"]}.')
    metrics = {}
    for model, view in models.items():
      metrics[model] = evaluators.evaluate(context, view, names)
      logging.info('%s: %s', model, metrics[model])
    gaps = report.membership_gaps({
        model: evaluators.attack_scores(context, view, names)
        for model, view in models.items()})
    report.write(self.workdir, report.build(
        self.config, self.request.to_json(), self.holdout.summary(),
        self.request_timings(), self.training_summary(),
        self.unlearning_record(), metrics, gaps, missing,
        classifier.recorded_test_accuracy(self.workdir)),
                 models, context, names)


# The stages of each `--config.mode`, and the mode that makes each kind of
# checkpoint (for error messages).
_IN_ORDER = {'train': Experiment.train_original, 'unlearn': Experiment.unlearn,
             'retrain': Experiment.retrain, 'finetune': Experiment.finetune,
             'reference': Experiment.train_reference,
             'evaluate': Experiment.evaluate}
STAGES = {**{mode: (stage,) for mode, stage in _IN_ORDER.items()},
          'all': tuple(_IN_ORDER.values())}
MAKER_MODE = {'original': 'train', 'unlearned': 'unlearn',
              'retrained': 'retrain', 'finetuned': 'finetune',
              'reference': 'reference'}


def run(config: ml_collections.ConfigDict, workdir: str) -> dict:
  """Validates `config` and runs the stages `config.mode` names; returns the
  wall-clock seconds of each (also in timings.json)."""
  if config.mode not in STAGES:
    raise UserError(f'config.mode={config.mode!r}: unknown mode; choose one '
                    f'of {tuple(STAGES)}.')
  validation.validate_config(config)
  experiment = Experiment(config, workdir)
  for stage in STAGES[config.mode]:
    stage(experiment)
  logging.info('Timings (s): %s', experiment.timings)
  return experiment.timings

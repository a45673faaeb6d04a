r"""The original's sample quality by training length: is a config trained to
convergence?

  python -m benchmarks.convergence --config=configs/mnist_item.py --workdir=W \
      [--epochs=10]

Trains the original GAN one epoch at a time up to `--epochs` (resuming
`W/checkpoints/original` where an earlier run left it, e.g. a copy of the
default run's 5-epoch original) and after each epoch measures, as the
experiment's evaluation does, the FCD, the KID and the classifier score of
`evaluation.num_samples` samples against the evaluation half of the test
split. Prints a Markdown table; writes it to `W/convergence.md`, and the
run (rows, `C`'s test accuracy and training seconds, command, commit,
hardware) to `W/convergence.json`, after each epoch, keeping the rows of
earlier runs in W; docs/performance.md shows the copies under
`results/benchmarks/convergence-<config>.json`.
"""

import json
import os
import time

from absl import app
from absl import flags
from ml_collections import config_flags

from benchmarks import common
from benchmarks import tables
from gan_unlearn_jax import checkpoints
from gan_unlearn_jax import classifier
from gan_unlearn_jax import evaluators
from gan_unlearn_jax import experiment
from gan_unlearn_jax import monitoring
from gan_unlearn_jax import report

config_flags.DEFINE_config_file('config', None, 'Experiment config file.')
flags.DEFINE_string('workdir', None, 'Folder for checkpoints and the table.')
flags.DEFINE_integer('epochs', 10, 'Train the original up to this many epochs.')
flags.mark_flags_as_required(['config', 'workdir'])
FLAGS = flags.FLAGS


def main(argv):
  del argv
  name = common.config_name(FLAGS['config'])
  config = common.with_fields(FLAGS.config, mode='train')
  common.set_up(config)
  run = experiment.Experiment(config, FLAGS.workdir)
  context = run.evaluation_context()
  steps_per_epoch = run.training_summary()['steps'] // config.train.epochs
  # Epochs the workdir's original has (begun to) train.
  done = -(-(checkpoints.latest_step(FLAGS.workdir, 'original') or 0)
           // steps_per_epoch)
  if done > FLAGS.epochs:
    raise app.UsageError(f'The original in {FLAGS.workdir} has trained for '
                         f'{done} epochs, more than --epochs={FLAGS.epochs}.')
  json_path = os.path.join(FLAGS.workdir, 'convergence.json')
  first = max(done, 1)  # Measured again: the last run may have stopped in it.
  earlier = monitoring.read_json(json_path) or {}
  rows = [row for row in earlier.get('rows', []) if row['epochs'] < first]
  # `C`, trained by evaluation_context() unless the workdir had one.
  c_record = {
      'test_accuracy': classifier.recorded_test_accuracy(FLAGS.workdir),
      'train_s': run.timings_file.read().get('classifier')}
  for epochs in range(first, FLAGS.epochs + 1):
    run = experiment.Experiment(
        common.with_fields(config, **{'train.epochs': epochs}), FLAGS.workdir)
    start = time.perf_counter()
    run.train_original()  # Resumes from the latest checkpoint.
    train_s = time.perf_counter() - start
    quality = evaluators.evaluate(
        context, context.model('original', *run.original), ('sample_quality',))
    rows.append({'epochs': epochs, 'steps': run.training_summary()['steps'],
                 'train_s': train_s, 'fcd': quality['fcd'],
                 'kid': quality['kid'], 'kid_se': quality['kid_se'],
                 'classifier_score': quality['classifier_score']})
    table = tables.convergence_table(rows)
    with open(os.path.join(FLAGS.workdir, 'convergence.md'), 'w') as f:
      f.write(table)
    with open(json_path, 'w') as f:
      json.dump({'provenance': report.provenance(), 'config': name,
                 'classifier': c_record, 'rows': rows}, f, indent=2)
  print('\n' + table)


if __name__ == '__main__':
  app.run(main)

r"""Would the test split serve as non-members as well as the holdout slice?

  python -m benchmarks.distribution_gap --config=configs/mnist_item.py \
      --workdir=W [--json_out=results/benchmarks/distribution_gap-mnist_item.json]

For the original and every retrained model of the config's request in W,
D's white-box AUC (inference mode, bootstrap 95% interval) of:

  holdout vs test:   two sets no model trained on. Away from 0.5, D tells
                     the training split's distribution from the test
                     split's: the bias of a test-split null.
  forget vs holdout: the evaluation's comparison. A retrained model never
                     saw the forget set, so it should score about 0.5.
  forget vs test:    the old protocol's comparison, for the same models.

Holdout images are the evaluation half; test images are the test split the
evaluation uses, of the forget set's kind (a class request's class, marked
for canaries). Prints a Markdown table; writes the run (rows, command,
commit, hardware) to `--json_out`; docs/results.md shows the copies under
`results/benchmarks/distribution_gap-<config>.json`.
"""

import json

from absl import app
from absl import flags
from ml_collections import config_flags
import numpy as np

from benchmarks import common
from benchmarks import tables
from gan_unlearn_jax import checkpoints
from gan_unlearn_jax import evaluators
from gan_unlearn_jax import experiment
from gan_unlearn_jax import heldout
from gan_unlearn_jax import metrics
from gan_unlearn_jax import report
from gan_unlearn_jax import sampling

config_flags.DEFINE_config_file('config', None, 'Experiment config file.')
flags.DEFINE_string('workdir', None, 'Folder with the checkpoints.')
flags.DEFINE_string('json_out', None, 'Also write the run to this JSON file.')
flags.mark_flags_as_required(['config', 'workdir'])
FLAGS = flags.FLAGS

COMPARISONS = ('holdout_vs_test', 'forget_vs_holdout', 'forget_vs_test')


def comparison_rows(run: experiment.Experiment) -> list[dict]:
  """One row per model: each comparison's AUC, interval and counts."""
  # D's scores need no `C` (and older workdirs' `C` may not restore).
  context = evaluators.Context(run.config, None, run.request, run.train_split,
                               run.test_split, run.holdout, run.train_ids)
  forget, holdout = context.members_and_nonmembers
  test = heldout.images_of_kind(
      context.test_split, np.arange(len(context.test_split.labels)),
      run.request)
  models = {'original': 'original', **{
      f'retrained/{k}': name for k, name in enumerate(run.retrained_names())
      if checkpoints.exists(run.workdir, name)}}
  rows = []
  for model, name in models.items():
    d_state = run.load(name)[1]
    scores = {key: np.asarray(sampling.discriminator_scores(d_state, images))
              for key, images in (('forget', forget), ('holdout', holdout),
                                  ('test', test))}
    row = {'model': model}
    for comparison in COMPARISONS:
      positives, negatives = (scores[s] for s in comparison.split('_vs_'))
      row[comparison] = {
          'auc': metrics.roc_auc(positives, negatives),
          'ci95': metrics.bootstrap_interval(positives, negatives),
          'n': [len(positives), len(negatives)]}
    rows.append(row)
  return rows


def main(argv):
  del argv
  name = common.config_name(FLAGS['config'])
  config = common.with_fields(FLAGS.config, mode='evaluate')
  common.set_up(config)
  run = experiment.Experiment(config, FLAGS.workdir)
  result = {'provenance': report.provenance(), 'config': name,
            'request': run.request.name, 'rows': comparison_rows(run)}
  if FLAGS.json_out:
    with open(FLAGS.json_out, 'w') as f:
      json.dump(result, f, indent=2)
  print('\n' + tables.distribution_gap_table(result))


if __name__ == '__main__':
  app.run(main)

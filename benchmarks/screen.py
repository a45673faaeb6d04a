r"""Screens an unlearning setting against a recorded run's retrained models.

  python -m benchmarks.screen --config=configs/mnist_class.py --workdir=W \
      --against=results/mnist_class-original3-probe \
      --config.evaluation.nonmembers=probe --seeds=0,1,2 \
      [--config.unlearn.<field>=...]

Unlearns the request of `--config` from W's original (W holds it and `C`:
`--config.mode=train`) once per unlearning seed, evaluates each unlearned
model alone, and sets their numbers beside the retrained models of the
recorded run `--against` (their mean and [min, max]). Retraining costs the
most and does not depend on the unlearning settings, the unlearning seed or
the original, so one recorded run's retrained models serve every screen of
its request; what they do depend on (the data, the models, their training,
`C`, the evaluation and the request) must be as the recorded run had it, or
the screen is refused with the fields named. Choose settings on the probe
half (`evaluation.nonmembers=probe`, docs/method.md), then record the chosen
one with the whole command. Prints a Markdown table; writes the screen
(provenance, each seed's unlearning record, rows) to `W/screen.json` and to
`--json_out` (e.g. `results/benchmarks/screen-<name>.json`, shown on
docs/results.md).
"""

import json
import os
import pathlib

from absl import app
from absl import flags
import ml_collections
from ml_collections import config_flags

from benchmarks import common
from benchmarks import tables
from gan_unlearn_jax import evaluators
from gan_unlearn_jax import experiment
from gan_unlearn_jax import report
from gan_unlearn_jax.errors import UserError

config_flags.DEFINE_config_file('config', None, 'Experiment config file.')
flags.DEFINE_string('workdir', None, 'Folder with the original and C.')
flags.DEFINE_string('against', None, 'A recorded run: its folder or its '
                    'report.json, with the retrained models to compare with.')
flags.DEFINE_list('seeds', None, 'Unlearning seeds, an unlearning each '
                  '(default: config.seed).')
flags.DEFINE_string('json_out', None, 'Also write the screen to this file.')
flags.mark_flags_as_required(['config', 'workdir', 'against'])
FLAGS = flags.FLAGS

# What the retrained models and their numbers depend on: the recorded run and
# the screen must agree on these (a prefix names a whole section). Not the
# seed: it seeds the unlearning, and the retrained models are the recorded
# run's, whatever their seeds.
SHARED = ('data.', 'model.', 'train.', 'classifier.', 'evaluation.',
          'unlearn.request', 'unlearn.after')
# Which numbers are computed, not how.
NOT_SHARED = ('evaluation.evaluators',)


def load_recorded(path: str) -> dict:
  """The report of a recorded run, from its folder or its report.json."""
  path = pathlib.Path(path)
  path = path / 'report.json' if path.is_dir() else path
  if not path.exists():
    raise UserError(f'--against: no {path}; name a folder of results/.')
  recorded = json.loads(path.read_text())
  if not recorded.get('retrained_spread'):
    raise UserError(f'--against: {path} holds no retrained models.')
  return recorded


def mismatches(config: dict, recorded: dict) -> dict[str, tuple]:
  """{field: (screen's value, recorded run's)} of the shared fields that
  differ."""
  differing = tables.differing_fields(config, recorded['config'])
  return {field: values for field, values in differing.items()
          if field not in NOT_SHARED and any(
              field == shared or (shared.endswith('.') and
                                  field.startswith(shared))
              for shared in SHARED)}


def rows(metrics: list[dict], recorded: dict) -> list[dict]:
  """Each number the recorded run has for its retrained models, with the
  unlearned models' (one per seed) and where each lies: within, above or
  below the retrained [min, max]."""
  rows = []
  for key, (low, high) in recorded['retrained_spread'].items():
    values = [m.get(key) for m in metrics]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool)
               for v in values):
      continue
    rows.append({'metric': key, 'unlearned': values,
                 'retrained': recorded['metrics']['retrained'][key],
                 'retrained_min': low, 'retrained_max': high,
                 'where': ['above' if v > high else 'below' if v < low
                           else 'within' for v in values]})
  return rows


def unlearn_and_evaluate(
    config: ml_collections.ConfigDict) -> tuple[dict, dict]:
  """The unlearning record and the metrics of the request unlearned from
  W's original with `config`."""
  run = experiment.Experiment(config, FLAGS.workdir)
  run.unlearn()
  context = run.evaluation_context()
  name = f'unlearned/{run.request.name}'
  return run.unlearning_record(), evaluators.evaluate(
      context, context.model(name, *run.load(name)),
      config.evaluation.evaluators)


def main(argv):
  del argv
  config = FLAGS.config
  common.set_up(config)
  recorded = load_recorded(FLAGS.against)
  differing = mismatches(json.loads(json.dumps(config.to_dict())), recorded)
  if differing:
    raise UserError(
        f'--against {FLAGS.against}: its retrained models do not serve this '
        'config; it differs in ' + ', '.join(
            f'{field} (here {mine!r}, there {theirs!r})'
            for field, (mine, theirs) in differing.items()) + '.')
  seeds = [int(seed) for seed in FLAGS.seeds or [config.seed]]
  # One process: every seed after the first reuses the compiled steps.
  records, metrics = zip(*(unlearn_and_evaluate(
      common.with_fields(config, seed=seed)) for seed in seeds))
  screen = {'provenance': report.provenance(),
            'config': common.config_name(FLAGS['config']),
            'against': FLAGS.against,
            'num_retrained': recorded['config']['retrain']['num_models'],
            'seeds': seeds, 'unlearning': list(records),
            'rows': rows(list(metrics), recorded)}
  common.write_run(screen, os.path.join(FLAGS.workdir, 'screen.json'),
                   FLAGS.json_out)
  print('\n' + tables.screen_table(screen))


if __name__ == '__main__':
  app.run(main)

r"""Unlearning against retraining from scratch: seconds, speed-up, quality gaps.

  python -m benchmarks.speedup --config=configs/mnist_item.py --workdir=W \
      [--requests=random:64,random:64:1,class:7] [--class_config=C]

Trains the original once (or reuses `W/checkpoints/original`), then for each
request unlearns it twice in this process (the first run of a request shape
is "cold", compilation included; the second "warm": compiled steps and the
original's substitution pool reused) and retrains from scratch
on the same devices (or reuses a complete retrained model, with the seconds
an earlier run wrote to `W/speedup.json`), and evaluates the unlearned and
retrained models, and the original's sample quality.
Requests are spelled as `config.unlearn.request`; class requests are
unlearned with the `unlearn` and `substitution` sections of `--class_config`
(by default `configs/<dataset>_class.py`); the data, the models and their
training always come from `--config`.
Prints a Markdown table; writes the run (provenance, rows) to `W/speedup.json`
after each request, and to `--json_out` (e.g.
`results/benchmarks/speedup-mnist_item_small.json`, shown on
docs/performance.md).
"""

import importlib
import os
import resource

from absl import app
from absl import flags
from ml_collections import config_flags
import numpy as np

from benchmarks import common
from benchmarks import tables
from gan_unlearn_jax import evaluators
from gan_unlearn_jax import experiment
from gan_unlearn_jax import monitoring
from gan_unlearn_jax import report

config_flags.DEFINE_config_file('config', None, 'Experiment config file.')
config_flags.DEFINE_config_file(
    'class_config', None, "Class requests' unlearning: this config's unlearn "
    'and substitution sections (default: configs/<dataset>_class.py).')
flags.DEFINE_string('workdir', None, 'Folder for checkpoints and the table.')
flags.DEFINE_list('requests', ['random:64', 'random:128', 'random:256',
                               'random:512', 'class:7'],
                  'Forget requests, spelled as config.unlearn.request.')
flags.DEFINE_string('json_out', None, 'Also write the run to this JSON file.')
flags.mark_flags_as_required(['config', 'workdir'])
FLAGS = flags.FLAGS

QUALITY = ('sample_quality', 'class_rate')  # Evaluators of every model...
MEMBERSHIP = ('membership',)  # ...and of the unlearned and retrained ones.


def request_config(config, spec: str, class_config=None):
  """A copy of `config` whose `unlearn.request` is `spec`; a class request
  takes the `unlearn` and `substitution` sections of `class_config` (None:
  `configs/<dataset>_class.py`)."""
  config = config.copy_and_resolve_references()
  if spec.startswith('class:'):
    class_config = class_config or importlib.import_module(
        f'configs.{config.data.name}_class').get_config()
    for section in ('unlearn', 'substitution'):
      config[section] = class_config[section].copy_and_resolve_references()
  return common.with_fields(config, **{'unlearn.request': spec})


def earlier_retrain_seconds(workdir: str) -> dict[str, float]:
  """Retrain seconds by request from the workdir's earlier `speedup.json`:
  a retrained model that a later run reuses keeps the time it took."""
  table = monitoring.read_json(os.path.join(workdir, 'speedup.json'))
  if table is None:
    return {}
  rows = {row['request']: row['retrain_s'] for row in table['rows']}
  return {request: seconds for request, seconds in
          {**rows, **table.get('retrain_seconds', {})}.items() if seconds}


def measure(config, workdir: str, spec: str,
            earlier_retrain_s: dict[str, float], class_config=None) -> dict:
  run = experiment.Experiment(request_config(config, spec, class_config),
                              workdir)
  run.unlearn()
  cold = run.timings['unlearn']
  run.unlearn()  # The same shapes again: the compiled steps are reused.
  warm = run.timings['unlearn']
  run.retrain()
  # None: a complete retrained model was reused, and its time is unknown.
  timed = [v for k, v in run.timings.items() if k.startswith('retrain_')]
  retrain = (float(np.mean(timed)) if timed else
             earlier_retrain_s.get(run.request.name))
  context = run.evaluation_context()
  # The original's sample quality too: its FCD ratio is what no unlearning at
  # all would give, the part of the gap that two trainings differ by.
  quality = {model: evaluators.evaluate(
      context, context.model(model, *run.load(name)),
      QUALITY + (MEMBERSHIP if model != 'original' else ()))
             for model, name in (
                 ('original', 'original'),
                 ('unlearned', f'unlearned/{run.request.name}'),
                 ('retrained', run.retrained_names()[0]))}
  o, u, r = quality['original'], quality['unlearned'], quality['retrained']
  steps = run.unlearning_record()['steps']
  # A request that needs no step is no speed-up: its row shows the seconds.
  speedup = lambda seconds: retrain / seconds if retrain and steps else None
  row = {'request': run.request.name, 'kind': run.request.kind,
         'num_forget': len(run.request.forget_ids), 'unlearn_steps': steps,
         'unlearn_cold_s': cold, 'unlearn_warm_s': warm, 'retrain_s': retrain,
         'speedup_cold': speedup(cold), 'speedup_warm': speedup(warm)}
  if run.request.kind == 'item':
    row.update({
        'whitebox_auc': [u['mia_whitebox_auc'], r['mia_whitebox_auc']],
        'blackbox_auc': [u['mia_blackbox_auc'], r['mia_blackbox_auc']],
        'fcd_ratio': u['fcd'] / r['fcd'],
        'fcd_ratio_original': o['fcd'] / r['fcd']})
  else:
    row.update({
        'forget_class_rate': [u['forget_class_rate'], r['forget_class_rate']],
        'fcd_retained_ratio': u['fcd_retained'] / r['fcd_retained'],
        'fcd_retained_ratio_original': o['fcd_retained'] / r['fcd_retained']})
  return row


def main(argv):
  del argv
  config = FLAGS.config
  common.set_up(config)
  base = experiment.Experiment(request_config(config, FLAGS.requests[0],
                                              FLAGS.class_config),
                               FLAGS.workdir)
  base.train_original()
  base.c_state  # Trained once, before any timing.
  summary = base.training_summary()
  training = (f"{summary['epochs']} epochs, {summary['steps']} steps at batch "
              f"{config.train.batch_size} on {summary['examples']} images")
  retrain_s = earlier_retrain_seconds(FLAGS.workdir)
  rows = []
  for spec in FLAGS.requests:  # The run so far is written after each one.
    rows.append(measure(config, FLAGS.workdir, spec, retrain_s,
                        FLAGS.class_config))
    retrain_s[rows[-1]['request']] = rows[-1]['retrain_s']
    result = {
        'provenance': report.provenance(),
        'config': common.config_name(FLAGS['config']), 'training': training,
        'peak_host_gib':
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
        # Every retrain time known, for later runs with other requests.
        'rows': rows, 'retrain_seconds': retrain_s}
    common.write_run(result, os.path.join(FLAGS.workdir, 'speedup.json'),
                     FLAGS.json_out)
  print('\n' + tables.speedup_table(result))


if __name__ == '__main__':
  app.run(main)

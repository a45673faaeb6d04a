r"""How far apart are two trainings? The sample quality of a workdir's models.

  python -m benchmarks.spread --config=configs/mnist_item.py --workdir=W \
      [--forget_class=7] [--models=original,retrained/class-7]

Measures each model's samples as the evaluation does (the `sample_quality` and
`class_rate` evaluators: `evaluation.num_samples` samples, `C`'s features, the
evaluation half of the test split): FCD and classifier score, and with
`--forget_class` the share of samples `C` assigns to that class, the FCD of the
others against the real images of the other classes, and where the class
samples come from: the share of them drawn from latents where the original
draws the class too (the original's class content left in place, or class-like
samples made anew, as a model that never saw the class makes them). By default
every model in `W/checkpoints`: the original and the retrained, unlearned and
fine-tuned ones. The retrained models of item requests are trainings of the
same GAN on nearly the same data, so their spread is how tight a quality target
against one retrained model can be. Prints a Markdown table; writes the run
(provenance, rows) to `W/spread.json`, and to `--json_out` (e.g.
`results/benchmarks/spread-mnist_class.json`, shown on docs/results.md).
"""

import os

from absl import app
from absl import flags
from ml_collections import config_flags

from benchmarks import common
from benchmarks import tables
from gan_unlearn_jax import checkpoints
from gan_unlearn_jax import evaluators
from gan_unlearn_jax import experiment
from gan_unlearn_jax import report

config_flags.DEFINE_config_file('config', None, 'Experiment config file.')
flags.DEFINE_string('workdir', None, 'Folder with the checkpoints.')
flags.DEFINE_string('forget_class', None, 'Also measure this class (index or '
                    "name): its share of the samples and the other classes' "
                    'FCD.')
flags.DEFINE_list('models', None, 'Checkpoint names (default: all of them).')
flags.DEFINE_string('json_out', None, 'Also write the run to this JSON file.')
flags.mark_flags_as_required(['config', 'workdir'])
FLAGS = flags.FLAGS


def all_models(workdir: str) -> list[str]:
  """`original` and every checkpoint under `workdir/checkpoints/<kind>/`."""
  exists = lambda name: checkpoints.latest_step(workdir, name) is not None
  names = ['original'] if exists('original') else []
  for kind in ('retrained', 'unlearned', 'finetuned'):
    folder = checkpoints.directory(workdir, kind)
    for root, folders, _ in os.walk(folder):
      folders.sort()
      name = os.path.relpath(root, checkpoints.directory(workdir, ''))
      if exists(name):
        names.append(name)
        folders.clear()  # Its step folders are not checkpoints.
  return names


def main(argv):
  del argv
  config = FLAGS.config
  if FLAGS.forget_class is not None:  # Any request will do for the rest.
    config = common.with_fields(
        config, **{'unlearn.request': f'class:{FLAGS.forget_class}'})
  common.set_up(config)
  run = experiment.Experiment(config, FLAGS.workdir)
  context = run.evaluation_context()
  forget_class = (None if FLAGS.forget_class is None else
                  int(run.request.forget_class))
  # Every model samples the same latents; the original's are drawn once.
  original = context.model('original', *run.original)
  rows = []
  for name in FLAGS.models or all_models(FLAGS.workdir):
    model = (original if name == 'original' else
             context.model(name, *run.load(name)))
    metrics = evaluators.evaluate(context, model,
                                  ('sample_quality', 'class_rate'))
    if forget_class is not None:
      on_original = (original.sample_classes == forget_class)[
          model.sample_classes == forget_class]
      metrics['on_original_class'] = (float(on_original.mean())
                                      if on_original.size else None)
    rows.append({'model': name,
                 'steps': checkpoints.latest_step(FLAGS.workdir, name),
                 **metrics})
  result = {'provenance': report.provenance(),
            'config': common.config_name(FLAGS['config']),
            'forget_class': forget_class, 'rows': rows}
  common.write_run(result, os.path.join(FLAGS.workdir, 'spread.json'),
                   FLAGS.json_out)
  print('\n' + tables.spread_table(result))


if __name__ == '__main__':
  app.run(main)

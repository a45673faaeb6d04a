"""The generated results pages are what the recorded runs say."""

import copy
import importlib
import json

from benchmarks import tables
from conftest import ROOT


def test_results_pages_regenerate_identically_from_the_recorded_runs():
  reports = tables.load_reports(ROOT / 'results')
  assert (ROOT / 'docs' / 'results.md').read_text() == (
      tables.results_page(reports))
  readme = (ROOT / 'README.md').read_text()
  assert readme == tables.readme_with_table(readme, reports)
  performance = (ROOT / 'docs' / 'performance.md').read_text()
  assert performance == tables.performance_page(performance)
  assert '| mnist_item | GAN train_step | 1 (jit) | 64 |' in performance


def test_each_headline_run_is_a_run_of_its_config_as_it_stands():
  # The README's table reads as what the configs do: a config whose settings
  # changed needs its run recorded again (the old one can stay as an ablation).
  for run, report in tables.load_reports(ROOT / 'results').items():
    if tables.is_headline(run):
      module = importlib.import_module(f"configs.{run.removesuffix('-gpu')}")
      config = json.loads(json.dumps(module.get_config().to_dict()))
      assert tables._changes(report, {'config': config}) == 'nothing', run


def test_the_convergence_table_finds_where_the_fcd_stops_falling():
  rows = [{'epochs': e, 'steps': 10 * e, 'fcd': fcd, 'kid': 1.0, 'kid_se': 0.1,
           'classifier_score': 5.0, 'train_s': 1.0}
          for e, fcd in enumerate([90., 60., 50., 49., 50., 48.5, 48.], 1)]
  # Epoch 3 (50): 49, 50, 48.5 stay within 3%; epoch 2 (60) falls to 49.
  assert 'from epoch 3.' in tables.convergence_table(rows)
  assert 'train longer' in tables.convergence_table(rows[:4])
  assert 'Too few epochs to judge' in tables.convergence_table(rows[:3])


def test_ablations_stay_off_the_readme_table():
  assert tables.is_headline('mnist_canary')
  assert tables.is_headline('cifar10_item-gpu')
  assert not tables.is_headline('mnist_canary-bn-running')
  report = tables.load_reports(ROOT / 'results')['mnist_item_small']
  readme = tables.readme_with_table(
      '<!-- results:begin -->\n<!-- results:end -->',
      {'mnist_item_small': report, 'mnist_item_small-variant': report})
  assert '[mnist_item_small](' in readme
  assert 'mnist_item_small-variant' not in readme


def test_an_ablation_row_names_the_fields_it_changed():
  report = tables.load_reports(ROOT / 'results')['mnist_item_small']
  variant = copy.deepcopy(report)
  variant['config']['unlearn']['fake_label'] = 'heldout'
  variant['config']['mode'] = 'evaluate'  # How a run was started: no change.
  variant['config']['unlearn']['new_field'] = 1  # Unknown to the defaults.
  # Fields the base run predates count at their defaults: one set to
  # another value is a change, one left at it is not.
  for field in ('class_rate_stop_probe', 'forget_batch_norm'):
    report['config']['unlearn'].pop(field, None)
  variant['config']['unlearn']['class_rate_stop_probe'] = True
  # A field since replaced reads as its replacement.
  variant['config']['unlearn']['freeze_d_in_band'] = True
  table = tables.ablation_table({'mnist_item_small': report,
                                 'mnist_item_small-heldout': variant})
  base_row, variant_row = table.splitlines()[2:]
  assert '(the run itself)' in base_row
  assert ('| `unlearn.class_rate_stop_probe=True`, '
          '`unlearn.d_in_band=freeze`, `unlearn.fake_label=heldout` |'
          ) in variant_row


def test_a_class_ablation_shows_whether_the_class_is_gone():
  reports = tables.load_reports(ROOT / 'results')
  report = reports['mnist_class']
  variant = copy.deepcopy(report)
  variant['config']['unlearn']['learning_rate'] = 2e-3
  variant['metrics']['unlearned']['forget_class_rate'] = 0.0123
  items = {'mnist_item': reports['mnist_item']}
  assert tables.class_ablation_table(items) == ''
  table = tables.class_ablation_table({'mnist_class': report,
                                       'mnist_class-lr': variant})
  base_row, variant_row = table.splitlines()[4:]
  assert '(the run itself)' in base_row
  assert '`unlearn.learning_rate=0.002`' in variant_row
  retrained = report['metrics']['retrained']['forget_class_rate']
  assert f'| 0.012 / {retrained:.3f} [' in variant_row


def test_repeated_downstream_accuracies_show_their_range():
  report = copy.deepcopy(tables.load_reports(ROOT / 'results')['mnist_class'])
  key = 'downstream_accuracy_forgotten'
  metrics = report['metrics']
  for model in ('unlearned', 'retrained'):
    metrics[model].pop(f'{key}_range', None)
  single = tables._downstream(report)
  assert single == tables._against_retrained(report, key)
  metrics['unlearned'].update({key: 0.8, f'{key}_range': [0.75, 0.875]})
  metrics['retrained'][key] = 0.45
  metrics['retrained_models'] = [{f'{key}_range': [0.3, 0.5]},
                                 {f'{key}_range': [0.4, 0.625]}]
  assert tables._downstream(report) == (
      '0.800 [0.750, 0.875] / 0.450 [0.300, 0.625]')


def test_the_spread_table_says_where_a_class_comes_from():
  row = {'model': 'original', 'steps': 9, 'fcd': 1.0, 'classifier_score': 2.0,
         'forget_class_rate': 0.1, 'fcd_retained': 3.0,
         'on_original_class': 1.0}
  run = {'forget_class': 7, 'rows': [
      row, {**row, 'model': 'unlearned', 'forget_class_rate': 0.0,
            'on_original_class': None}]}
  table = tables.spread_table(run)
  assert "| class 7 rate | FCD of the other classes |" in table
  assert table.splitlines()[2].endswith('| 0.1000 | 3.00 | 1.00 |')
  # No class sample left: no share to give.
  assert table.splitlines()[3].endswith('| 0.0000 | 3.00 | - |')
  assert 'rate' not in tables.spread_table({'forget_class': None,
                                            'rows': [row]})


def test_a_run_without_membership_attacks_shows_no_membership_table():
  reports = tables.load_reports(ROOT / 'results')
  with_attacks = '\n'.join(tables._section('run', reports['mnist_class']))
  assert 'Membership AUC gap' in with_attacks
  assert '1000 members against' in with_attacks
  report = copy.deepcopy(reports['mnist_class'])
  report['membership_gaps'] = {}
  for model in ('original', 'unlearned', 'finetuned', 'retrained'):
    for key in ('num_members', 'num_nonmembers', 'num_remaining'):
      report['metrics'][model].pop(key)
  section = '\n'.join(tables._section('run', report))
  assert 'Membership AUC gap' not in section
  assert '- no membership attacks; 5 retrained models;' in section

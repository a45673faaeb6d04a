"""The generated results pages are what the recorded runs say."""

import copy

from benchmarks import tables
from conftest import ROOT


def test_results_pages_regenerate_identically_from_the_recorded_runs():
  reports = tables.load_reports(ROOT / 'results')
  assert (ROOT / 'docs' / 'results.md').read_text() == (
      tables.results_page(reports))
  readme = (ROOT / 'README.md').read_text()
  assert readme == tables.readme_with_table(readme, reports)


def test_ablations_stay_off_the_readme_table():
  assert tables.is_headline('mnist_canary')
  assert tables.is_headline('cifar10_item-gpu')
  assert not tables.is_headline('mnist_canary-bn-running')
  report = tables.load_reports(ROOT / 'results')['mnist_item_small']
  readme = tables.readme_with_table(
      f'{tables.BEGIN}\n{tables.END}',
      {'mnist_item_small': report, 'mnist_item_small-variant': report})
  assert '[mnist_item_small](' in readme
  assert 'mnist_item_small-variant' not in readme


def test_an_ablation_row_names_the_fields_it_changed():
  report = tables.load_reports(ROOT / 'results')['mnist_item_small']
  variant = copy.deepcopy(report)
  variant['config']['unlearn']['fake_label'] = 'heldout'
  variant['config']['mode'] = 'evaluate'  # How a run was started: no change.
  variant['config']['unlearn']['new_field'] = 1  # Newer than the base run.
  table = tables.ablation_table({'mnist_item_small': report,
                                 'mnist_item_small-heldout': variant})
  base_row, variant_row = table.splitlines()[2:]
  assert '(the run itself)' in base_row
  assert '| `unlearn.fake_label=heldout` |' in variant_row

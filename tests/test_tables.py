"""The generated results pages are what the recorded runs say."""

from benchmarks import tables
from conftest import ROOT


def test_results_pages_regenerate_identically_from_the_recorded_runs():
  reports = tables.load_reports(ROOT / 'results')
  assert (ROOT / 'docs' / 'results.md').read_text() == (
      tables.results_page(reports))
  readme = (ROOT / 'README.md').read_text()
  assert readme == tables.readme_with_table(readme, reports)

"""timings.json: a stage's seconds, a resumed stage's added to its earlier."""

from gan_unlearn_jax import timings


def test_a_resumed_stage_adds_its_seconds_to_those_of_the_run_it_continues(
    tmp_path):
  recorded = timings.Timings(str(tmp_path))
  recorded.record({'train': 100.0}, None)
  recorded.record({'retrain_0': 50.0}, 'request')
  recorded.timed('train', None, lambda: None, resuming=True)
  recorded.timed('retrain_0', 'request', lambda: None, resuming=True)
  on_file = timings.Timings(str(tmp_path)).read()
  assert 100.0 < on_file['train'] < 101.0
  assert 50.0 < on_file['requests']['request']['retrain_0'] < 51.0
  recorded.timed('train', None, lambda: None)  # Started over: replaced.
  assert recorded.read()['train'] < 1.0

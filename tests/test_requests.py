import json
import re

import numpy as np
import pytest

from conftest import ROOT
from gan_unlearn_jax import experiment
from gan_unlearn_jax import requests
from gan_unlearn_jax.errors import UserError

LABELS = np.arange(100) % 10
TRAIN_IDS = np.arange(100)


def parse(spec, train_ids=TRAIN_IDS, canary_ids=None):
  return requests.parse_request(spec, 'mnist', train_ids, LABELS, canary_ids)


def test_item_requests():
  request = parse('ids:17,3')
  assert request.kind == 'item' and request.forget_ids.tolist() == [3, 17]
  assert request.name == parse('ids:[3, 17]').name
  random = parse('random:10')
  assert len(random.forget_ids) == 10 and random.name == 'random10-seed0'
  np.testing.assert_array_equal(random.forget_ids,
                                parse('random:10:0').forget_ids)
  other = parse('random:10:1')
  assert other.name == 'random10-seed1'
  assert not np.array_equal(other.forget_ids, random.forget_ids)


def test_class_request_by_index_or_name():
  by_index = parse('class:7')
  assert by_index.kind == 'class' and by_index.forget_class == 7
  np.testing.assert_array_equal(by_index.forget_ids, np.arange(7, 100, 10))
  cats = requests.parse_request('class:cat', 'cifar10', TRAIN_IDS, LABELS)
  assert cats.forget_class == 3 and cats.name == 'class-cat'


def test_canary_request():
  request = parse('canaries', canary_ids=np.array([9, 4]))
  assert request.canaries and request.forget_ids.tolist() == [4, 9]
  assert request.name == 'canaries2'


def test_requests_in_sequence_name_what_they_follow():
  first, second, last = requests.parse_sequence(
      'ids:10,11; ids:98,99', 'ids:3,4', 'mnist', TRAIN_IDS, LABELS)
  assert first.name == parse('ids:10,11').name and not len(first.earlier_ids)
  assert second.name == parse('ids:98,99').name + '-after-' + first.name
  assert last.name == parse('ids:3,4').name + '-after-' + second.name
  np.testing.assert_array_equal(second.earlier_ids, first.forget_ids)
  np.testing.assert_array_equal(last.earlier_ids, [10, 11, 98, 99])
  np.testing.assert_array_equal(
      last.all_forget_ids, np.union1d(last.earlier_ids, [3, 4]))
  (alone,) = requests.parse_sequence('', 'ids:3', 'mnist', TRAIN_IDS, LABELS)
  assert alone.name == parse('ids:3').name and not len(alone.earlier_ids)


def test_random_requests_in_sequence_draw_among_the_examples_left():
  *earlier, last = requests.parse_sequence(
      'random:40:0; random:40:1', 'random:19:2', 'mnist', TRAIN_IDS, LABELS)
  # The first draws from the whole set; each later one from what is left.
  np.testing.assert_array_equal(earlier[0].forget_ids,
                                parse('random:40:0').forget_ids)
  np.testing.assert_array_equal(
      earlier[1].forget_ids, np.sort(np.random.default_rng(1).choice(
          np.setdiff1d(TRAIN_IDS, earlier[0].forget_ids), 40,
          replace=False)))
  assert len(np.union1d(last.earlier_ids, last.forget_ids)) == 99
  with pytest.raises(UserError, match=r'N in 1\.\.19 '):
    requests.parse_sequence('random:40:0; random:40:1', 'random:20', 'mnist',
                            TRAIN_IDS, LABELS)


@pytest.mark.parametrize('after, spec, message', [
    ('ids:3,4', 'ids:4,5', r'ids \[4\] are in two requests'),
    ('class:7', 'ids:4', "'class:7' is not an item request"),
    ('ids:1;ids:2', 'ids:2', r'ids \[2\] are in two'),
])
def test_bad_sequences_are_refused(after, spec, message):
  with pytest.raises(UserError, match=r"config.unlearn.after='.*': " + message):
    requests.parse_sequence(after, spec, 'mnist', TRAIN_IDS, LABELS)


def test_reforget_earlier_adds_the_earlier_ids_to_item_requests_only():
  *_, items = requests.parse_sequence('ids:3,4', 'ids:5', 'mnist', TRAIN_IDS,
                                      LABELS)
  assert items.unlearning_set(False) is items
  again = items.unlearning_set(True)
  assert again.forget_ids.tolist() == [3, 4, 5] and again.name == items.name
  for spec in ('class:7', 'canaries'):
    *_, other = requests.parse_sequence('ids:3,4', spec, 'mnist', TRAIN_IDS,
                                        LABELS, canary_ids=np.array([9]))
    assert other.unlearning_set(True) is other


def test_forget_file_json_and_lines(tmp_path):
  json_file, text_file = tmp_path / 'ids.json', tmp_path / 'ids.txt'
  json_file.write_text(json.dumps([5, 6]))
  text_file.write_text('5\n6\n')
  assert parse(f'file:{json_file}').forget_ids.tolist() == [5, 6]
  assert parse(f'file:{text_file}').forget_ids.tolist() == [5, 6]


@pytest.mark.parametrize('spec, message', [
    ('ids:3,100', 'out of range'),
    ('ids:-1', 'out of range'),
    ('ids:3,3', 'duplicated'),
    ('ids:3,x', 'must be integers'),
    ('ids:1.5', 'must be integers'),
    ('ids:[]', 'empty'),
    (f'ids:{",".join(map(str, range(100)))}', 'whole training set'),
    ('class:10', 'unknown class'),
    ('class:cat', 'unknown class'),
    ('class:', 'unknown class'),
    ('random:100', 'random:N'),
    ('random:ten', 'random:N'),
    ('random:5:-1', 'random:N'),
    ('canaries', 'no canaries'),
    ('canaries:3', 'unknown request'),
    ('7', 'unknown request'),
    ('', 'unknown request'),
    (7, 'give a string'),
])
def test_bad_requests_are_refused_naming_field_and_value(spec, message):
  with pytest.raises(UserError, match=message) as info:
    parse(spec)
  assert str(info.value).startswith(f'config.unlearn.request={spec!r}: ')


@pytest.mark.parametrize('content, message', [
    (None, 'no such file'), ('[1, 2', 'does not parse'),
    ('3\nseven\n', 'does not parse'), ('[]', 'empty'),
    ('{"ids": [1]}', 'must be a list')])
def test_bad_forget_files_are_refused(tmp_path, content, message):
  path = tmp_path / 'ids'
  if content is not None:
    path.write_text(content)
  with pytest.raises(UserError, match=message):
    parse(f'file:{path}')


def test_ids_outside_the_training_subset_are_refused():
  with pytest.raises(UserError, match='not in the training set'):
    parse('ids:50', train_ids=np.arange(10))


def test_readme_request_examples_parse_as_written(test_config):
  """Every `--config.unlearn.request=...` of the README's request table is
  a request of `configs/test.py` (ids from its training subset)."""
  readme = (ROOT / 'README.md').read_text()
  section = readme.split('### Forget requests', 1)[1].split('\n## ', 1)[0]
  specs = re.findall(r'`--config\.unlearn\.request=([^`]+)`', section)
  assert {spec.split(':')[0] for spec in specs} == {
      'random', 'ids', 'file', 'canaries', 'class'}
  test_config.data.canaries = 4
  exp = experiment.Experiment(test_config, '/nonexistent')
  labels = np.asarray(exp.train_split.labels)
  for spec in specs:
    spec = spec.strip("'")
    if spec.startswith('file:'):
      continue  # A file of the user's.
    request = requests.parse_request(spec, 'mnist', exp.train_ids, labels,
                                     exp.canary_ids)
    assert 0 < len(request.forget_ids) < len(exp.train_ids), spec


def test_bad_request_writes_nothing(test_config, tmp_path):
  test_config.mode = 'all'
  test_config.unlearn.request = 'ids:60000'
  with pytest.raises(UserError, match='out of range'):
    experiment.run(test_config, str(tmp_path / 'run'))
  assert not (tmp_path / 'run').exists()


def test_missing_original_names_the_mode(test_config, tmp_path):
  test_config.mode = 'unlearn'
  with pytest.raises(UserError, match='--config.mode=train'):
    experiment.run(test_config, str(tmp_path))


def test_unknown_mode_and_evaluator_are_refused(test_config, tmp_path):
  test_config.mode = 'bogus'
  with pytest.raises(UserError, match="config.mode='bogus'"):
    experiment.run(test_config, str(tmp_path / 'a'))
  test_config.mode = 'all'
  test_config.evaluation.evaluators = ('membership', 'fid')
  with pytest.raises(UserError, match="unknown evaluator 'fid'"):
    experiment.run(test_config, str(tmp_path / 'b'))
  assert not (tmp_path / 'a').exists() and not (tmp_path / 'b').exists()


def test_holdout_ids_are_refused_and_never_trained_on(test_config):
  with pytest.raises(UserError, match='ids \\[5\\] are in the holdout slice'):
    requests.parse_request('ids:5,6', 'mnist', np.arange(6, 100), LABELS,
                           holdout_ids=np.array([0, 5]))
  exp = experiment.Experiment(test_config, '/nonexistent')
  holdout = np.concatenate([exp.holdout.probe_ids, exp.holdout.evaluation_ids])
  assert len(holdout) == len(np.unique(holdout)) == (
      test_config.data.holdout_size)
  assert not np.isin(exp.train_ids, holdout).any()
  assert len(exp.holdout.probe_ids) == len(exp.holdout.evaluation_ids)
  spec = f'ids:{exp.holdout.evaluation_ids[0]}'
  with pytest.raises(UserError, match='holdout slice'):
    requests.parse_request(spec, 'mnist', exp.train_ids,
                           np.asarray(exp.train_split.labels),
                           holdout_ids=holdout)


def test_a_training_subset_larger_than_the_split_outside_the_holdout(
    test_config, tmp_path):
  test_config.data.holdout_size = 59000
  with pytest.raises(UserError, match='config.data.train_size=2048: only '
                     '1000 training-split examples'):
    experiment.run(test_config, str(tmp_path / 'run'))
  assert not (tmp_path / 'run').exists()

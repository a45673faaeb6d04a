import json

import numpy as np
import pytest

from gan_unlearn_jax import experiment
from gan_unlearn_jax import requests
from gan_unlearn_jax.errors import UserError

LABELS = np.arange(100) % 10
TRAIN_IDS = np.arange(100)


def parse(**fields):
  from configs import test  # pylint: disable=g-import-not-at-top
  unlearn = test.get_config().unlearn
  unlearn.num_random = 0
  for key, value in fields.items():
    unlearn[key] = value
  return requests.parse_request(unlearn, 'mnist', TRAIN_IDS, LABELS)


def test_item_requests():
  request = parse(forget_ids=(17, 3))
  assert request.kind == 'item' and request.forget_ids.tolist() == [3, 17]
  assert request.name == parse(forget_ids=[3, 17]).name
  random = parse(num_random=10)
  assert len(random.forget_ids) == 10 and random.name == 'random10-seed0'
  np.testing.assert_array_equal(random.forget_ids,
                                parse(num_random=10).forget_ids)


def test_class_request_by_index_or_name():
  by_index = parse(forget_class=7)
  by_name = parse(forget_class='7')
  assert by_index.kind == 'class' and by_index.forget_class == 7
  np.testing.assert_array_equal(by_index.forget_ids, np.arange(7, 100, 10))
  np.testing.assert_array_equal(by_name.forget_ids, by_index.forget_ids)


def test_forget_file_json_and_lines(tmp_path):
  json_file, text_file = tmp_path / 'ids.json', tmp_path / 'ids.txt'
  json_file.write_text(json.dumps([5, 6]))
  text_file.write_text('5\n6\n')
  assert parse(forget_file=str(json_file)).forget_ids.tolist() == [5, 6]
  assert parse(forget_file=str(text_file)).forget_ids.tolist() == [5, 6]


@pytest.mark.parametrize('fields, message', [
    ({'forget_ids': (3, 100)}, 'out of range'),
    ({'forget_ids': (-1,)}, 'out of range'),
    ({'forget_ids': (3, 3)}, 'duplicated'),
    ({'forget_ids': (3, 'x')}, 'must be integers'),
    ({'forget_ids': (1.5,)}, 'must be integers'),
    ({'forget_ids': tuple(range(100))}, 'whole training set'),
    ({'forget_class': 10}, 'unknown class'),
    ({'forget_class': 'cat'}, 'unknown class'),
    ({'num_random': 100}, 'must be an integer'),
    ({}, 'set exactly one'),
    ({'forget_ids': (3,), 'forget_class': 2}, 'set exactly one'),
])
def test_bad_requests_are_refused(fields, message):
  with pytest.raises(UserError, match=message) as info:
    parse(**fields)
  if fields:
    assert f'config.unlearn.{next(iter(fields))}=' in str(info.value) or (
        'set exactly one' in message)


@pytest.mark.parametrize('content, message', [
    (None, 'no such file'), ('[1, 2', 'does not parse'),
    ('3\nseven\n', 'does not parse'), ('[]', 'empty'),
    ('{"ids": [1]}', 'must be a list')])
def test_bad_forget_files_are_refused(tmp_path, content, message):
  path = tmp_path / 'ids'
  if content is not None:
    path.write_text(content)
  with pytest.raises(UserError, match=message):
    parse(forget_file=str(path))


def test_ids_outside_the_training_subset_are_refused():
  from configs import test  # pylint: disable=g-import-not-at-top
  unlearn = test.get_config().unlearn
  unlearn.num_random, unlearn.forget_ids = 0, (50,)
  with pytest.raises(UserError, match='not in the training set'):
    requests.parse_request(unlearn, 'mnist', np.arange(10), LABELS)


def test_bad_request_writes_nothing(test_config, tmp_path):
  test_config.mode = 'all'
  test_config.unlearn.num_random = 0
  test_config.unlearn.forget_ids = (60000,)
  with pytest.raises(UserError, match='out of range'):
    experiment.run(test_config, str(tmp_path / 'run'))
  assert not (tmp_path / 'run').exists()


def test_missing_original_names_the_mode(test_config, tmp_path):
  test_config.mode = 'unlearn'
  with pytest.raises(UserError, match='--config.mode=train'):
    experiment.run(test_config, str(tmp_path))

"""Forget requests: which training examples to unlearn, validated up front.

A request is item unlearning (`unlearn.forget_ids`, `unlearn.forget_file`,
`unlearn.num_random` or `unlearn.forget_canaries`) or class unlearning
(`unlearn.forget_class`, an index or a class name). `parse_request` refuses a
bad request with one message naming the field and the value before anything
runs or is written.
"""

import dataclasses
import hashlib
import json
import os
from typing import Any, Optional

import ml_collections
import numpy as np

from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax.errors import UserError


@dataclasses.dataclass(frozen=True)
class ForgetRequest:
  """`forget_ids` index the tfds train split; `name` names the run's folders.

  `canaries`: the forget set is the marked canaries (`canaries.py`), so
  held-out images of the same kind are marked too.
  """
  kind: str  # 'item' or 'class'
  name: str
  forget_ids: np.ndarray
  forget_class: Optional[int] = None
  canaries: bool = False

  def to_json(self) -> dict[str, Any]:
    return {'kind': self.kind, 'name': self.name,
            'num_forget': int(len(self.forget_ids)),
            'forget_class': self.forget_class, 'canaries': self.canaries,
            'forget_ids': self.forget_ids.tolist() if self.kind == 'item'
                          else None}


def _refuse(field: str, value, message: str):
  raise UserError(f'config.unlearn.{field}={value!r}: {message}')


def _read_ids_file(path: str) -> list:
  if not os.path.isfile(path):
    _refuse('forget_file', path, 'no such file.')
  with open(path) as f:
    text = f.read()
  try:
    ids = json.loads(text)
  except json.JSONDecodeError:
    try:
      ids = [int(line) for line in text.split('\n') if line.strip()]
    except ValueError:
      _refuse('forget_file', path, 'does not parse: write a JSON list of '
              'example ids, or one integer id per line.')
  if not isinstance(ids, list):
    _refuse('forget_file', path, 'the JSON must be a list of example ids.')
  return ids


def _class_index(value, dataset: str) -> int:
  names = input_pipeline.class_names(dataset)
  if isinstance(value, str) and value in names:
    return names.index(value)
  try:
    index = int(value)
  except (TypeError, ValueError):
    index = -1
  if isinstance(value, (bool, float)) or not 0 <= index < len(names):
    _refuse('forget_class', value, f'unknown class of {dataset}; give an '
            f'index 0..{len(names) - 1} or one of {list(names)}.')
  return index


def _item_ids(ids: list, field: str, value, train_ids: np.ndarray,
              num_examples: int) -> np.ndarray:
  if not ids:
    _refuse(field, value, 'the forget set is empty.')
  bad = [i for i in ids if isinstance(i, bool) or not isinstance(
      i, (int, np.integer))]
  if bad:
    _refuse(field, value, f'ids must be integers; got {bad[:5]}.')
  ids = np.asarray(ids, np.int64)
  out_of_range = ids[(ids < 0) | (ids >= num_examples)]
  if out_of_range.size:
    _refuse(field, value, f'ids {out_of_range[:5].tolist()} are out of range '
            f'0..{num_examples - 1} of the training split.')
  unique, counts = np.unique(ids, return_counts=True)
  if (counts > 1).any():
    _refuse(field, value, f'duplicated ids {unique[counts > 1][:5].tolist()}.')
  untrained = np.setdiff1d(ids, train_ids)
  if untrained.size:
    _refuse(field, value, f'ids {untrained[:5].tolist()} are not in the '
            'training set (see config.data.train_size).')
  if len(ids) >= len(train_ids):
    _refuse(field, value, 'the forget set is the whole training set; nothing '
            'would be left to learn from.')
  return np.sort(ids)


def parse_request(unlearn: ml_collections.ConfigDict, dataset: str,
                  train_ids: np.ndarray, train_labels: np.ndarray,
                  canary_ids: Optional[np.ndarray] = None,
                  ) -> ForgetRequest:
  """Builds the request from `config.unlearn`, or raises a `UserError`.

  Args:
    unlearn: `config.unlearn`.
    dataset: `config.data.name`.
    train_ids: the ids the original model was trained on.
    train_labels: labels of the whole training split.
    canary_ids: the planted canaries (`canaries.canary_ids`).
  """
  given = {field: unlearn.get(field) for field in
           ('forget_ids', 'forget_file', 'num_random', 'forget_canaries',
            'forget_class')}
  given = {k: v for k, v in given.items()
           if v not in (None, '', (), [], 0, False)}
  if len(given) != 1:
    raise UserError(
        'config.unlearn: set exactly one of forget_ids, forget_file, '
        f'num_random, forget_canaries or forget_class; got {given or "none"}.')
  (field, value), = given.items()
  num_examples = len(train_labels)
  if field == 'forget_canaries':
    if canary_ids is None or not len(canary_ids):
      _refuse(field, value, 'there are no canaries; set config.data.canaries.')
    return ForgetRequest('item', f'canaries{len(canary_ids)}',
                         np.sort(canary_ids), canaries=True)
  if field == 'forget_class':
    index = _class_index(value, dataset)
    ids = train_ids[train_labels[train_ids] == index]
    if not 0 < len(ids) < len(train_ids):
      _refuse(field, value, 'the class must have some but not all of the '
              'training examples.')
    name = f'class-{input_pipeline.class_names(dataset)[index]}'
    return ForgetRequest('class', name, ids, index)
  if field == 'num_random':
    if not isinstance(value, int) or not 0 < value < len(train_ids):
      _refuse(field, value, f'must be an integer in 1..{len(train_ids) - 1}.')
    rng = np.random.default_rng(unlearn.random_seed)
    ids = np.sort(rng.choice(train_ids, value, replace=False))
    return ForgetRequest('item', f'random{value}-seed{unlearn.random_seed}',
                         ids)
  ids = list(value) if field == 'forget_ids' else _read_ids_file(value)
  ids = _item_ids(ids, field, value, train_ids, num_examples)
  digest = hashlib.sha256(ids.tobytes()).hexdigest()[:8]
  return ForgetRequest('item', f'items{len(ids)}-{digest}', ids)

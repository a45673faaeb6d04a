"""Forget requests: which training examples to unlearn, validated up front.

A request is one string, `config.unlearn.request`:

  random:64       64 random training examples (seed 0; `random:64:3`: seed 3;
                  after earlier requests, drawn among the examples they left)
  ids:10,14       these training examples (`ids:[10, 14]` also reads)
  file:ids.json   the ids in a file: a JSON list, or one integer a line
  canaries        the marked canaries (`data.canaries`)
  class:7         every training example of a class (`class:cat`: by name)

Item requests are all but `class`. `parse_request` refuses a bad request
with one message naming the field and the value before anything runs or is
written. `parse_sequence` adds the requests unlearned before it
(`unlearn.after`), as users' requests arrive one after another.
"""

import dataclasses
import hashlib
import json
import os
from typing import Any, Optional

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
  # In a sequence (`unlearn.after`): the forget ids of the requests unlearned
  # before this one, which no model after them may train on either.
  earlier_ids: np.ndarray = dataclasses.field(
      default_factory=lambda: np.zeros(0, np.int64))

  @property
  def all_forget_ids(self) -> np.ndarray:
    return np.union1d(self.forget_ids, self.earlier_ids)

  def unlearning_set(self, reforget_earlier: bool) -> 'ForgetRequest':
    """What the loop unlearns for this request: with `reforget_earlier`
    (`unlearn.reforget_earlier`), an item request forgets the earlier
    requests' images again with its own. A class or canary request forgets
    its own only: its stop rule compares it with held-out images of its
    kind, which the earlier images are not."""
    if reforget_earlier and self.kind == 'item' and not self.canaries:
      return dataclasses.replace(self, forget_ids=self.all_forget_ids)
    return self

  def to_json(self) -> dict[str, Any]:
    return {'kind': self.kind, 'name': self.name,
            'num_forget': int(len(self.forget_ids)),
            'forget_class': self.forget_class, 'canaries': self.canaries,
            'forget_ids': self.forget_ids.tolist() if self.kind == 'item'
                          else None,
            'num_earlier': int(len(self.earlier_ids))}


FORMS = ('random:N[:SEED]', 'ids:I,J,...', 'file:PATH', 'canaries',
         'class:C')


def _refuse(spec, message: str):
  raise UserError(f'config.unlearn.request={spec!r}: {message}')


def _read_ids_file(spec: str, path: str) -> list:
  if not os.path.isfile(path):
    _refuse(spec, f'no such file {path!r}.')
  with open(path) as f:
    text = f.read()
  try:
    ids = json.loads(text)
  except json.JSONDecodeError:
    try:
      ids = [int(line) for line in text.split('\n') if line.strip()]
    except ValueError:
      _refuse(spec, f'{path} does not parse: write a JSON list of example '
              'ids, or one integer id per line.')
  if not isinstance(ids, list):
    _refuse(spec, f'the JSON in {path} must be a list of example ids.')
  return ids


def _read_ids(text: str) -> list:
  """`'12,17'` or `'[12, 17]'` -> `[12, 17]`; a token that is not an
  integer stays a string, for `_item_ids` to refuse."""
  text = text.strip().strip('[]').strip()
  ids = []
  for token in text.split(',') if text else []:
    try:
      ids.append(int(token))
    except ValueError:
      ids.append(token.strip())
  return ids


def _class_index(spec: str, value: str, dataset: str) -> int:
  names = input_pipeline.class_names(dataset)
  if value in names:
    return names.index(value)
  index = int(value) if value.isdigit() else -1
  if not 0 <= index < len(names):
    _refuse(spec, f'unknown class of {dataset}; give an index '
            f'0..{len(names) - 1} or one of {list(names)}.')
  return index


def _item_ids(spec: str, ids: list, train_ids: np.ndarray,
              num_examples: int, holdout_ids: np.ndarray) -> np.ndarray:
  if not ids:
    _refuse(spec, 'the forget set is empty.')
  bad = [i for i in ids if isinstance(i, bool) or not isinstance(
      i, (int, np.integer))]
  if bad:
    _refuse(spec, f'ids must be integers; got {bad[:5]}.')
  ids = np.asarray(ids, np.int64)
  out_of_range = ids[(ids < 0) | (ids >= num_examples)]
  if out_of_range.size:
    _refuse(spec, f'ids {out_of_range[:5].tolist()} are out of range '
            f'0..{num_examples - 1} of the training split.')
  unique, counts = np.unique(ids, return_counts=True)
  if (counts > 1).any():
    _refuse(spec, f'duplicated ids {unique[counts > 1][:5].tolist()}.')
  held_out = np.intersect1d(ids, holdout_ids)
  if held_out.size:
    _refuse(spec, f'ids {held_out[:5].tolist()} are in the holdout slice '
            '(config.data.holdout_size): non-members that no model trains on, '
            'so there is nothing to forget.')
  untrained = np.setdiff1d(ids, train_ids)
  if untrained.size:
    _refuse(spec, f'ids {untrained[:5].tolist()} are not in the '
            'training set (see config.data.train_size).')
  if len(ids) >= len(train_ids):
    _refuse(spec, 'the forget set is the whole training set; nothing '
            'would be left to learn from.')
  return np.sort(ids)


def parse_request(spec: str, dataset: str, train_ids: np.ndarray,
                  train_labels: np.ndarray,
                  canary_ids: Optional[np.ndarray] = None,
                  holdout_ids: Optional[np.ndarray] = None,
                  earlier_ids: Optional[np.ndarray] = None) -> ForgetRequest:
  """Builds the request `spec` (`config.unlearn.request`), or raises a
  `UserError`.

  Args:
    spec: the request, in one of the `FORMS` (module docstring).
    dataset: `config.data.name`.
    train_ids: the ids the original model was trained on.
    train_labels: labels of the whole training split.
    canary_ids: the planted canaries (`canaries.canary_ids`).
    holdout_ids: the holdout slice (`input_pipeline.holdout_ids`).
    earlier_ids: what earlier requests of a sequence forgot; a `random`
      request draws among the other training examples.
  """
  if not isinstance(spec, str):
    _refuse(spec, f'give a string of one of the forms {FORMS}.')
  kind, _, value = spec.partition(':')
  if kind == 'canaries' and not value:
    if canary_ids is None or not len(canary_ids):
      _refuse(spec, 'there are no canaries; set config.data.canaries.')
    return ForgetRequest('item', f'canaries{len(canary_ids)}',
                         np.sort(canary_ids), canaries=True)
  if kind == 'class':
    index = _class_index(spec, value, dataset)
    ids = train_ids[train_labels[train_ids] == index]
    if not 0 < len(ids) < len(train_ids):
      _refuse(spec, 'the class must have some but not all of the training '
              'examples.')
    name = f'class-{input_pipeline.class_names(dataset)[index]}'
    return ForgetRequest('class', name, ids, index)
  if kind == 'random':
    count, _, seed = value.partition(':')
    seed = seed or '0'
    left = (train_ids if earlier_ids is None or not len(earlier_ids)
            else np.setdiff1d(train_ids, earlier_ids))
    if not (count.isdigit() and seed.isdigit() and
            0 < int(count) < len(left)):
      _refuse(spec, f'give random:N or random:N:SEED with N in '
              f'1..{len(left) - 1} and SEED a non-negative integer.')
    rng = np.random.default_rng(int(seed))
    ids = np.sort(rng.choice(left, int(count), replace=False))
    return ForgetRequest('item', f'random{int(count)}-seed{int(seed)}', ids)
  if kind in ('ids', 'file') and value:
    ids = (_read_ids(value) if kind == 'ids'
           else _read_ids_file(spec, value))
    ids = _item_ids(spec, ids, train_ids, len(train_labels),
                    np.asarray([] if holdout_ids is None else holdout_ids))
    digest = hashlib.sha256(ids.tobytes()).hexdigest()[:8]
    return ForgetRequest('item', f'items{len(ids)}-{digest}', ids)
  _refuse(spec, f'unknown request; give one of the forms {FORMS}.')


def parse_sequence(after: str, spec: str, dataset: str, train_ids: np.ndarray,
                   train_labels: np.ndarray,
                   canary_ids: Optional[np.ndarray] = None,
                   holdout_ids: Optional[np.ndarray] = None
                   ) -> list[ForgetRequest]:
  """The requests `after` (`unlearn.after`: item requests separated by `;`,
  unlearned first, in order), then `spec`. Each is unlearned from the model
  of the one before it: its `earlier_ids` are the forget ids before it, and
  its name says what it followed (`<name>-after-<name of the one before>`).
  """
  parts = [part.strip() for part in after.split(';') if part.strip()]
  field = f'config.unlearn.after={after!r}'
  sequence, earlier = [], np.zeros(0, np.int64)
  for k, part in enumerate(parts + [spec]):
    request = parse_request(part, dataset, train_ids, train_labels,
                            canary_ids, holdout_ids, earlier)
    if k < len(parts) and (request.kind != 'item' or request.canaries):
      raise UserError(f'{field}: {part!r} is not an item request (random, '
                      'ids, file): only those can come earlier.')
    overlap = np.intersect1d(request.forget_ids, earlier)
    if overlap.size:
      raise UserError(f'{field}: ids {overlap[:5].tolist()} are in two '
                      'requests of the sequence; each is forgotten once.')
    if len(np.union1d(request.forget_ids, earlier)) >= len(train_ids):
      raise UserError(f'{field}: the sequence forgets the whole training '
                      'set; nothing would be left to learn from.')
    if k:
      request = dataclasses.replace(
          request, name=f'{request.name}-after-{sequence[-1].name}',
          earlier_ids=earlier)
    sequence.append(request)
    earlier = np.union1d(earlier, request.forget_ids)
  return sequence

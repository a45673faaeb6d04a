"""Every config in configs/ is valid and names a request its data allows."""

import importlib

import pytest

from conftest import ROOT
from gan_unlearn_jax import canaries
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import requests
from gan_unlearn_jax import validation

CONFIGS = sorted(p.stem for p in (ROOT / 'configs').glob('*.py')
                 if p.stem not in ('__init__', 'default'))


@pytest.mark.parametrize('name', CONFIGS)
def test_config_validates_and_parses_its_request(name):
  config = importlib.import_module(f'configs.{name}').get_config()
  validation.validate_config(config)
  _, labels = input_pipeline.load_numpy(config.data, 'train')
  train_ids = input_pipeline.train_subset(config.data, len(labels))
  request = requests.parse_request(
      config.unlearn.request, config.data.name, train_ids, labels,
      canaries.canary_ids(config.data, train_ids))
  assert 0 < len(request.forget_ids) < len(train_ids)

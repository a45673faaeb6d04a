r"""Steps/s and images/s of the GAN step and the cascaded unlearning step.

  python -m benchmarks.steps [--configs=mnist_item,cifar10_item]
      [--batch_sizes=64,256] [--steps=50] [--rounds=5] [--models=5]

Times the GAN step and the cascaded unlearning step on one device (the pure
steps, jitted) and on every local device (the loops' pmapped steps, which
gather their batches on the device), with synthetic images already on the
device, and K GANs' steps vmapped side by side (`--models`, as
`retrain.vmapped` trains the retrained models; images/s counts all K), and
prints a Markdown table with the compile time, the step's
arithmetic (XLA's count of floating-point operations, and the rate it runs
at) and the peak memory: the host's resident set and, where the backend
reports it, the device's. A matrix product of the size of the models'
largest layer gives the device's reference rate. The steps are timed
in interleaved rounds (steps/s is the median round). The timed loop runs
under `jax.transfer_guard('disallow')`: it moves no data from the host.
"""

import functools
import importlib
import json
import resource
import time
from typing import Callable

from absl import app
from absl import flags
import jax
import jax.numpy as jnp
import numpy as np

from benchmarks import tables
from gan_unlearn_jax import gan
from gan_unlearn_jax import input_pipeline
from gan_unlearn_jax import parallel
from gan_unlearn_jax import report
from gan_unlearn_jax import train
from gan_unlearn_jax import unlearn

flags.DEFINE_list('configs', ['mnist_item', 'cifar10_item'], 'Config names.')
flags.DEFINE_list('batch_sizes', ['64', '256'], 'Global batch sizes.')
flags.DEFINE_integer('steps', 50, 'Timed steps per measurement.',
                     lower_bound=1)
flags.DEFINE_integer('rounds', 5, 'Interleaved rounds the steps are split into.',
                     lower_bound=1)
flags.DEFINE_integer('models', 5, 'Also time this many GANs vmapped side by '
                     'side (retrain.vmapped); 1: not.', lower_bound=1)
flags.DEFINE_string('json_out', None, 'Also write the run (rows, command, '
                    'commit, hardware) as JSON here.')
FLAGS = flags.FLAGS


def _time_interleaved(calls: dict, steps: int, rounds: int) -> dict:
  """{name: (compile + first step seconds, median steps per second)}.

  `calls` maps a name to `(step_fn, args)`, where `step_fn(*args)` returns the
  new states first. The steps run in `rounds` interleaved rounds, so that a
  slow spell of a shared machine does not fall on one step alone (timed one
  after the other, the same step measured up to 20% apart).
  """
  compile_s, states, rates = {}, {}, {name: [] for name in calls}
  for name, (step_fn, args) in calls.items():
    start = time.perf_counter()
    states[name] = jax.block_until_ready(step_fn(*args))[:2]
    compile_s[name] = time.perf_counter() - start
  rounds = min(rounds, steps)
  per_round = steps // rounds
  with jax.transfer_guard('disallow'):
    for _ in range(rounds):
      for name, (step_fn, args) in calls.items():
        start = time.perf_counter()
        for _ in range(per_round):
          states[name] = step_fn(*states[name], *args[2:])[:2]
        jax.block_until_ready(states[name])
        rates[name].append(per_round / (time.perf_counter() - start))
  return {name: (compile_s[name], float(np.median(rates[name])))
          for name in calls}


def gflop(jitted: Callable, *args) -> float:
  """XLA's count of the floating-point operations of one call, in GFLOP."""
  # Shapes only: the steps have donated (deleted) the arrays.
  args = jax.tree.map(lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype), args)
  cost = jitted.lower(*args).compile().cost_analysis()
  return (cost[0] if isinstance(cost, list) else cost)['flops'] / 1e9


def matmul_gflop_per_s(repeats: int = 50) -> float:
  """The rate of a [4096, 512] x [512, 256] matrix product, the size of the
  MNIST models' largest product at batch 64 (G's 7x7x128 -> 14x14x64, four
  phases at once): what the device's arithmetic can reach on these shapes."""
  a = jax.random.normal(jax.random.key(0), (4096, 512))
  b = jax.random.normal(jax.random.key(1), (512, 256))
  matmul = jax.jit(jnp.matmul)
  jax.block_until_ready(matmul(a, b))
  start = time.perf_counter()
  for _ in range(repeats):
    out = matmul(a, b)
  jax.block_until_ready(out)
  seconds = time.perf_counter() - start
  return repeats * gflop(matmul, a, b) / seconds


def benchmark(config_name: str, global_batch: int, steps: int,
              rounds: int, models: int = 1) -> list[dict]:
  config = importlib.import_module(f'configs.{config_name}').get_config()
  shape = input_pipeline.image_shape(config.data.name)
  states = gan.create_train_states(config, jax.random.key(0))
  images = jax.random.uniform(jax.random.key(1), (4096, *shape), minval=-1)
  ids = jnp.arange(4096)
  sub_latents = jax.random.normal(jax.random.key(3),
                                  (global_batch, config.model.latent_dim))
  lambda_sub = config.unlearn.lambda_sub
  calls = {}

  # One device: the pure steps, jitted, on batches already on the device.
  rng = jax.random.key(2)
  batch = images[:global_batch]
  copy = lambda tree: jax.tree.map(jnp.copy, tree)  # The steps donate states.
  calls['GAN train_step', '1 (jit)'] = (
      jax.jit(gan.train_step, donate_argnums=(0, 1)),
      (*copy(states), {'real': batch}, rng))
  cascaded = jax.jit(functools.partial(unlearn.cascaded_unlearning_step,
                                       lambda_sub=lambda_sub),
                     donate_argnums=(0, 1))
  calls['cascaded_unlearning_step', '1 (jit)'] = (cascaded, (
      *copy(states), {'forget_images': batch,
                      'fake_targets': jnp.zeros((global_batch,)),
                      'remain_images': images[global_batch:2 * global_batch],
                      'sub_latents': sub_latents,
                      'sub_targets': images[2 * global_batch:3 * global_batch]},
      rng))

  # Every local device: the loops' pmapped steps, gathering their batches.
  replicated = parallel.replicate
  rng = replicated(rng)
  devices = f'{jax.local_device_count()} (pmap)'
  gan_step = train.make_pmapped_train_step(4096 // global_batch)
  epoch_ids = jax.pmap(train.epoch_batches, static_broadcasted_argnums=3)(
      rng, replicated(jnp.int32(0)), replicated(ids), global_batch)
  calls['GAN train_step', devices] = (
      gan_step, (*replicated(states), replicated(images), epoch_ids, rng))
  arrays = replicated({
      'train_images': images, 'forget_images': batch,
      'fake_targets': jnp.zeros((global_batch,)), 'remain_index': ids,
      'sub_latents': sub_latents,
      'sub_targets': images[2 * global_batch:3 * global_batch]})
  unlearn_step = unlearn.make_pmapped_unlearning_step(
      lambda_sub, global_batch, 1)
  counter = replicated(jnp.int32(0))
  # The counter only picks the batches; the timing holds it fixed.
  def pmapped_cascaded(g, d, arrays, rng, counter):
    g, d, counter, metrics = unlearn_step(g, d, arrays, rng, counter)
    return g, d, metrics
  calls['cascaded_unlearning_step', devices] = (
      pmapped_cascaded, (*replicated(states), arrays, rng, counter))
  # K GANs side by side (the vmapped retrains, `retrain.vmapped`).
  if models > 1:
    stacked = jax.tree.map(lambda x: jnp.stack([x] * models), states)
    model_rngs = jax.random.split(jax.random.key(4), models)
    vmapped_ids = train.pmapped_epoch_batches(True)(
        replicated(model_rngs), replicated(jnp.zeros((models,), jnp.int32)),
        replicated(ids), global_batch)
    calls[f'GAN train_step x {models} (vmap)', devices] = (
        train.make_pmapped_train_step(4096 // global_batch, True),
        (*replicated(stacked), replicated(images), vmapped_ids,
         replicated(model_rngs)))
  timings = _time_interleaved(calls, steps, rounds)
  # Counted after the timing, which compiles the steps itself, on the jitted
  # steps (the pmapped ones compute the same; K vmapped GANs K times one).
  step_gflop = {name: gflop(step_fn, *args)
                for (name, devices), (step_fn, args) in calls.items()
                if devices == '1 (jit)'}
  models_of = lambda name: models if '(vmap)' in name else 1
  step_gflop.update({name: models * step_gflop['GAN train_step']
                     for name, _ in calls if models_of(name) > 1})

  return [{'config': config_name, 'step': name, 'devices': devices,
           'backend': jax.default_backend(), 'global_batch': global_batch,
           'compile_s': compile_s, 'steps_per_s': steps_per_s,
           'images_per_s': steps_per_s * global_batch * models_of(name),
           'gflop_per_step': step_gflop[name],
           'gflop_per_s': steps_per_s * step_gflop[name], **peak_memory_gib()}
          for (name, devices), (compile_s, steps_per_s) in timings.items()]


def peak_memory_gib() -> dict[str, float]:
  """Peak host RSS of this process so far; the device's peak if reported."""
  memory = {'host_peak_gib':
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}
  stats = jax.local_devices()[0].memory_stats() or {}
  if 'peak_bytes_in_use' in stats:
    memory['device_peak_gib'] = stats['peak_bytes_in_use'] / 2**30
  return memory


def main(argv):
  del argv
  rows = [row for name in FLAGS.configs for batch in FLAGS.batch_sizes
          for row in benchmark(name, int(batch), FLAGS.steps, FLAGS.rounds,
                               FLAGS.models)]
  run = {'provenance': report.provenance(),
         'steps': FLAGS.steps, 'rounds': min(FLAGS.rounds, FLAGS.steps),
         'matmul_gflop_per_s': matmul_gflop_per_s(), 'rows': rows}
  print('\n' + tables.steps_table(run))
  if FLAGS.json_out:
    with open(FLAGS.json_out, 'w') as f:
      json.dump(run, f, indent=2)


if __name__ == '__main__':
  app.run(main)

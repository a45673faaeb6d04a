"""Data parallelism over the local devices of every process.

Global batches are split over devices (`local_rows`), gradients and metrics
averaged over them (`mean_over_devices`), and each device draws its share of
one global latent batch (`sample_latents`), so that a pmapped run matches a
one-device run with the same global batch. `initialize` joins JAX's
multi-process runtime.
"""

from typing import Optional

from flax import jax_utils
import jax
import ml_collections

AXIS = 'batch'  # pmap axis name of the data-parallel loops.


def initialize(config: ml_collections.ConfigDict) -> None:
  """Joins JAX's multi-process runtime and turns on the persistent
  compilation cache when the config asks for them.

  Fields left None are detected from the cluster environment (SLURM, Open
  MPI, Kubernetes, Cloud TPU) or `JAX_COORDINATOR_ADDRESS`.
  """
  if config.compilation_cache_dir:
    jax.config.update('jax_compilation_cache_dir',
                      config.compilation_cache_dir)
    jax.config.update('jax_persistent_cache_min_compile_time_secs', 0)
  if config.distributed:
    jax.distributed.initialize(config.coordinator_address,
                               config.num_processes, config.process_id)


def mean_over_devices(tree, axis_name: Optional[str]):
  return tree if axis_name is None else jax.lax.pmean(tree, axis_name)


def sample_latents(rng: jax.Array, local_batch: int, latent_dim: int,
                   axis_name: Optional[str]) -> jax.Array:
  """This device's share of a global batch of N(0, I) latents.

  The global batch is drawn from `rng` and sliced by device, so a pmapped run
  sees exactly the latents of a one-device run with the same global batch.
  """
  if axis_name is None:
    return jax.random.normal(rng, (local_batch, latent_dim))
  devices = jax.lax.psum(1, axis_name)
  z = jax.random.normal(rng, (devices * local_batch, latent_dim))
  return jax.lax.dynamic_slice_in_dim(
      z, jax.lax.axis_index(axis_name) * local_batch, local_batch)


_pmap_identity = jax.pmap(lambda tree: tree, axis_name=AXIS)


def replicate(tree):
  """Copies `tree` to every local device, with a leading device axis.

  The copy has the layout of a pmapped function's own outputs, so the first
  call of a pmapped step does not compile a second time on the second call
  (flax's `replicate` alone gives a layout that pmap reshards and recompiles).
  """
  return _pmap_identity(jax_utils.replicate(tree))


def local_rows(rows: jax.Array, axis_name: str) -> jax.Array:
  """This device's columns of `rows [..., global_batch]`."""
  local = rows.shape[-1] // jax.lax.psum(1, axis_name)
  return jax.lax.dynamic_slice_in_dim(
      rows, jax.lax.axis_index(axis_name) * local, local, axis=-1)

"""Orbax checkpoints of the G and D train states under `<workdir>/checkpoints/`.

Layout: `checkpoints/original/`, `checkpoints/unlearned/<request>/`,
`checkpoints/retrained/<request>/`, `checkpoints/finetuned/<request>/`,
`checkpoints/classifier/`. Each is an orbax `CheckpointManager` folder whose
steps are the train-state step; orbax writes each step to a temporary folder
and renames it when complete, so a run killed while saving leaves no step that
restores as complete.
"""

import functools
import logging
import os
import shutil
import sys
import traceback
from typing import Any, Optional

import jax
from jax.experimental import multihost_utils
import jax.numpy as jnp
import orbax.checkpoint as ocp

from gan_unlearn_jax.errors import UserError

def directory(workdir: str, name: str) -> str:
  return os.path.join(os.path.abspath(workdir), 'checkpoints', name)


def manager(workdir: str, name: str,
            max_to_keep: int = 2) -> ocp.CheckpointManager:
  return ocp.CheckpointManager(
      directory(workdir, name),
      options=ocp.CheckpointManagerOptions(max_to_keep=max_to_keep,
                                           create=True))


def save(mngr: ocp.CheckpointManager, step: int, tree: Any) -> None:
  """Saves `tree` as host arrays: every process holds the same replicated
  values, and orbax writes such arrays once, from the primary process."""
  mngr.save(step, args=ocp.args.StandardSave(jax.device_get(tree)))
  mngr.wait_until_finished()
  if jax.process_count() > 1:  # Every process now sees the step as saved.
    multihost_utils.sync_global_devices(f'saved {mngr.directory} {step}')


def restore_latest(mngr: ocp.CheckpointManager, template: Any) -> Optional[Any]:
  """The latest complete step restored into `template`'s structure, or None."""
  step = mngr.latest_step()
  return None if step is None else restore(mngr, step, template)


def restore(mngr: ocp.CheckpointManager, step: int, template: Any) -> Any:
  """Step `step` restored into `template`'s structure."""
  restored = mngr.restore(
      step, args=ocp.args.StandardRestore(jax.device_get(template)))
  return jax.tree.map(jnp.asarray, restored)


def latest_step(workdir: str, name: str) -> Optional[int]:
  path = directory(workdir, name)
  steps = ocp.utils.checkpoint_steps(path) if os.path.isdir(path) else []
  return max(steps) if steps else None


def remove(workdir: str, name: str) -> None:
  if jax.process_index() == 0:
    shutil.rmtree(directory(workdir, name), ignore_errors=True)
  if jax.process_count() > 1:  # No process writes there before it is gone.
    multihost_utils.sync_global_devices(f'removed {name}')


def exists(workdir: str, name: str) -> bool:
  return latest_step(workdir, name) is not None


def load(workdir: str, name: str, template: Any,
         remedy: str = 'rerun the stage that writes it') -> Any:
  """Restores the latest step of a checkpoint that a previous stage wrote.

  Raises a `UserError` naming the path and `remedy` (what makes the
  checkpoint) when the checkpoint is missing or does not restore.
  """
  path = directory(workdir, name)
  if not exists(workdir, name):
    raise UserError(f'No checkpoint at {path}: {remedy}.')
  mngr = ocp.CheckpointManager(path)
  _quiet_the_aftermath_of_failed_reads()
  try:
    return restore_latest(mngr, template)
  except Exception as e:  # orbax raises many types for corrupt folders.
    raise UserError(
        f'The checkpoint at {path} does not restore ({type(e).__name__}: '
        f'{str(e)[:200]}). Delete it, then {remedy}.') from e
  finally:
    mngr.close()


@functools.cache  # Installed once.
def _quiet_the_aftermath_of_failed_reads() -> None:
  """A failed restore raises its first read's error; the other reads fail on
  their own, on tensorstore's threads and in orbax's event loop, even before
  the failure reaches `load`. Each would print a traceback around the clear
  error: a `RuntimeError: Event loop is closed` from a callback into the loop
  orbax has already closed, or asyncio's `Task exception was never retrieved`
  when a failed read's task is collected (how many depends on timing). Those,
  and only those, are dropped, so both are in place before any restore."""
  previous = sys.unraisablehook

  def hook(unraisable):
    error = unraisable.exc_value
    if not (isinstance(error, RuntimeError) and
            str(error) == 'Event loop is closed'):
      previous(unraisable)

  sys.unraisablehook = hook
  logging.getLogger('asyncio').addFilter(_not_an_unretrieved_orbax_error)


_UNRETRIEVED = ('Task exception was never retrieved',
                'Future exception was never retrieved')


def _not_an_unretrieved_orbax_error(record: logging.LogRecord) -> bool:
  if not record.getMessage().startswith(_UNRETRIEVED):
    return True
  _, _, tb = record.exc_info or (None, None, None)
  files = [frame.f_code.co_filename for frame, _ in traceback.walk_tb(tb)]
  return not any(os.path.join('orbax', 'checkpoint') in f for f in files)

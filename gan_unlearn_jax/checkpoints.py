"""Orbax checkpoints of the G and D train states under `<workdir>/checkpoints/`.

Layout: `checkpoints/original/`, `checkpoints/unlearned/<request>/`,
`checkpoints/retrained/<request>/`, `checkpoints/finetuned/<request>/`,
`checkpoints/classifier/`. Each is an orbax `CheckpointManager` folder whose
steps are the train-state step; orbax writes each step to a temporary folder
and renames it when complete, so a run killed while saving leaves no step that
restores as complete.
"""

import os
import shutil
from typing import Any, Optional

import jax
from jax.experimental import multihost_utils
import jax.numpy as jnp
import orbax.checkpoint as ocp

from gan_unlearn_jax.errors import UserError

# Which CLI mode writes each kind of checkpoint, for error messages.
MAKER_MODE = {'original': 'train', 'unlearned': 'unlearn',
              'retrained': 'retrain', 'finetuned': 'finetune',
              'classifier': 'unlearn'}


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


def restore_latest(mngr: ocp.CheckpointManager, template: Any) -> Optional[Any]:
  """The latest complete step restored into `template`'s structure, or None."""
  step = mngr.latest_step()
  if step is None:
    return None
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


def load(workdir: str, name: str, template: Any) -> Any:
  """Restores the latest step of a checkpoint that a previous stage wrote.

  Raises a `UserError` naming the path and the mode that writes it when the
  checkpoint is missing or does not restore.
  """
  path = directory(workdir, name)
  mode = MAKER_MODE[name.split('/')[0]]
  if not exists(workdir, name):
    raise UserError(
        f'No checkpoint at {path}. Run --config.mode={mode} with this workdir '
        'first (or --config.mode=all).')
  mngr = ocp.CheckpointManager(path)
  try:
    return restore_latest(mngr, template)
  except Exception as e:  # orbax raises many types for corrupt folders.
    raise UserError(
        f'The checkpoint at {path} does not restore ({type(e).__name__}: '
        f'{str(e)[:200]}). Delete it and rerun --config.mode={mode}.') from e
  finally:
    mngr.close()

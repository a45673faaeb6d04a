"""Wall-clock seconds of the stages, kept in `<workdir>/timings.json`.

The shared stages' seconds (`train`, `classifier`, `reference`) sit at the top, every
other stage's under `requests/<request name>/`, so that a workdir reused for
several requests pairs each request with its own seconds.
"""

import os
import time
from typing import Any

from gan_unlearn_jax import monitoring

SHARED_STAGES = ('train', 'classifier', 'reference')


class Timings:
  """This process's seconds by stage (`this_run`), and the workdir's file."""

  def __init__(self, workdir: str):
    self.path = os.path.join(workdir, 'timings.json')
    self.this_run = {}

  def timed(self, stage: str, request: str, fn, *args,
            resuming: bool = False, **kwargs):
    """`fn(*args, **kwargs)`, its seconds recorded as `stage`; `resuming`:
    added to the seconds recorded before, those of the completed run it
    continues (a training extended to more epochs; a killed run records
    nothing, so its seconds are not counted)."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    seconds = time.perf_counter() - start
    if resuming:
      seconds += self.of_request(request).get(stage, 0.0)
    self.record({stage: seconds}, request)
    return result

  def read(self) -> dict[str, Any]:
    return monitoring.read_json(self.path) or {}

  def record(self, timings: dict[str, float], request: str) -> None:
    """Adds `timings` to this run's and to the file, where earlier runs'
    seconds for other stages and requests stay."""
    self.this_run.update(timings)
    recorded = self.read()
    for stage, seconds in timings.items():
      if stage in SHARED_STAGES:
        recorded[stage] = seconds
      else:
        recorded.setdefault('requests', {}).setdefault(request, {})[
            stage] = seconds
    monitoring.write_json(self.path, recorded)

  def of_request(self, request: str) -> dict[str, float]:
    """The seconds of the shared stages and of `request`'s stages."""
    recorded = self.read()
    return {**{s: recorded[s] for s in SHARED_STAGES if s in recorded},
            **recorded.get('requests', {}).get(request, {})}

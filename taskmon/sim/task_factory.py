"""Turning a `TaskScript` into a `SimTask`: its timeline, ID, estimate and result files."""

from __future__ import annotations

import random

from taskmon.sim.media.content import EXTENSIONS
from taskmon.sim.media.files import MediaFile
from taskmon.sim.provider_spec import ProviderSpec
from taskmon.sim.scripts import TaskScript, validate
from taskmon.sim.task import SimTask


def build_task(script: TaskScript, spec: ProviderSpec, rng: random.Random, now: float) -> SimTask:
    """Turn a script into a task of `spec`'s provider added at `now`; draws use a per-task RNG."""
    validate(script)
    spec.check(script)
    # One draw from the simulator's RNG per task keeps every task's values
    # independent of what other scripts asked for.
    task_rng = random.Random(rng.getrandbits(64))
    kind = script.kind
    task_id = script.task_id or spec.new_task_id(now, task_rng)
    factor = task_rng.uniform(0.8, 1.25)
    if script.estimate_factor is not None:
        factor = script.estimate_factor
    shape = (task_rng.uniform(0.8, 1.3), task_rng.uniform(0.0, 0.6), task_rng.randint(1, 3))
    finishes = now + script.queue_s + script.run_s
    expires = None if script.media_ttl_s is None else finishes + script.media_ttl_s

    def media_file(name: str, media_kind: str) -> MediaFile:
        return MediaFile(
            token=f"{task_rng.getrandbits(64):016x}",
            name=name,
            kind=media_kind,
            size=script.media_bytes,
            content_seed=task_rng.getrandbits(64),
            ready_at_epoch=finishes,
            expires_at_epoch=expires,
            cut_after=script.media_cut_after,
            available=script.outcome == "succeeded",
        )

    files: list[MediaFile] = []
    if script.output_urls is None:
        for index in range(script.outputs):
            names = script.output_names or []
            if index < len(names):
                name = names[index]
            else:
                name = spec.file_stem(index, now, task_rng)
                if script.output_ext:
                    name += "." + EXTENSIONS[kind]
            files.append(media_file(name, kind))
    last_frame = None
    if script.last_frame and spec.has_last_frame and kind == "video":
        last_frame = media_file("last_frame.png" if script.output_ext else "last_frame", "image")
    return SimTask(
        script=script,
        task_id=task_id,
        provider=spec.name,
        kind=kind,
        model=script.model or spec.default_models[kind],
        out_task_id=script.out_task_id,
        outcome=script.outcome,
        added_at_epoch=now,
        finishes_at_epoch=finishes,
        estimate_factor=factor,
        request_id=f"req_{task_rng.getrandbits(64):016x}",
        files=files,
        last_frame=last_frame,
        rng=task_rng,
        progress_shape=shape,
    )

"""The demo task set (used by `taskmon sim` and, later, the app's --demo mode)."""

from __future__ import annotations

import shlex

from taskmon.sim.scripts import Fault, TaskScript
from taskmon.sim.task import SimTask

# Sizes that hold real media (sim/media/samples.py): 640×480 pictures, an H.264 clip
# and 6 s of notes, so the window's thumbnails show something worth seeing.
IMAGE_BYTES = 96 * 1024
VIDEO_BYTES = 64 * 1024
AUDIO_BYTES = 48 * 1024


def demo_scripts() -> list[TaskScript]:
    """A few minutes of activity across all five providers, every ending included."""
    return [
        TaskScript("xenodia", "image", queue_s=2, run_s=4, media_bytes=IMAGE_BYTES),
        TaskScript("xenodia", "video", queue_s=10, run_s=110, media_bytes=256 * 1024),
        TaskScript("apixo", "image", queue_s=3, run_s=17, outputs=2, media_bytes=IMAGE_BYTES),
        TaskScript("apixo", "image", queue_s=2, run_s=10, outcome="failed"),
        TaskScript(
            "bytespike",
            "video",
            queue_s=5,
            run_s=55,
            out_task_id="demo-order-42",
            media_bytes=VIDEO_BYTES,
        ),
        TaskScript("bytespike", "video", queue_s=4, run_s=26, outcome="cancelled"),
        TaskScript("vidgo", "image", queue_s=5, run_s=25, media_bytes=IMAGE_BYTES),
        # Rate-limited for its first 20 seconds, then normal.
        TaskScript(
            "vidgo",
            "image",
            queue_s=2,
            run_s=40,
            faults=[Fault("429", until_s=20)],
            media_bytes=IMAGE_BYTES,
        ),
        TaskScript("reapi", "audio", run_s=35, media_bytes=AUDIO_BYTES),
        TaskScript("reapi", "image", run_s=12, outputs=2, media_bytes=IMAGE_BYTES),
        TaskScript("reapi", "image", run_s=600, foreign=True),  # someone else's: lost
    ]


def describe(task: SimTask) -> str:
    """One line saying what the demo task will do."""
    script = task.script
    if script.foreign:
        return "lost (another account's task)"
    ending = {"succeeded": "succeeds", "failed": "fails", "cancelled": "is cancelled"}
    text = f"{task.kind}, {ending[task.outcome]} after ~{round(task.true_total_s)} s"
    if script.faults:
        text += ", rate-limited at first"
    return text


def watch_command(task: SimTask) -> str:
    """A ready `taskmon watch` command line for the task."""
    words = ["taskmon", "watch", "--provider", task.provider]
    if task.provider == "apixo":  # its status URL needs the model
        words += ["--model", task.model]
    words.append(task.task_id)
    return shlex.join(words)

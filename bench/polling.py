"""Polling benchmark: taskmon's engine beside a fixed 3-second poller, in one run.

A simulator process serves the five providers. Two client processes track the
same workload (identically scripted tasks, added on the same timetable): one
runs taskmon's engine, the other a fixed 3-second poller written like the
providers' sample code (a plain GET every 3 s, a new connection each time).
Request counts come from the simulator's own log, detection delay is the
moment a client saw the terminal state minus the simulator's true end.

    python bench/polling.py                 # the full workload: 300 tasks, ~10 minutes
    python bench/polling.py --tasks 60 --max-video-s 120   # a quick look

Targets (issue 2): total requests ≤ 35 % of the fixed poller's; p95 detection
delay ≤ max(5 s, 20 % of the task's duration) without hints and ≤ max(3 s,
10 %) where the provider reports progress, an estimate or pushes events.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

PROVIDERS = ("xenodia", "apixo", "bytespike", "vidgo", "reapi")
HINTED = {"xenodia", "vidgo", "bytespike"}  # progress, estimates or pushed events
AUDIO_OK = {"apixo", "reapi"}
FIXED_INTERVAL_S = 3.0


@dataclass
class PlannedTask:
    offset_s: float  # when the task is submitted, from the start of the run
    script: dict[str, Any]


MODELS_PER_KIND = 3
HISTORY_SAMPLES = 20  # finished tasks per model behind the warm run's learned durations
SPREAD = 0.15  # a model's tasks take its typical time ±15 %


def make_models(max_video_s: float, rng: random.Random) -> dict[str, float]:
    """Typical total duration per "provider|kind|model": models differ, tasks of one vary."""
    ranges = {"image": (5.0, 60.0), "video": (60.0, max_video_s), "audio": (10.0, 60.0)}
    return {
        f"{provider}|{kind}|{kind}-model-{n}": rng.uniform(*ranges[kind]) / (1 + SPREAD)
        for provider in PROVIDERS
        for kind in ("image", "video", "audio")
        if kind != "audio" or provider in AUDIO_OK
        for n in range(MODELS_PER_KIND)
    }


def make_plan(
    n_tasks: int, models: dict[str, float], seed: int, spread_s: float
) -> list[PlannedTask]:
    """Mostly images of 5-60 s, videos of 1-8 min, some audio; ~5 % failures."""
    rng = random.Random(seed)
    plan: list[PlannedTask] = []
    for i in range(n_tasks):
        provider = PROVIDERS[i % len(PROVIDERS)]
        roll = rng.random()
        kind = "image" if roll < 0.55 else "video" if roll < 0.85 else "audio"
        if kind == "audio" and provider not in AUDIO_OK:
            kind = "image"
        model = f"{kind}-model-{rng.randrange(MODELS_PER_KIND)}"
        total = models[f"{provider}|{kind}|{model}"] * rng.uniform(1 - SPREAD, 1 + SPREAD)
        queue = total * rng.uniform(0.0, 0.25)
        script = {
            "provider": provider,
            "kind": kind,
            "model": model,
            "queue_s": round(queue, 2),
            "run_s": round(total - queue, 2),
            "outcome": "failed" if rng.random() < 0.05 else "succeeded",
        }
        plan.append(PlannedTask(offset_s=rng.uniform(0, spread_s), script=script))
    return sorted(plan, key=lambda p: p.offset_s)


def make_history(models: dict[str, float], rng: random.Random) -> dict[str, list[float]]:
    """What earlier finished tasks of each model took: the warm run's learned durations."""
    return {
        f"{key.split('|')[0]}|{key.split('|')[2]}": [
            typical * rng.uniform(1 - SPREAD, 1 + SPREAD) for _ in range(HISTORY_SAMPLES)
        ]
        for key, typical in models.items()
    }


# -- client processes ---------------------------------------------------------


async def _submit(control: httpx.AsyncClient, script: dict[str, Any]) -> dict[str, Any]:
    response = await control.post("/_sim/tasks", json=script)
    response.raise_for_status()
    return response.json()


async def run_engine(
    api: str,
    plan: list[PlannedTask],
    keys: dict[str, str],
    history: dict[str, list[float]] | None = None,
) -> dict[str, Any]:
    from taskmon.domain.task import TaskRef
    from taskmon.keys import Secret
    from taskmon.tracking.engine import Engine, EngineConfig
    from taskmon.tracking.events import EngineEvent, TaskEvent
    from taskmon.tracking.pacing.poll_policy import prior_from_totals

    class Keys:
        async def get(self, provider: str) -> Secret | None:
            return Secret(keys[provider])

    priors = {k: prior_from_totals(v) for k, v in (history or {}).items()}
    config = EngineConfig(
        base_url_overrides=dict.fromkeys(PROVIDERS, api),
        duration_prior=lambda provider, model: priors.get(f"{provider}|{model}"),
    )
    engine = Engine(Keys(), config, env={})
    seen: dict[str, float] = {}
    key_to_id: dict[str, str] = {}

    def on_event(event: EngineEvent) -> None:
        if isinstance(event, TaskEvent) and event.view.state.is_terminal:
            seen.setdefault(key_to_id[event.view.key], time.time())

    engine.subscribe(on_event)
    start = time.monotonic()
    cpu0 = time.process_time()
    async with httpx.AsyncClient(base_url=api) as control:
        for planned in plan:
            await asyncio.sleep(max(0.0, start + planned.offset_s - time.monotonic()))
            task = await _submit(control, planned.script)
            ref = TaskRef(task["provider"], task["task_id"], task["model"])
            key_to_id[ref.key] = task["task_id"]
            engine.track(ref)
    await engine.wait_idle()
    cpu = time.process_time() - cpu0
    connections = engine.clients.connections_opened
    await engine.aclose()
    return {"seen": seen, "cpu_s": cpu, "connections": connections, "ids": list(key_to_id.values())}


async def run_fixed(api: str, plan: list[PlannedTask], keys: dict[str, str]) -> dict[str, Any]:
    """A 3-second loop per task, like the providers' sample code (requests.get, no session)."""
    from taskmon.domain.task import TaskRef
    from taskmon.keys import Secret
    from taskmon.providers import PROVIDERS as PARSERS
    from taskmon.providers.base import MalformedResponse, ProviderError

    seen: dict[str, float] = {}
    ids: list[str] = []
    connections = 0
    ssl_context = ssl.create_default_context()

    async def trace(event: str, info: Any) -> None:
        nonlocal connections
        if event == "connection.connect_tcp.complete":
            connections += 1

    async def follow(task: dict[str, Any]) -> None:
        provider = PARSERS[task["provider"]]
        ref = TaskRef(task["provider"], task["task_id"], task["model"])
        spec = provider.status_request(ref)
        while True:
            # A new client per request, like requests.get() without a session: a new
            # connection each time. The shared SSL context only keeps the bench's own
            # CPU cost of making clients from swamping the measurement.
            async with httpx.AsyncClient(base_url=api, timeout=30, verify=ssl_context) as client:
                request = client.build_request(
                    spec.method,
                    spec.path,
                    params=dict(spec.params) or None,
                    json=spec.json_body,
                    headers={"Authorization": f"Bearer {Secret(keys[ref.provider]).reveal()}"},
                    extensions={"trace": trace},
                )
                try:
                    response = await client.send(request)
                    if response.status_code == 200:
                        snap = provider.parse_status(response.content)
                        if snap.state is not None and snap.state.is_terminal:
                            seen[task["task_id"]] = time.time()
                            return
                except (httpx.HTTPError, MalformedResponse, ProviderError):
                    pass
            await asyncio.sleep(FIXED_INTERVAL_S)

    start = time.monotonic()
    cpu0 = time.process_time()
    followers: list[asyncio.Task[None]] = []
    async with httpx.AsyncClient(base_url=api) as control:
        for planned in plan:
            await asyncio.sleep(max(0.0, start + planned.offset_s - time.monotonic()))
            task = await _submit(control, planned.script)
            ids.append(task["task_id"])
            followers.append(asyncio.create_task(follow(task)))
    await asyncio.gather(*followers)
    return {
        "seen": seen,
        "cpu_s": time.process_time() - cpu0,
        "connections": connections,
        "ids": ids,
    }


def child_main(args: argparse.Namespace) -> None:
    plan = [PlannedTask(**p) for p in json.loads(Path(args.plan).read_text())]
    keys = httpx.get(f"{args.api}/_sim/keys").json()["keys"]
    if args.child == "fixed":
        result = asyncio.run(run_fixed(args.api, plan, keys))
    else:
        history = json.loads(Path(args.history).read_text()) if args.child == "warm" else None
        result = asyncio.run(run_engine(args.api, plan, keys, history))
    Path(args.out).write_text(json.dumps(result))


# -- the parent: start everything, then compare -----------------------------------


def start_simulator() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "taskmon", "sim", "--port", "0", "--no-demo"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for _ in range(50):
        line = proc.stdout.readline()
        match = re.search(r"API (http://127\.0\.0\.1:\d+)", line)
        if match:
            return proc, match.group(1)
    proc.kill()
    raise SystemExit("the simulator did not start")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarize(api: str, result: dict[str, Any], hinted: set[str]) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, list[float]]] = {}
    with httpx.Client(base_url=api) as control:
        tasks = {t["task_id"]: t for t in control.get("/_sim/tasks").json()}
        for task_id in result["ids"]:
            task = tasks[task_id]
            stats = control.get(f"/_sim/tasks/{task_id}/stats").json()
            requests = len(stats["polls"]) + stats["stream_connections"] + stats["cancel_requests"]
            delay = result["seen"][task_id] - stats["finished_at_epoch"]
            duration = stats["finished_at_epoch"] - task["added_at_epoch"]
            hint = task["provider"] in hinted
            allowed = max(3.0, 0.1 * duration) if hint else max(5.0, 0.2 * duration)
            for group in (task["provider"], "total"):
                row = rows.setdefault(group, {"requests": [], "delay": [], "ratio": []})
                row["requests"].append(requests)
                row["delay"].append(delay)
                row["ratio"].append(delay / allowed)
    return {
        group: {
            "tasks": len(r["requests"]),
            "requests_per_task": statistics.fmean(r["requests"]),
            "requests": sum(r["requests"]),
            "median_delay_s": statistics.median(r["delay"]),
            "p95_delay_s": percentile(r["delay"], 0.95),
            "p95_delay_over_target": percentile(r["ratio"], 0.95),
        }
        for group, r in rows.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--max-video-s", type=float, default=480.0)
    parser.add_argument("--spread-s", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json-out", type=Path, help="also write the figures here")
    parser.add_argument("--child", choices=["engine", "warm", "fixed"], help=argparse.SUPPRESS)
    parser.add_argument("--history", help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return

    rng = random.Random(args.seed)
    models = make_models(args.max_video_s, rng)
    plan = make_plan(args.tasks, models, args.seed, args.spread_s)
    sim, api = start_simulator()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            plan_file = Path(tmp, "plan.json")
            plan_file.write_text(json.dumps([asdict(p) for p in plan]))
            history_file = Path(tmp, "history.json")
            history_file.write_text(json.dumps(make_history(models, rng)))
            children = {}
            for name in ("engine", "warm", "fixed"):
                out = Path(tmp, f"{name}.json")
                cmd = [
                    sys.executable,
                    __file__,
                    "--child",
                    name,
                    "--plan",
                    str(plan_file),
                    "--api",
                    api,
                    "--out",
                    str(out),
                    "--history",
                    str(history_file),
                ]
                children[name] = (subprocess.Popen(cmd, env=os.environ.copy()), out)
            results = {}
            for name, (proc, out) in children.items():
                if proc.wait() != 0:
                    raise SystemExit(f"the {name} client failed")
                results[name] = json.loads(out.read_text())
        figures = {name: summarize(api, results[name], HINTED) for name in results}
    finally:
        sim.terminate()
        sim.wait(10)
    report(figures, results, args)


def report(figures: dict[str, Any], results: dict[str, Any], args: argparse.Namespace) -> None:
    cold, warm, fixed = figures["engine"], figures["warm"], figures["fixed"]
    print(f"\n{args.tasks} tasks (videos up to {args.max_video_s:.0f} s), seed {args.seed}")
    print("cold = taskmon with no history; warm = with learned durations of each model")
    print(
        f"{'provider':<10} {'requests per task':>24} {'vs fixed':>14} "
        f"{'median delay s':>22} {'p95 delay s':>22} {'p95/target':>12}"
    )
    print(
        f"{'':<10} {'cold':>7} {'warm':>7} {'fixed':>8} {'cold':>6} {'warm':>7} "
        f"{'cold':>7} {'warm':>7} {'fixed':>6} {'cold':>7} {'warm':>7} {'fixed':>6} "
        f"{'cold':>5} {'warm':>6}"
    )
    for group in (*PROVIDERS, "total"):
        c, w, f = cold[group], warm[group], fixed[group]
        print(
            f"{group:<10} {c['requests_per_task']:7.1f} {w['requests_per_task']:7.1f} "
            f"{f['requests_per_task']:8.1f} "
            f"{c['requests'] / f['requests']:6.0%} {w['requests'] / f['requests']:7.0%} "
            f"{c['median_delay_s']:7.2f} {w['median_delay_s']:7.2f} {f['median_delay_s']:6.2f} "
            f"{c['p95_delay_s']:7.2f} {w['p95_delay_s']:7.2f} {f['p95_delay_s']:6.2f} "
            f"{c['p95_delay_over_target']:5.2f} {w['p95_delay_over_target']:6.2f}"
        )
    conns = {k: v["connections"] for k, v in results.items()}
    cpu = {k: v["cpu_s"] for k, v in results.items()}
    print(
        f"\nconnections opened: cold {conns['engine']}, warm {conns['warm']}, "
        f"fixed {conns['fixed']} (a new connection per request, like the sample code)"
    )
    print(
        f"client CPU seconds: cold {cpu['engine']:.2f}, warm {cpu['warm']:.2f}, "
        f"fixed {cpu['fixed']:.2f}"
    )
    for name, fig in (("cold", cold), ("warm", warm)):
        ratio = fig["total"]["requests"] / fixed["total"]["requests"]
        worst = max(fig[p]["p95_delay_over_target"] for p in PROVIDERS)
        print(
            f"{name}: requests {ratio:.0%} of fixed (target ≤ 35 %: "
            f"{'met' if ratio <= 0.35 else 'MISSED'}); worst provider p95 delay / target "
            f"{worst:.2f} (target ≤ 1: {'met' if worst <= 1 else 'MISSED'})"
        )
    if args.json_out:
        args.json_out.write_text(
            json.dumps(
                {
                    "figures": figures,
                    "results": {
                        k: {"cpu_s": v["cpu_s"], "connections": v["connections"]}
                        for k, v in results.items()
                    },
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()

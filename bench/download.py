"""Download benchmark: a 1 GiB result from the simulator, taskmon's downloader against curl.

The simulator's media origin runs in its own process and serves one 1 GiB
video (made block by block, never held whole). Each repeat downloads it twice,
in turns (the order alternates, so neither always meets a warmer page cache):

- taskmon: a child process runs the downloader `watch --save-dir` uses (the
  engine's download client: httpx over aiohttp) into a fresh folder: `.part`,
  fsync, rename. Its time runs from the call to `Downloader.fetch` to its return.
  Its peak RSS growth is VmHWM after the download minus VmHWM just before
  (imports, client and event loop already there);
- curl: `curl -o FILE URL` then `sync FILE`, timed together.

The CPU seconds of each (taskmon: every thread of the child during the fetch,
and of those the event loop thread's alone; curl: curl and sync) tell what a
loaded machine can do: on two cores shared with other work, the one that needs
less CPU gets through first. The child reads its file back for the SHA-256
after the timing: the bytes on disk are what must equal curl's.

Then a resume: a second file whose first GET the simulator cuts at half its
length. One child fetches it and fails at the cut, leaving its `.part`; a new
child (a restarted process) fetches again. The simulator counts the body
bytes it sent for that second fetch: it must be the missing half only. The
resumed file's SHA-256 must equal curl's copy of the same URL.

    python bench/download.py                 # 5 repeats of 1 GiB, ~2 minutes on an idle machine
    python bench/download.py --repeats 1 --mib 256   # a quick look
    python bench/download.py --before /tmp/main      # main's downloader too, same repeats
    python bench/download.py --save [--before /tmp/main]  # `taskmon save`, uncached result

`--save` times `taskmon save` of a result not yet in the cache instead (see
bench/save_fetch.py): its fetch into the cache, and the whole command with the
copy out, against curl + sync, interleaved as above.

Targets (issue 12): taskmon's throughput at least 0.8x curl's (medians), peak
RSS growth at most 64 MB, the resume fetching only the missing half.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from save_fetch import CHILD_FLAG, prepare_data_dir, run_save
from save_fetch import child_main as save_child_main
from sim_process import script_tasks, start_simulator, stop

TARGET_RATIO = 0.8
TARGET_RSS_GROWTH_MB = 64.0
MiB = 1024 * 1024
BLOCK = 4 * MiB


def _vm_hwm_kb() -> int:
    """This process's peak resident set so far (VmHWM), in KiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


async def _child_fetch(url: str, dest: Path) -> dict[str, Any]:
    from taskmon.downloads import Downloader, DownloadError
    from taskmon.net.http_api import ApiClients

    clients = ApiClients()
    try:
        client = await clients.download_client()
        async with Downloader(client) as downloader:
            before_kb = _vm_hwm_kb()
            cpu_before = _cpu_s(resource.RUSAGE_SELF)  # every thread of the process
            loop_cpu_before = time.thread_time()  # this thread: the event loop's
            started = time.perf_counter()
            try:
                done = await downloader.fetch(url, dest)
            except DownloadError as exc:
                return {"error": str(exc), "hwm_growth_kb": _vm_hwm_kb() - before_kb}
            seconds = time.perf_counter() - started
            loop_cpu_s = time.thread_time() - loop_cpu_before
            cpu_s = _cpu_s(resource.RUSAGE_SELF) - cpu_before
            hwm_growth_kb = _vm_hwm_kb() - before_kb
        # Read back after the timing: the bytes on disk are what must equal curl's.
        return {
            "seconds": seconds,
            "size": done.size,
            "sha256": await asyncio.to_thread(sha256_of, done.path),
            "path": str(done.path),
            "hwm_growth_kb": hwm_growth_kb,
            "cpu_s": cpu_s,
            "loop_cpu_s": loop_cpu_s,
        }
    finally:
        await clients.aclose()


def child_main(url: str, dest: Path) -> None:
    print(json.dumps(asyncio.run(_child_fetch(url, dest))), flush=True)


def run_taskmon(url: str, dest: Path, pythonpath: Path | None = None) -> dict[str, Any]:
    """One download by taskmon's downloader in a child process; what the child reported.

    With `pythonpath`, the child imports taskmon from that checkout instead (a before/after).
    """
    env = None if pythonpath is None else {**os.environ, "PYTHONPATH": str(pythonpath)}
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, str(dest)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run_curl(url: str, path: Path) -> tuple[float, float]:
    """Seconds for `curl -o path url` followed by `sync path`, and the CPU seconds they used."""
    cpu_before = _cpu_s(resource.RUSAGE_CHILDREN)  # children already waited for
    started = time.perf_counter()
    subprocess.run(["curl", "-sS", "--fail", "-o", str(path), url], check=True)
    subprocess.run(["sync", str(path)], check=True)
    return time.perf_counter() - started, _cpu_s(resource.RUSAGE_CHILDREN) - cpu_before


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def media_bytes_sent(api: str) -> int:
    sent: int = httpx.get(f"{api}/_sim/stats", timeout=30).json()["media_bytes_sent"]
    return sent


def _script(size: int, cut_after: int | None = None) -> dict[str, Any]:
    return {
        "provider": "vidgo",
        "kind": "video",
        "run_s": 0,
        "media_bytes": size,
        "media_cut_after": cut_after,
    }


def _gb_s(size: int, seconds: float) -> float:
    return size / seconds / 1e9


def _mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--mib", type=int, default=1024, help="size of the result in MiB")
    parser.add_argument("--dir", type=Path, default=None, help="where files go (a temp dir)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        metavar="CHECKOUT",
        help="also time the downloader of another checkout (e.g. main's) in the same repeats",
    )
    parser.add_argument(
        "--save", action="store_true", help="time `taskmon save` of an uncached result instead"
    )
    parser.add_argument("--child", nargs=2, metavar=("URL", "DEST"), help=argparse.SUPPRESS)
    parser.add_argument(CHILD_FLAG, nargs=3, dest="save_child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child[0], Path(args.child[1]))
        return
    if args.save_child:
        save_child_main(args.save_child[0], Path(args.save_child[1]), Path(args.save_child[2]))
        return
    if shutil.which("curl") is None:
        raise SystemExit("curl is needed")
    if args.save:
        save_case(args)
        return
    size = args.mib * MiB
    print(f"load average before: {_load()} ({os.cpu_count()} CPUs)")
    contenders = ["taskmon", "curl"] + (["before"] if args.before else [])
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    cpu_s: dict[str, list[float]] = {name: [] for name in contenders}
    loop_cpu_s: dict[str, list[float]] = {name: [] for name in contenders if name != "curl"}
    growth_mb: dict[str, list[float]] = {name: [] for name in contenders if name != "curl"}
    sha: dict[str, str] = {}
    sim, api = start_simulator(args.seed)
    work = Path(tempfile.mkdtemp(prefix="taskmon-bench-dl-", dir=args.dir))
    try:
        plain, cut = script_tasks(api, [_script(size), _script(size, cut_after=size // 2)])
        (url,) = plain["result_urls"]
        (cut_url,) = cut["result_urls"]
        for repeat in range(args.repeats):
            # Each repeat starts with the next contender: none always goes first.
            turn = repeat % len(contenders)
            for who in contenders[turn:] + contenders[:turn]:
                if who == "curl":
                    path = work / f"curl-{repeat}.mp4"
                    took, cpu = run_curl(url, path)
                    seconds[who].append(took)
                    cpu_s[who].append(cpu)
                    if who not in sha:
                        sha[who] = sha256_of(path)
                    path.unlink()
                    continue
                dest = work / f"{who}-{repeat}"
                got = run_taskmon(url, dest, args.before if who == "before" else None)
                if "error" in got:
                    raise SystemExit(f"{who}'s download failed: {got['error']}")
                if got["size"] != size:
                    raise SystemExit(f"{who} saved {got['size']} bytes of {size}")
                seconds[who].append(got["seconds"])
                cpu_s[who].append(got["cpu_s"])
                loop_cpu_s[who].append(got["loop_cpu_s"])
                growth_mb[who].append(got["hwm_growth_kb"] / 1024)
                sha[who] = got["sha256"]
                shutil.rmtree(dest)
            rates = ", ".join(f"{who} {_gb_s(size, seconds[who][-1]):.3f}" for who in contenders)
            print(f"repeat {repeat + 1} (GB/s): {rates}", flush=True)
        resume = resume_case(api, cut_url, size, work)
        load_after = _load()
    finally:
        stop(sim)
        shutil.rmtree(work, ignore_errors=True)

    names = {"taskmon": "taskmon", "curl": "curl + sync", "before": "before"}
    rate = {who: _gb_s(size, statistics.median(seconds[who])) for who in contenders}
    print()
    print(f"{args.mib} MiB result, {args.repeats} interleaved repeats, medians")
    print(f"{'':28}" + "".join(f"{names[who]:>14}" for who in contenders))
    print(f"{'throughput (GB/s)':28}" + "".join(f"{rate[who]:>14.3f}" for who in contenders))
    print(
        f"{'time (s)':28}"
        + "".join(f"{statistics.median(seconds[who]):>14.2f}" for who in contenders)
    )
    print(
        f"{'CPU, all threads (s)':28}"
        + "".join(f"{statistics.median(cpu_s[who]):>14.2f}" for who in contenders)
    )
    print(
        f"{'  event loop thread (s)':28}"
        + "".join(
            f"{statistics.median(loop_cpu_s[w]):>14.2f}" if w in loop_cpu_s else f"{'':>14}"
            for w in contenders
        )
    )
    others_s = {
        w: [c - lc for c, lc in zip(cpu_s[w], loop_cpu_s[w], strict=True)] for w in loop_cpu_s
    }
    print(
        f"{'  other threads (s)':28}"
        + "".join(
            f"{statistics.median(others_s[w]):>14.2f}" if w in others_s else f"{'':>14}"
            for w in contenders
        )
    )
    print(
        f"{'peak RSS growth (MB, max)':28}"
        + "".join(
            f"{max(growth_mb[w]):>14.1f}" if w in growth_mb else f"{'':>14}" for w in contenders
        )
    )
    print(f"{'ratio to curl':28}" + "".join(f"{rate[w] / rate['curl']:>14.2f}" for w in contenders))
    print()
    ratio = rate["taskmon"] / rate["curl"]
    peak_growth = max(growth_mb["taskmon"])
    print(f"throughput ratio {ratio:.2f} (target >= {TARGET_RATIO}):", _mark(ratio >= TARGET_RATIO))
    print(
        f"peak RSS growth {peak_growth:.1f} MB (target <= {TARGET_RSS_GROWTH_MB:g}):"
        f" {_mark(peak_growth <= TARGET_RSS_GROWTH_MB)}"
    )
    print(f"sha256 taskmon = curl: {_mark(sha['taskmon'] == sha['curl'])}")
    missing = size - resume["part_bytes"]
    resumed_ok = resume["resume_sent"] == missing and resume["sha_ok"]
    print(
        f"resume after a cut at {resume['part_bytes'] / size:.0%}: the second fetch took"
        f" {resume['resume_sent']} bytes for {missing} missing ({resume['resume_sent'] / size:.1%}"
        f" of the file), sha256 {'matches' if resume['sha_ok'] else 'DIFFERS'}: {_mark(resumed_ok)}"
    )
    print(f"load average after: {load_after}")


def resume_case(api: str, url: str, size: int, work: Path) -> dict[str, Any]:
    """Cut at half, resume in a new process; bytes the simulator sent for the resume."""
    dest = work / "resume"
    first = run_taskmon(url, dest)
    if "error" not in first:
        raise SystemExit("the cut download did not fail")
    (part,) = dest.glob("*.part")
    part_bytes = part.stat().st_size
    before = media_bytes_sent(api)
    second = run_taskmon(url, dest)
    resume_sent = media_bytes_sent(api) - before
    if "error" in second:
        raise SystemExit(f"the resume failed: {second['error']}")
    copy = work / "resume-curl.mp4"
    run_curl(url, copy)  # the first GET only was cut: this one is whole
    sha_ok = sha256_of(copy) == second["sha256"] == sha256_of(Path(second["path"]))
    copy.unlink()
    shutil.rmtree(dest)
    return {"part_bytes": part_bytes, "resume_sent": resume_sent, "sha_ok": sha_ok}


def save_case(args: argparse.Namespace) -> None:
    """`taskmon save` of a result not in the cache (fresh data dir each time) against curl."""
    size = args.mib * MiB
    print(f"load average before: {_load()} ({os.cpu_count()} CPUs)")
    contenders = ["save", "curl"] + (["before"] if args.before else [])
    fetch_s: dict[str, list[float]] = {name: [] for name in contenders}
    total_s: dict[str, list[float]] = {name: [] for name in contenders if name != "curl"}
    cpu_s: dict[str, list[float]] = {name: [] for name in contenders}
    sim, api = start_simulator(args.seed)
    work = Path(tempfile.mkdtemp(prefix="taskmon-bench-save-", dir=args.dir))
    try:
        (task,) = script_tasks(api, [_script(size)])
        (url,) = task["result_urls"]
        curl_sha = ""
        for repeat in range(args.repeats):
            turn = repeat % len(contenders)
            for who in contenders[turn:] + contenders[:turn]:
                if who == "curl":
                    path = work / f"curl-{repeat}.mp4"
                    took, cpu = run_curl(url, path)
                    fetch_s[who].append(took)
                    cpu_s[who].append(cpu)
                    curl_sha = curl_sha or sha256_of(path)
                    path.unlink()
                    continue
                data, out = work / f"{who}-{repeat}", work / f"{who}-{repeat}-out"
                prepare_data_dir(data, task["task_id"], url)
                got = run_save(
                    __file__, task["task_id"], data, out, args.before if who == "before" else None
                )
                if got["code"] != 0 or got.get("size") != size:
                    raise SystemExit(f"{who}: taskmon save failed: {got}")
                if repeat == 0:
                    print(f"{who}: taskmon from {got['taskmon']}")
                    if sha256_of(Path(got["saved"])) != curl_sha and curl_sha:
                        raise SystemExit(f"{who}: the saved copy differs from curl's")
                fetch_s[who].append(got["fetch_s"])
                total_s[who].append(got["total_s"])
                cpu_s[who].append(got["cpu_s"])
                shutil.rmtree(data)
                shutil.rmtree(out)
            rates = ", ".join(f"{w} {_gb_s(size, fetch_s[w][-1]):.3f}" for w in contenders)
            print(f"repeat {repeat + 1} (GB/s, fetch): {rates}", flush=True)
        load_after = _load()
    finally:
        stop(sim)
        shutil.rmtree(work, ignore_errors=True)

    names = {"save": "taskmon save", "curl": "curl + sync", "before": "before"}
    median = statistics.median
    rate = {who: _gb_s(size, median(fetch_s[who])) for who in contenders}
    print()
    print(f"taskmon save, {args.mib} MiB result not in the cache, {args.repeats} repeats, medians")
    print(f"{'':28}" + "".join(f"{names[who]:>14}" for who in contenders))
    print(f"{'fetch (s)':28}" + "".join(f"{median(fetch_s[w]):>14.2f}" for w in contenders))
    print(f"{'fetch (GB/s)':28}" + "".join(f"{rate[w]:>14.3f}" for w in contenders))
    print(
        f"{'whole command (s)':28}"
        + "".join(
            f"{median(total_s[w]):>14.2f}" if w in total_s else f"{'':>14}" for w in contenders
        )
    )
    print(
        f"{'CPU, all threads (s)':28}" + "".join(f"{median(cpu_s[w]):>14.2f}" for w in contenders)
    )
    print(
        f"{'fetch ratio to curl':28}"
        + "".join(f"{rate[w] / rate['curl']:>14.2f}" for w in contenders)
    )
    print(f"load average after: {load_after}")


if __name__ == "__main__":
    main()

"""`save_stored_results` fetches a missing result through the HTTP clients it is given.

The clients here carry an `httpx.MockTransport` (ApiClients' own hook for a
transport), so the test sees every request the download sent, as the media
origin would. The store and the files are real.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx

from taskmon.domain import MediaKind, NewTask, Observation, Output, State, TaskRef
from taskmon.downloads import SavePattern
from taskmon.net import ApiClients
from taskmon.service import SaveTarget, db_path, save_stored_results
from taskmon.store import Store, StoreWriter

PNG = (Path(__file__).parents[1] / "data" / "image.png").read_bytes()
URL = "http://media.invalid/results/cat.png"


def stored_task(directory: Path) -> TaskRef:
    ref = TaskRef("xenodia", "task-1")
    with Store.open(db_path(directory)) as store:
        store.add_tasks([NewTask(ref)])
    writer = StoreWriter(db_path(directory))
    writer.save_observation(
        ref.key,
        Observation(
            state=State.SUCCEEDED,
            outputs=(Output(URL, MediaKind.IMAGE),),
            finished_at=datetime(2026, 3, 1, tzinfo=UTC),
        ),
    )
    assert writer.close()
    return ref


async def test_the_download_goes_through_the_given_clients_without_a_key(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "data"
    directory.mkdir()
    ref = stored_task(directory)
    seen: list[httpx.Request] = []

    def origin(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, stream=httpx.ByteStream(PNG), headers={"Content-Type": "image/png"}
        )

    clients = ApiClients(transport=httpx.MockTransport(origin))
    with Store.open(db_path(directory)) as store:
        tasks = store.tasks()
    saved: list[Path] = []
    try:
        report = await save_stored_results(
            directory,
            tasks,
            SaveTarget(tmp_path / "out", SavePattern.parse("{task_id}.{ext}")),
            on_saved=saved.append,
            on_problem=lambda text: None,
            clients=clients,
        )
        # The caller's clients are left open: a second download still goes through them.
        client = await clients.download_client()
        assert not client.is_closed
    finally:
        await clients.aclose()

    assert report.problems == []
    (copy,) = saved
    assert copy.read_bytes() == PNG
    assert copy.name == f"{ref.task_id}.png"
    (request,) = seen
    assert str(request.url) == URL
    assert not {"authorization", "proxy-authorization", "x-api-key"} & set(request.headers)
    with Store.open(db_path(directory)) as store:
        ((cached,),) = [[f.path for f in t.files] for t in store.tasks()]
    assert cached is not None
    assert Path(cached).read_bytes() == PNG  # recorded in the media cache

"""How far result downloads are, read from real `.part` files in a task's cache folder.

This is what "still downloading (42 %)" on a refused drag says; the views come
from the engine's own task record (ui_views.make_view).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ui_views import make_view

from taskmon.domain import MediaKind, Output, State, TaskView
from taskmon.downloads import PartMeta
from taskmon.service import download_progress, task_cache_dir

URLS = ("https://cdn.example/a.png", "https://cdn.example/b.png")


def downloading(data: Path, files: tuple[str, ...] = ()) -> TaskView:
    view = make_view(
        state=State.SUCCEEDED,
        outputs=tuple(Output(u, MediaKind.IMAGE) for u in URLS),
    )
    return dataclasses.replace(view, files=files, downloads_pending=True)


def part(folder: Path, name: str, url: str, have: int, total: int | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.part").write_bytes(bytes(have))
    (folder / f"{name}.part.meta").write_text(PartMeta(url=url, total=total).model_dump_json())


def test_a_finished_file_and_a_part_count_together(tmp_path: Path) -> None:
    view = downloading(tmp_path)
    folder = task_cache_dir(tmp_path, view.ref)
    done = folder / "reapi_task_1.png"
    folder.mkdir(parents=True)
    done.write_bytes(bytes(600))
    part(folder, "b.png", URLS[1], have=100, total=400)

    fraction = download_progress(tmp_path, dataclasses.replace(view, files=(str(done),)))

    assert fraction == (600 + 100) / (600 + 400)


def test_an_output_not_started_or_without_a_length_is_unknown(tmp_path: Path) -> None:
    view = downloading(tmp_path)
    folder = task_cache_dir(tmp_path, view.ref)
    part(folder, "a.png", URLS[0], have=10, total=100)
    assert download_progress(tmp_path, view) is None  # b.png has not started
    part(folder, "b.png", URLS[1], have=10, total=None)
    assert download_progress(tmp_path, view) is None  # b.png's server sent no length
    part(folder, "b.png", URLS[1], have=30, total=100)
    assert download_progress(tmp_path, view) == 0.2


def test_a_part_of_another_link_is_not_counted(tmp_path: Path) -> None:
    view = dataclasses.replace(downloading(tmp_path), outputs=downloading(tmp_path).outputs[:1])
    folder = task_cache_dir(tmp_path, view.ref)
    part(folder, "x.png", "https://elsewhere.example/x.png", have=90, total=100)
    assert download_progress(tmp_path, view) is None
    part(folder, "a.png", URLS[0], have=25, total=100)
    assert download_progress(tmp_path, view) == 0.25


def test_no_cache_folder_yet_is_unknown(tmp_path: Path) -> None:
    assert download_progress(tmp_path, downloading(tmp_path)) is None

"""`taskmon --demo`: the sample tasks reach every terminal state in the window."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings

from taskmon.keys import KeyStore
from taskmon.service.tracking_service import TrackingService
from taskmon.tracking.config import EngineConfig
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.demo import DemoEnvironment
from taskmon.ui.window import MainWindow


def test_the_demo_reaches_every_terminal_state(
    qsettings: QSettings, run_async: Any, qtbot: Any
) -> None:
    # The demo's story at a tenth of its pace: the longest task takes ~12 s, not 2 minutes.
    demo = DemoEnvironment.start(time_scale=0.1)
    try:
        keys = KeyStore(env=demo.key_env)
        service = TrackingService(
            demo.directory, keys, EngineConfig(base_url_overrides=demo.base_urls)
        )
        bridge = EngineBridge(service, keys)
        run_async(bridge.start())
        window = MainWindow(bridge, qsettings)
        qtbot.addWidget(window)
        window.show()
        for ref, label in demo.refs:
            run_async(bridge.add([ref], label))
        model = window.model
        qtbot.waitUntil(lambda: model.rowCount() == len(demo.refs), timeout=5000)
        providers = {v.ref.provider for v in model.views()}
        assert providers == {"xenodia", "apixo", "bytespike", "vidgo", "reapi"}

        def ended() -> bool:
            return all(v.is_done for v in model.views())

        qtbot.waitUntil(ended, timeout=90_000)
        states = {v.state.value for v in model.views()}
        assert states == {"succeeded", "failed", "cancelled", "lost"}
        kinds = {v.media_kind.value for v in model.views() if v.media_kind}
        assert {"image", "video", "audio"} <= kinds
        saved = [v for v in model.views() if v.state.value == "succeeded"]
        assert all(v.files and len(v.files) == len(v.outputs) for v in saved)
        assert all(str(demo.directory) in f for v in saved for f in v.files)
        run_async(bridge.stop())
    finally:
        demo.close()

"""Pause polling: one checkable action (toolbar and tray), and "Paused" in the status bar."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow

from taskmon.tracking import EngineEvent, PauseEvent
from taskmon.ui.bridge import EngineBridge


class PauseControl(QObject):
    """Pauses and resumes the service's polling; follows its PauseEvents."""

    pausedChanged = Signal(bool)

    def __init__(self, window: QMainWindow, bridge: EngineBridge) -> None:
        super().__init__(window)
        self._bridge = bridge
        self.action = QAction("Pause polling", window)
        self.action.setObjectName("pausePolling")
        self.action.setCheckable(True)
        self.action.setToolTip("Send no status call and keep no stream open until resumed")
        self.action.toggled.connect(self._toggled)
        window.addAction(self.action)
        self.label = QLabel("Paused", window)
        self.label.setObjectName("pausedLabel")
        self.label.setToolTip("Polling is paused: no task is looked at until you resume")
        self.label.setStyleSheet("font-weight: bold")
        self.label.hide()
        window.statusBar().addPermanentWidget(self.label)
        bridge.service.subscribe(self._on_event)

    @property
    def paused(self) -> bool:
        return self._bridge.service.polling_paused

    def set_paused(self, paused: bool) -> None:
        self.action.setChecked(paused)

    def _toggled(self, paused: bool) -> None:
        if paused != self._bridge.service.polling_paused:
            self._bridge.service.set_polling_paused(paused)

    def _on_event(self, event: EngineEvent) -> None:
        if isinstance(event, PauseEvent):
            self.action.blockSignals(True)
            self.action.setChecked(event.paused)
            self.action.blockSignals(False)
            self.action.setText("Resume polling" if event.paused else "Pause polling")
            self.label.setVisible(event.paused)
            self.pausedChanged.emit(event.paused)

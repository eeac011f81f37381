"""Settings → Notifications: which endings to hear about, muted providers, sound, start at login."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGridLayout, QLabel, QWidget

from taskmon.providers import PROVIDERS
from taskmon.service import (
    NotifySettings,
    is_autostart_enabled,
    set_autostart,
    write_notify_settings,
)
from taskmon.ui import icons

log = logging.getLogger(__name__)


def share_notify_settings(service: object, settings: QSettings) -> None:
    """Mirror the settings into the data dir, where `taskmon run --notify` reads them
    (it cannot read QSettings); nothing before the service knows its data dir."""
    directory = getattr(service, "directory", None)
    if directory is None:
        return
    try:
        write_notify_settings(directory, notify_settings(settings))
    except OSError as exc:  # the window's own notices go on; only the CLI's copy is stale
        log.warning("could not share the notification settings with taskmon run: %s", exc)


def notify_settings(settings: QSettings) -> NotifySettings:
    """The notification settings as the Notifications tab saved them."""
    muted = str(settings.value("notify/muted", "", str))
    return NotifySettings(
        succeeded=bool(settings.value("notify/succeeded", True, bool)),
        failed=bool(settings.value("notify/failed", True, bool)),
        at_risk=bool(settings.value("notify/at_risk", True, bool)),
        muted_providers=frozenset(p for p in muted.split(",") if p in PROVIDERS),
        sound=bool(settings.value("notify/sound", False, bool)),
    )


class NotificationPage(QWidget):
    """Checkboxes saved at once (notify/… in the window's settings; the autostart file)."""

    def __init__(
        self,
        settings: QSettings,
        parent: QWidget | None = None,
        *,
        changed: Callable[[], None] = lambda: None,
    ) -> None:
        """`changed` is called after each change is saved (the window shares them with
        `taskmon run --notify`)."""
        super().__init__(parent)
        self.setObjectName("notificationPage")
        self._settings = settings
        self._changed = changed
        form = QFormLayout(self)
        self.kinds: dict[str, QCheckBox] = {}
        for key, text in (
            ("succeeded", "A task succeeded (its results saved)"),
            ("failed", "A task failed or was lost"),
            ("at_risk", "Results at risk: not saved, or their links expire within the hour"),
        ):
            box = QCheckBox(text, self)
            box.setObjectName(f"notify_{key}")
            box.setChecked(bool(settings.value(f"notify/{key}", True, bool)))
            box.toggled.connect(lambda on, key=key: self._save(f"notify/{key}", on))
            form.addRow("Notify when:" if not self.kinds else "", box)
            self.kinds[key] = box
        muted = set(str(settings.value("notify/muted", "", str)).split(","))
        grid = QGridLayout()
        self.muted: dict[str, QCheckBox] = {}
        for i, (name, provider) in enumerate(PROVIDERS.items()):
            box = QCheckBox(provider.display_name, self)
            box.setIcon(icons.provider_icon(name))
            box.setChecked(name in muted)
            box.toggled.connect(self._save_muted)
            grid.addWidget(box, i // 3, i % 3)
            self.muted[name] = box
        form.addRow("Mute:", grid)
        self.sound = QCheckBox("Play the notification sound", self)
        self.sound.setChecked(bool(settings.value("notify/sound", False, bool)))
        self.sound.toggled.connect(lambda on: self._save("notify/sound", on))
        form.addRow("Sound:", self.sound)
        self.autostart = QCheckBox("Start taskmon at login, in the tray", self)
        self.autostart.setObjectName("autostart")
        self.autostart.setChecked(is_autostart_enabled())
        self.autostart.toggled.connect(self._autostart_toggled)
        self.autostart_note = QLabel("", self)
        self.autostart_note.setWordWrap(True)
        form.addRow("Login:", self.autostart)
        form.addRow("", self.autostart_note)

    def _save(self, key: str, value: object) -> None:
        self._settings.setValue(key, value)
        self._changed()

    def _save_muted(self) -> None:
        names = [name for name, box in self.muted.items() if box.isChecked()]
        self._save("notify/muted", ",".join(names))

    def _autostart_toggled(self, on: bool) -> None:
        try:
            where = set_autostart(on)
        except OSError as exc:
            self.autostart_note.setText(f"Cannot change start at login: {exc}")
            return
        self.autostart_note.setText(f"{'Wrote' if on else 'Removed'} {where}")

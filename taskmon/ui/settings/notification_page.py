"""Settings → Notifications: which endings to hear about, muted providers, sound, start at login."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGridLayout, QLabel, QWidget

from taskmon.providers import PROVIDERS
from taskmon.service import is_autostart_enabled, set_autostart
from taskmon.ui import icons


class NotificationPage(QWidget):
    """Checkboxes saved at once (notify/… in the window's settings; the autostart file)."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notificationPage")
        self._settings = settings
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
            box.toggled.connect(lambda on, key=key: settings.setValue(f"notify/{key}", on))
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
        self.sound.toggled.connect(lambda on: settings.setValue("notify/sound", on))
        form.addRow("Sound:", self.sound)
        self.autostart = QCheckBox("Start taskmon at login, in the tray", self)
        self.autostart.setObjectName("autostart")
        self.autostart.setChecked(is_autostart_enabled())
        self.autostart.toggled.connect(self._autostart_toggled)
        self.autostart_note = QLabel("", self)
        self.autostart_note.setWordWrap(True)
        form.addRow("Login:", self.autostart)
        form.addRow("", self.autostart_note)

    def _save_muted(self) -> None:
        names = [name for name, box in self.muted.items() if box.isChecked()]
        self._settings.setValue("notify/muted", ",".join(names))

    def _autostart_toggled(self, on: bool) -> None:
        try:
            where = set_autostart(on)
        except OSError as exc:
            self.autostart_note.setText(f"Cannot change start at login: {exc}")
            return
        self.autostart_note.setText(f"{'Wrote' if on else 'Removed'} {where}")

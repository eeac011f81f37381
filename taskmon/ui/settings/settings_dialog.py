"""Settings: per provider the API key (keyring), a key test, a base-URL override, on/off.

The key field never shows a saved key: it says where the key comes from and
takes a new one. Every keyring or network call runs as a coroutine, so the
dialog stays responsive while a keyring asks to be unlocked or a host is slow.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from taskmon.keys import KeySource, env_var
from taskmon.providers import PROVIDERS
from taskmon.service import KeyCheck, KeyVerdict
from taskmon.ui import icons, theme
from taskmon.ui.bridge import EngineBridge
from taskmon.ui.saving.results_page import add_results_page
from taskmon.ui.settings import provider_settings
from taskmon.ui.settings.link_lifetime import add_link_lifetime_row
from taskmon.ui.settings.notification_page import NotificationPage, share_notify_settings

_VERDICT_WORDS = {
    KeyVerdict.WORKS: "Works",
    KeyVerdict.REJECTED: "Key rejected",
    KeyVerdict.UNREACHABLE: "Host unreachable",
    KeyVerdict.NO_KEY: "No key",
}
_SOURCE_WORDS = {
    KeySource.KEYRING: "A key is saved in the system keyring.",
    KeySource.ENV: "The key comes from the environment variable {var} (it overrides the keyring).",
    KeySource.NONE: "No key yet. Paste one and press Save.",
}


def _while_open(
    method: Callable[..., Coroutine[Any, Any, None]],
) -> Callable[..., Coroutine[Any, Any, None]]:
    """A page coroutine whose answer may come after the dialog closed: then it is dropped."""

    @functools.wraps(method)
    async def run(self: QWidget, *args: Any) -> None:
        try:
            await method(self, *args)
        except RuntimeError:
            if shiboken6.isValid(self):
                raise
            # The dialog was closed while the keyring or the network answered.

    return run


class ProviderPage(QWidget):
    """One provider's key, test, base URL and switch."""

    def __init__(
        self, name: str, bridge: EngineBridge, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.bridge = bridge
        self.settings = settings
        provider = PROVIDERS[name]
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        title = QLabel(f"<b>{provider.display_name}</b>  <span>{provider.default_base_url}</span>")
        form.addRow(title)

        self.enabled = QCheckBox("Track this provider's tasks", self)
        self.enabled.setChecked(provider_settings.enabled(settings, name))
        self.enabled.toggled.connect(self._enabled_toggled)
        form.addRow(self.enabled)

        self.key_state = QLabel("Looking up the key…", self)
        self.key_state.setWordWrap(True)
        self.key_state.setObjectName(f"keyState_{name}")
        form.addRow("API key:", self.key_state)
        self.key_field = QLineEdit(self)
        self.key_field.setObjectName(f"keyField_{name}")
        self.key_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_field.setPlaceholderText("Paste a new key")
        self.key_field.setClearButtonEnabled(True)
        form.addRow("", self.key_field)
        buttons = QHBoxLayout()
        self.save_key = QPushButton("Save key", self)
        self.delete_key = QPushButton("Delete key", self)
        self.test_button = QPushButton("Test", self)
        self.test_button.setToolTip("Make one real status call with the key and say how it went")
        for button in (self.save_key, self.delete_key, self.test_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        form.addRow("", buttons)
        self.outcome = QLabel("", self)
        self.outcome.setObjectName(f"keyOutcome_{name}")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("", self.outcome)

        self.base_url = QLineEdit(self)
        self.base_url.setObjectName(f"baseUrl_{name}")
        self.base_url.setPlaceholderText(provider.default_base_url)
        self.base_url.setText(provider_settings.base_url(settings, name))
        self.base_url.editingFinished.connect(self._base_url_edited)
        form.addRow("Base URL:", self.base_url)
        self.address = QLabel(self)
        self.address.setObjectName(f"addressInUse_{name}")
        self.address.setWordWrap(True)
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("In use:", self.address)
        self._show_address()
        hint = QLabel(
            "Replaces scheme, host and port; the documented paths are appended. "
            "Plain http only for this computer (127.0.0.1).",
            self,
        )
        hint.setWordWrap(True)
        hint.setEnabled(False)
        form.addRow("", hint)
        add_link_lifetime_row(form, name, settings, self)  # for the links' countdown

        self.save_key.clicked.connect(lambda: self.bridge.run(self._save_key()))
        self.delete_key.clicked.connect(lambda: self.bridge.run(self._delete_key()))
        self.test_button.clicked.connect(lambda: self.bridge.run(self._test()))
        self.bridge.run(self.refresh())

    def _say(self, text: str, state: str | None = None) -> None:
        colour = theme.state_colour(state, self.palette()).name() if state else None
        self.outcome.setText(f'<span style="color:{colour}">{text}</span>' if colour else text)

    @_while_open
    async def refresh(self) -> None:
        source = await self.bridge.key_source(self.name)
        self.key_state.setText(_SOURCE_WORDS[source].format(var=env_var(self.name)))
        self.delete_key.setEnabled(source is KeySource.KEYRING)

    @_while_open
    async def _save_key(self) -> None:
        value = self.key_field.text().strip()
        if not value:
            self._say("Paste a key first.", "cancelled")
            return
        try:
            await self.bridge.set_key(self.name, value)
        except Exception as exc:  # the keyring's refusal is shown, never raised into Qt
            self._say(f"Could not save the key: {exc}", "failed")
            return
        self.key_field.clear()
        self._say("Saved in the keyring. Polling resumes.", "succeeded")
        await self.refresh()

    @_while_open
    async def _delete_key(self) -> None:
        try:
            deleted = await self.bridge.delete_key(self.name)
        except Exception as exc:
            self._say(f"Could not delete the key: {exc}", "failed")
            return
        self._say("Deleted from the keyring." if deleted else "There was no saved key.")
        await self.refresh()

    @_while_open
    async def _test(self) -> None:
        self.test_button.setEnabled(False)
        self._say("Testing…")
        try:
            result: KeyCheck = await self.bridge.test_key(
                self.name, self.key_field.text().strip() or None
            )
        except Exception as exc:
            self._say(f"Test failed: {exc}", "failed")
        else:
            heading = _VERDICT_WORDS.get(result.verdict, "Problem")
            self._say(f"{heading}: {result.message}", "succeeded" if result.ok else "failed")
        finally:
            self.test_button.setEnabled(True)

    def _base_url_edited(self) -> None:
        url = self.base_url.text().strip() or None
        if (url or "") == provider_settings.base_url(self.settings, self.name):
            return  # focus left the field without a change
        try:
            self.bridge.service.set_base_url(self.name, url)
        except Exception as exc:  # a ConfigError says what is wrong with the URL
            self._say(str(exc), "failed")
            return
        provider_settings.set_base_url(self.settings, self.name, url)
        self._say("Base URL saved." if url else "Base URL setting cleared.")
        self._show_address()

    def _show_address(self) -> None:
        """The address polls go to now, and where it comes from."""
        engine = self.bridge.service.engine
        try:
            if engine is None:
                raise ValueError("taskmon is not tracking yet")
            in_use = engine.base_url(self.name)
        except Exception as exc:  # a ConfigError: the environment's URL breaks the rules
            self.address.setText(f"none usable: {exc}")
            return
        source = provider_settings.address_source(self.settings, self.name, in_use)
        self.address.setText(f"{in_use} ({source})")

    def _enabled_toggled(self, on: bool) -> None:
        provider_settings.set_enabled(self.settings, self.name, on)
        self.bridge.service.set_enabled(self.name, on)


class SettingsDialog(QDialog):
    """Ctrl+, : Providers (keys, tests, URLs) and Appearance."""

    def __init__(
        self,
        bridge: EngineBridge,
        settings: QSettings,
        parent: QWidget | None = None,
        provider: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("taskmon settings")
        self.resize(720, 460)
        self.settings = settings
        tabs = QTabWidget(self)

        providers = QWidget()
        row = QHBoxLayout(providers)
        self.provider_list = QListWidget(providers)
        self.provider_list.setFixedWidth(170)
        self.pages = QStackedWidget(providers)
        self.provider_pages: dict[str, ProviderPage] = {}
        for name, p in PROVIDERS.items():
            item = QListWidgetItem(icons.provider_icon(name), p.display_name)
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.provider_list.addItem(item)
            page = ProviderPage(name, bridge, settings, self.pages)
            self.pages.addWidget(page)
            self.provider_pages[name] = page
        self.provider_list.currentRowChanged.connect(self.pages.setCurrentIndex)
        row.addWidget(self.provider_list)
        row.addWidget(self.pages, 1)
        tabs.addTab(providers, "Providers")

        appearance = QWidget()
        form = QFormLayout(appearance)
        self.scheme = QComboBox(appearance)
        for label, value in (("Follow the system", "system"), ("Light", "light"), ("Dark", "dark")):
            self.scheme.addItem(label, value)
        self.scheme.setCurrentIndex(
            max(0, self.scheme.findData(settings.value("appearance/scheme", "system", str)))
        )
        self.scheme.currentIndexChanged.connect(self._scheme_changed)
        form.addRow("Colours:", self.scheme)
        self.on_close = QComboBox(appearance)
        for label, value in (
            ("Ask", ""),
            ("Keep polling in the background", "background"),
            ("Quit", "quit"),
        ):
            self.on_close.addItem(label, value)
        self.on_close.setCurrentIndex(
            max(0, self.on_close.findData(settings.value("close/choice", "", str)))
        )
        self.on_close.currentIndexChanged.connect(
            lambda _i: settings.setValue("close/choice", self.on_close.currentData())
        )
        form.addRow("Closing the window while tasks run:", self.on_close)
        self.watch_clipboard = QCheckBox(
            "Offer to track task IDs and status URLs I copy in other apps", appearance
        )
        self.watch_clipboard.setObjectName("watchClipboard")
        self.watch_clipboard.setChecked(bool(settings.value("clipboard/watch", False, bool)))
        self.watch_clipboard.toggled.connect(self._watch_clipboard_toggled)
        form.addRow("Clipboard:", self.watch_clipboard)
        tabs.addTab(appearance, "General")
        shared = lambda: share_notify_settings(bridge.service, settings)  # noqa: E731
        tabs.addTab(NotificationPage(settings, changed=shared), "Notifications")
        self.results_page = add_results_page(tabs, settings, parent)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)
        names = list(PROVIDERS)
        self.provider_list.setCurrentRow(names.index(provider) if provider in names else 0)

    def _watch_clipboard_toggled(self, on: bool) -> None:
        self.settings.setValue("clipboard/watch", on)
        window = self.parent()
        watcher = getattr(window, "clipboard_watcher", None)
        if watcher is not None:
            watcher.set_enabled(on)

    def _scheme_changed(self, _index: int) -> None:
        from PySide6.QtWidgets import QApplication

        value = str(self.scheme.currentData())
        self.settings.setValue("appearance/scheme", value)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_scheme(app, theme.Scheme(value))

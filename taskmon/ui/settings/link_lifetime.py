"""The per-provider "result links last" setting, for providers that do not document it.

Apixo documents 24 h after completion, and that is shown, not asked. For the
others the user says how long their links work (default 24 h): the "Links
expire" countdown and the expiry banner estimate from it, unless a link
states its own expiry.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFormLayout, QLabel, QSpinBox, QWidget

from taskmon.providers import PROVIDERS
from taskmon.ui.keep_watch import link_lifetime_h, set_link_lifetime_h
from taskmon.ui.table.keep_text import LIFETIMES

MAX_HOURS: Final = 24 * 90


def add_link_lifetime_row(
    form: QFormLayout, provider: str, settings: QSettings, parent: QWidget
) -> QWidget:
    """A "Result links last" row on `provider`'s settings page; returns its field."""
    documented = LIFETIMES.documented_s(provider)
    name = PROVIDERS[provider].display_name
    if documented is not None:
        field: QWidget = QLabel(f"{documented / 3600:g} h after the task ends, as {name} documents")
    else:
        spin = QSpinBox(parent)
        spin.setRange(1, MAX_HOURS)
        spin.setSuffix(" h")
        spin.setValue(
            round(link_lifetime_h(settings, provider) or LIFETIMES.chosen_s(provider) / 3600)
        )
        spin.setToolTip(
            f"{name} does not say how long its result links work: the countdown to their "
            "expiry counts this long from the task's end (a link that states its expiry wins)"
        )
        spin.valueChanged.connect(lambda hours: set_link_lifetime_h(settings, provider, hours))
        field = spin
    field.setObjectName(f"linkLifetime_{provider}")
    form.addRow("Result links last:", field)
    return field

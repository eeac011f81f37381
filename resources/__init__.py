"""Package data: the app's SVG icons, installed as `taskmon.resources` (see taskmon.ui.icons)."""

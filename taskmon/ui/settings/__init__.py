"""The settings dialog and the per-provider settings it keeps."""

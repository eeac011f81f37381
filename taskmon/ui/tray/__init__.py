"""The tray icon, desktop notifications in the window, pausing, and life in the background."""

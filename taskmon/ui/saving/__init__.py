"""Saving results where the user wants them: Save…, Save all, auto-save, drag-out."""

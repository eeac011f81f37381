"""Adding tasks: the add dialog, pasted and dropped text, the clipboard offer."""

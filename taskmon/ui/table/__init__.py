"""The task list: its model, filter proxy, view and the painting of its cells."""

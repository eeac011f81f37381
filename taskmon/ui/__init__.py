"""The desktop window (Qt only): a view over the engine, never issuing HTTP itself."""

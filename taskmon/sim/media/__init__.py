"""The media origin: result files, their bytes and signed URLs, and the server on its own port."""

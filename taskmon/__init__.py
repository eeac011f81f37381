"""taskmon: track asynchronous AI media-generation tasks and keep their results."""

__version__ = "0.1.0"

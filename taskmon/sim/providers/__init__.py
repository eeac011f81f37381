"""One module per simulated provider, each written from that provider's docs.

A provider module owns its ID format, its status bodies, its error envelope
and its endpoints, and describes itself in one `SPEC` (`base.ProviderSpec`).
`registry` lists them. This package's own module imports nothing, so that
importing `providers.base` never drags the providers (and their imports) in.
"""

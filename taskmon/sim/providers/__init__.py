"""One module per simulated provider, each written from that provider's docs.

A provider module owns its ID format, its status bodies, its error envelope
and its endpoints, and describes itself in one `SPEC` (a `ProviderSpec`,
declared outside this package so the shared machinery never imports it);
`registry` lists them.
"""

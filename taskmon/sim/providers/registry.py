"""The five simulated providers, in the order the README lists them."""

from __future__ import annotations

from taskmon.sim.provider_spec import ProviderSpec
from taskmon.sim.providers import apixo, bytespike, reapi, vidgo, xenodia

SPECS: dict[str, ProviderSpec] = {
    spec.name: spec for spec in (xenodia.SPEC, apixo.SPEC, bytespike.SPEC, vidgo.SPEC, reapi.SPEC)
}
PROVIDERS: tuple[str, ...] = tuple(SPECS)
# Keys follow the documented prefixes where there is one (BytesPike sk-byts-,
# reAPI rk_live_), so a client that checks prefixes accepts them.
DEFAULT_KEYS: dict[str, str] = {name: spec.default_key for name, spec in SPECS.items()}

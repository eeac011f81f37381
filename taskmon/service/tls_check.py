"""`taskmon --self-test`: are TLS certificates found, and does a TLS handshake work here?

Two findings, no network:
1. the certificate store taskmon's HTTP client loads (httpx's: certifi's bundle, or
   SSL_CERT_FILE / SSL_CERT_DIR) holds CA certificates: in a frozen bundle this is
   what goes missing when certifi's cacert.pem was not packed;
2. a TLS handshake on 127.0.0.1 between a throw-away self-signed certificate
   (made with `cryptography`, when installed) and a client context built the same
   way, trusting that certificate, with host name checking on: it proves that this
   Python's ssl module and OpenSSL work, not that any public server would verify.
"""

from __future__ import annotations

import asyncio
import datetime
import ssl
import tempfile
from pathlib import Path
from typing import Final

import httpx

from taskmon.service.install_checks import CHECK_TIMEOUT_S, CheckResult, CheckStatus

TITLE: Final = "TLS certificates"
FIX: Final = (
    "reinstall taskmon (certifi's CA bundle is missing), or point SSL_CERT_FILE at "
    "your system's CA bundle (e.g. /etc/ssl/certs/ca-certificates.crt)"
)


async def check_tls() -> CheckResult:
    """CA certificates loaded into the client's context, plus a loopback handshake."""
    try:
        context = await asyncio.to_thread(httpx.create_ssl_context, trust_env=True)
    except (OSError, ssl.SSLError) as exc:
        return CheckResult("tls", TITLE, CheckStatus.PROBLEM, f"no certificate store: {exc}", FIX)
    cas = context.cert_store_stats().get("x509_ca", 0)
    where = _store_location()
    if cas == 0:
        return CheckResult(
            "tls", TITLE, CheckStatus.PROBLEM, f"no CA certificates loaded from {where}", FIX
        )
    found = f"{cas} CA certificates from {where}"
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            handshake = await _loopback_handshake()
    except ImportError:
        return CheckResult(
            "tls",
            TITLE,
            CheckStatus.OK,
            f"{found}; loopback handshake not tried (the cryptography package is not installed)",
        )
    except (OSError, ssl.SSLError, TimeoutError) as exc:
        return CheckResult(
            "tls",
            TITLE,
            CheckStatus.PROBLEM,
            f"{found}, but a TLS handshake on 127.0.0.1 failed: {exc}",
            fix="the ssl module or OpenSSL of this installation is broken: reinstall taskmon",
        )
    return CheckResult("tls", TITLE, CheckStatus.OK, f"{found}; loopback handshake {handshake}")


def _store_location() -> str:
    import os

    for variable in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        if os.environ.get(variable):
            return f"{variable}={os.environ[variable]}"
    try:
        import certifi
    except ImportError:
        paths = ssl.get_default_verify_paths()
        return paths.cafile or paths.capath or "the system store"
    return certifi.where()


async def _loopback_handshake() -> str:
    """A TLS handshake with a throw-away certificate for localhost; the protocol agreed."""
    cert_pem, key_pem = _self_signed_localhost()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory(prefix="taskmon-tls-") as tmp:
        cert_file, key_file = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
        cert_file.write_bytes(cert_pem)
        key_file.write_bytes(key_pem)
        server_context.load_cert_chain(cert_file, key_file)
    client_context = httpx.create_ssl_context(verify=True, trust_env=False)
    client_context.load_verify_locations(cadata=cert_pem.decode("ascii"))

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.readexactly(5))  # echo "hello"
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_context)
    try:
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client_context, server_hostname="localhost"
        )
        try:
            writer.write(b"hello")
            await writer.drain()
            echoed = await reader.readexactly(5)
            ssl_object = writer.get_extra_info("ssl_object")
            protocol = ssl_object.version() if ssl_object is not None else "?"
        finally:
            writer.close()
            await writer.wait_closed()
    finally:
        server.close()
        await server.wait_closed()
    if echoed != b"hello":
        raise ssl.SSLError("the loopback TLS connection garbled its data")
    return f"ok ({protocol}, certificate verified for localhost)"


def _self_signed_localhost() -> tuple[bytes, bytes]:
    """A one-hour self-signed certificate for localhost and its key, as PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem

"""TLS for the suite: which CA certificates verify the server, and why a verification failed, in words."""

from __future__ import annotations

import functools
import socket
import ssl
from collections.abc import Iterator, Mapping
from pathlib import Path

from rocketchat_contract.client.causes import causes

BUNDLE_VARIABLES = ("RC_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
"""Environment variables naming a CA bundle, strongest first; RC_CA_BUNDLE ranks above the ini option."""
DEFAULT_SOURCE = "the default CA certificates (certifi)"
EXPECTED = "expected a PEM file of CA certificates"


NOT_TLS = "the server does not speak TLS on that port"
NOT_TLS_REASONS = frozenset({"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG", "HTTP_REQUEST"})
"""OpenSSL's reasons when what answered a handshake is not TLS (a plain-HTTP server's error page), by version."""


class CABundleError(ValueError):
    """A CA bundle that cannot be used: missing, or without a certificate in it."""


def resolve_ca_bundle(option: str | None, environ: Mapping[str, str], ini: str | None = None) -> tuple[bool | str, str]:
    """Return ``(verify, source)`` for requests: the bundle to use and where it was named.

    Order: --ca-bundle, RC_CA_BUNDLE, the ini option rc_ca_bundle, then what requests users expect
    (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE) and OpenSSL's SSL_CERT_FILE; else the default CAs. Raise
    CABundleError when the chosen file is missing or holds no certificate. A folder (OpenSSL's hashed
    layout) is accepted from the inherited variables only: the suite's own settings name a PEM file.
    """
    for value, source, own in _candidates(option, environ, ini):
        if value:
            check_bundle(value, source, folder_ok=not own)
            return value, source
    return True, DEFAULT_SOURCE


def _candidates(
    option: str | None, environ: Mapping[str, str], ini: str | None
) -> Iterator[tuple[str | None, str, bool]]:
    yield option, "--ca-bundle", True
    yield environ.get("RC_CA_BUNDLE"), "RC_CA_BUNDLE", True
    yield ini, "ini rc_ca_bundle", True
    for name in BUNDLE_VARIABLES[1:]:
        yield environ.get(name), name, False


def check_bundle(path: str, source: str, *, folder_ok: bool = False) -> None:
    """Fail early, in one sentence, on a bundle that would only fail at the first TLS handshake."""
    where = f"{source} {path}"
    bundle = Path(path)
    if bundle.is_dir():
        if folder_ok:
            return
        raise CABundleError(f"{where}: is a folder; {EXPECTED}")
    if not bundle.is_file():
        raise CABundleError(f"{where}: no such file; {EXPECTED}")
    try:
        status = bundle.stat()
        _loads(str(bundle), status.st_mtime_ns, status.st_size)
    except ssl.SSLError:
        raise CABundleError(
            f"{where}: this file holds no certificates ({EXPECTED}: -----BEGIN CERTIFICATE----- blocks)"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CABundleError(f"{where}: cannot be read ({exc})") from None


@functools.lru_cache(maxsize=16)
def _loads(path: str, mtime_ns: int, size: int) -> None:
    """Load the bundle into a TLS context once per version of the file (a fleet worker checks the same bundle for
    every target; OpenSSL takes about 20 ms to parse the system's)."""
    ssl.create_default_context(cafile=path)


def describe_tls_error(exc: BaseException, verify: bool | str, source: str | None = None) -> str:
    """Name the verification failure (self-signed, unknown CA, expired, wrong host) and its remedy.

    ``source`` says where the bundle was named (``resolve_ca_bundle``'s second value), so the remedy
    points at the setting the run really used."""
    bundle = (verify, source) if isinstance(verify, str) else None
    for cause in causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return _verification(str(cause.verify_message or cause.reason or cause), bundle)
    for cause in causes(exc):
        if isinstance(cause, ssl.SSLError) and cause.reason == "NO_CERTIFICATE_OR_CRL_FOUND":
            where = f"the CA bundle {bundle[0]}" if bundle else "the CA bundle"
            return f"TLS error: {where} holds no certificates (expected PEM)"
    for cause in causes(exc):
        if isinstance(cause, ssl.SSLError) and cause.reason in NOT_TLS_REASONS:
            return f"TLS error ({cause.reason}): {NOT_TLS} (a plain-HTTP server answers a TLS handshake this way)"
    for cause in causes(exc):
        if isinstance(cause, ssl.SSLError) and cause.reason:
            return f"TLS error ({cause.reason}): the TLS handshake with the server failed"
    return f"TLS error ({exc})"


def speaks_tls(host: str, port: int, timeout: float) -> bool:
    """Whether a TLS handshake succeeds on ``host:port``: tells that an ``http://`` URL reached an https port.
    Nothing is sent over the connection, so its certificate is not checked here."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host),
        ):
            return True
    except (OSError, ValueError):
        return False


Bundle = tuple[str, str | None]
"""A CA bundle the run used and where it was named (None: not known)."""


def _untrusted(bundle: Bundle | None, needed: str = "the certificate of the CA that signed it") -> str:
    """What to do about a certificate the run does not trust, given the bundle it used (if any): a bundle
    another tool's variable named is not the suite's to edit, so the remedy is the suite's own option."""
    if bundle is None:
        return f"pass --ca-bundle PATH (or set RC_CA_BUNDLE) with {needed}"
    path, source = bundle
    if source in BUNDLE_VARIABLES[1:]:
        return f"the CA bundle {path} (from {source}) does not hold it; pass --ca-bundle PATH with {needed}"
    return f"the CA bundle {path} does not hold {needed}; add it to that file"


def _verification(message: str, bundle: Bundle | None) -> str:
    lowered = message.lower()
    if "self-signed" in lowered or "self signed" in lowered:
        remedy = _untrusted(bundle, "that certificate")
        return f"TLS error: the server's certificate is self-signed ({message}); {remedy}"
    if "local issuer" in lowered or "first certificate" in lowered or "unknown ca" in lowered:
        why = "the certificate is signed by a CA this run does not trust"
        return f"TLS error: {why} ({message}); {_untrusted(bundle)}"
    if "expired" in lowered:
        return f"TLS error: the server's certificate has expired ({message}); renew it on the server"
    if "not yet valid" in lowered:
        return f"TLS error: the server's certificate is not valid yet ({message}); check the clocks of both machines"
    if "mismatch" in lowered or "not valid for" in lowered:
        return (
            f"TLS error: the certificate does not name this host ({message}); "
            "use a --base-url with a host name the certificate names"
        )
    return f"TLS error ({message}); {_untrusted(bundle)}"

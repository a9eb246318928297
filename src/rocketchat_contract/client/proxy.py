"""Which forward proxy carries the run's requests: requests' own choice from the environment, said out loud.

requests (``trust_env``) sends through ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` unless ``NO_PROXY`` names the
host; the run's header line says which proxy that is, with any password in its URL masked, so that a proxy
nobody meant to use is not silent. The client makes the same choice once per run (``proxies_for``) rather than
letting requests read the whole environment again for every request.
"""

from __future__ import annotations

import os
import urllib.request
from urllib.parse import urlsplit

from requests.utils import get_environ_proxies, select_proxy

from rocketchat_contract.client.redact import display_url

VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
"""Where a proxy for http:// and https:// URLs comes from (urllib's reading of the environment, which requests
uses)."""


def proxy_for(url: str) -> str | None:
    """The proxy URL requests sends a request for ``url`` through (NO_PROXY honoured), or None for none."""
    return select_proxy(url, get_environ_proxies(url))


def proxies_for(url: str) -> dict[str, str]:
    """The proxies requests resolves from the environment for a request to ``url``, as a session's ``proxies``: a
    session with ``trust_env`` off that sends only to ``url``'s scheme and host then uses the proxy (or none) that
    requests would have chosen, without reading the environment again for each request."""
    proxy = proxy_for(url)
    return {} if proxy is None else {urlsplit(url).scheme: proxy}


def route(url: str) -> str:
    """How requests to ``url`` leave, for the header line: through which proxy (password masked, variable named),
    past a configured proxy because NO_PROXY names the host, or "" when no proxy is configured for it."""
    proxy = proxy_for(url)
    if proxy is not None:
        named = [name for name in VARIABLES if os.environ.get(name) == proxy]
        source = f" ({', '.join(named)})" if named else ""
        return f"through proxy {display_url(proxy)}{source}"
    configured = select_proxy(url, urllib.request.getproxies())
    if configured is not None:
        return f"not through proxy {display_url(configured)}: NO_PROXY names the host"
    return ""

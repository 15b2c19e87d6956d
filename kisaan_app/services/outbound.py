"""The outbound guard: a URL someone handed us is fetched by the server only if it is safe to fetch.

A Web Push endpoint comes from a browser, so anyone signed in can choose it. Unchecked, the server would POST
to whatever it names: the cloud metadata service, the database port on localhost, a router on the LAN. The
rule: https, a host on an allow-list (`*.example.com` entries cover subdomains), and every address the name
resolves to public. The name is resolved again before each fetch (DNS can change after a subscribe), and
fetches never follow redirects (a public host could send us back inside).

The local push stand-in (http on 127.0.0.1) is the one exception, allowed only by the caller, outside prod.
"""

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import requests

from kisaan_app.services.errors import ValidationFailed

# Cloud metadata services (AWS, GCP, Azure: 169.254.169.254; AWS over IPv6: fd00:ec2::254). Both are already
# link-local or private; named here so the rule survives someone loosening the ranges.
METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
MAX_URL_LENGTH = 1000

Resolver = Callable[[str, int], list[str]]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (A and AAAA)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def is_public_address(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return not (
        address in METADATA_ADDRESSES
        or address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def host_allowed(host: str, allowed_hosts: Iterable[str]) -> bool:
    """`fcm.googleapis.com` matches itself; `*.push.apple.com` matches any subdomain, not the bare name."""
    host = host.lower().rstrip(".")
    for entry in allowed_hosts:
        entry = entry.strip().lower().rstrip(".")
        if entry.startswith("*.") and host.endswith(entry[1:]) and len(host) > len(entry) - 1:
            return True
        if entry and host == entry:
            return True
    return False


def check_public_url(url: str, allowed_hosts: Iterable[str], *, resolver: Resolver | None = None) -> str:
    """Return the URL's host if the server may fetch it, else raise ValidationFailed naming why:
    `outbound_url_invalid` (not an https URL), `outbound_host_not_allowed`, `outbound_host_unresolved`,
    `outbound_address_not_public`."""
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError:
        raise ValidationFailed("outbound_url_invalid", field="endpoint") from None
    host = parts.hostname or ""
    if parts.scheme != "https" or not host or parts.username or parts.password or len(url) > MAX_URL_LENGTH:
        raise ValidationFailed("outbound_url_invalid", field="endpoint")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:  # a bare address is never a push service, whatever the list says
        raise ValidationFailed("outbound_host_not_allowed", field="endpoint", host=host)
    if not host_allowed(host, allowed_hosts):
        raise ValidationFailed("outbound_host_not_allowed", field="endpoint", host=host)
    try:
        addresses = (resolver or resolve_host)(host, port)
    except (OSError, UnicodeError):
        raise ValidationFailed("outbound_host_unresolved", field="endpoint", host=host) from None
    if not addresses or not all(is_public_address(ipaddress.ip_address(a.split("%")[0])) for a in addresses):
        raise ValidationFailed("outbound_address_not_public", field="endpoint", host=host)
    return host


class NoRedirectSession(requests.Session):
    """A requests session that never follows a redirect, whatever the caller (here: pywebpush) asks for.
    A 3xx comes back as the response; the channel treats it as a refusal."""

    def get_redirect_target(self, resp: requests.Response) -> None:
        return None  # requests follows a redirect only when this names one

    def request(self, method: str | bytes, url: str | bytes, *args: object, **kwargs: object) -> requests.Response:
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)

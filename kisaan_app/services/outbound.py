"""The outbound guard: a URL someone handed us is fetched by the server only if it is safe to fetch.

A Web Push endpoint comes from a browser, so anyone signed in can choose it. Unchecked, the server would POST
to whatever it names: the cloud metadata service, the database port on localhost, a router on the LAN. The
rule: https, a host on an allow-list (`*.example.com` entries cover subdomains), and every address the name
resolves to public. The name is resolved again before each fetch (DNS can change after a subscribe), the fetch
connects to the very address that was checked (PinnedSession, below), and fetches never follow redirects (a public
host could send us back inside).

The local push stand-in (http on 127.0.0.1) is the one exception, allowed only by the caller, outside prod.
"""

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection as urllib3_connection

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
    return checked_target(url, allowed_hosts, resolver=resolver).host


@dataclass(frozen=True)
class Target:
    """A URL that passed the guard, with the address it was checked at: the one the fetch must connect to."""

    host: str
    address: str


def checked_target(url: str, allowed_hosts: Iterable[str], *, resolver: Resolver | None = None) -> Target:
    """As check_public_url, returning the host and the checked public address to connect to."""
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
    # IPv4 first: a server without IPv6 routes can still reach a dual-stack service (requests would fall back).
    return Target(host.lower().rstrip("."), min(addresses, key=lambda a: (":" in a, a)))


class NoRedirectSession(requests.Session):
    """A requests session that never follows a redirect, whatever the caller (here: pywebpush) asks for.
    A 3xx comes back as the response; the channel treats it as a refusal."""

    def get_redirect_target(self, resp: requests.Response) -> None:
        return None  # requests follows a redirect only when this names one

    def request(self, method: str | bytes, url: str | bytes, *args: object, **kwargs: object) -> requests.Response:
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)


# Checking a name and then letting requests resolve it again leaves a gap: DNS with a short TTL can answer a public
# address to the check and 127.0.0.1 to the connect (rebinding). So the fetch connects to the address that was
# checked. Only the TCP connect is redirected (the connection's _new_conn): the URL, the Host header, TLS SNI and the
# certificate's name check all stay on the host name, so a pinned connection is as verified as a normal one.


class _PinnedAdapter(HTTPAdapter):
    """Connects every request for `host` to `address`; refuses any other host outright."""

    def __init__(self, target: Target) -> None:
        self.target = target
        super().__init__(max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: object) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _pinned_pool(HTTPConnectionPool, self.target.address),
            "https": _pinned_pool(HTTPSConnectionPool, self.target.address),
        }

    def send(self, request: requests.PreparedRequest, *args: object, **kwargs: object) -> requests.Response:
        host = (urlsplit(request.url or "").hostname or "").lower().rstrip(".")
        if host != self.target.host:
            raise requests.exceptions.InvalidURL(f"this session may only reach {self.target.host}")
        return super().send(request, *args, **kwargs)


def _pinned_pool(pool_class: type[HTTPConnectionPool], address: str) -> type[HTTPConnectionPool]:
    class PinnedConnection(pool_class.ConnectionCls):  # type: ignore[name-defined, misc]
        def _new_conn(self) -> socket.socket:
            # urllib3's own _new_conn, connecting to `address`; self.host (SNI, Host, certificate name) is untouched.
            try:
                return urllib3_connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as err:
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out") from err
            except OSError as err:
                raise NewConnectionError(self, f"Failed to establish a new connection: {err}") from err

    return type(f"Pinned{pool_class.__name__}", (pool_class,), {"ConnectionCls": PinnedConnection})


class PinnedSession(NoRedirectSession):
    """A session that reaches only the checked target, at its checked address, never following a redirect."""

    def __init__(self, target: Target) -> None:
        super().__init__()
        adapter = _PinnedAdapter(target)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

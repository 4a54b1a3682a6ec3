"""Where webhooks may go: public addresses only (OWASP API7, server-side request forgery).

A target is vetted by resolving its host and refusing it when any address it resolves to is
not globally routable: loopback (127.0.0.1), private (10.0.0.0/8 ...), link-local (the cloud
metadata address 169.254.169.254), and the like. It is vetted when registered and again at
every delivery, and the delivery connects to the address that was vetted, so a name that
resolves elsewhere a second time (DNS rebinding) cannot redirect it.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TargetRefused(Exception):
    """The URL may not be called; the message says why in words an integrator understands."""


@dataclass(frozen=True)
class Target:
    """A vetted URL and the address to connect to for it."""

    url: SplitResult
    address: IPAddress

    @property
    def host(self) -> str:
        assert self.url.hostname is not None
        return self.url.hostname

    def connect_url(self) -> str:
        """The URL with the vetted address in place of the host name."""
        literal = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        port = f":{self.url.port}" if self.url.port else ""
        path = self.url.path or "/"
        query = f"?{self.url.query}" if self.url.query else ""
        return f"{self.url.scheme}://{literal}{port}{path}{query}"


def parse_networks(cidrs: Sequence[str]) -> list[Network]:
    return [ipaddress.ip_network(c, strict=False) for c in cidrs]


def is_allowed(address: IPAddress, allowed: Sequence[Network] = ()) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in allowed):
        return True
    return address.is_global and not address.is_multicast


def check_url(url: str, schemes: Sequence[str]) -> SplitResult:
    """The URL's parts, when its form is acceptable at all."""
    parts = urlsplit(url)
    if parts.scheme not in schemes:
        raise TargetRefused(f"the scheme must be one of: {', '.join(schemes)}")
    if not parts.hostname:
        raise TargetRefused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("credentials in the URL are not accepted; sign with the secret")
    if parts.fragment:
        raise TargetRefused("a webhook URL has no fragment")
    try:
        parts.port  # noqa: B018  (raises for a port out of range)
    except ValueError as exc:
        raise TargetRefused("the port is not valid") from exc
    return parts


async def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetRefused(f"the host {host} does not resolve") from exc
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


async def vet(url: str, schemes: Sequence[str], allowed: Sequence[Network] = ()) -> Target:
    """The target to connect to, or TargetRefused when any address of the host is not public."""
    parts = check_url(url, schemes)
    assert parts.hostname is not None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = await resolve(parts.hostname, port)
    refused = [a for a in addresses if not is_allowed(a, allowed)]
    if refused or not addresses:
        raise TargetRefused(
            f"the host resolves to {refused[0] if refused else 'nothing'}, which is not a "
            "public address (private, loopback and link-local addresses are refused)"
        )
    return Target(parts, addresses[0])

"""Where webhooks may go: public addresses only (OWASP API7, server-side request forgery).

A target is vetted by resolving its host and refusing it when any address it resolves to is
not globally routable: loopback (127.0.0.1), private (10.0.0.0/8 ...), link-local (the cloud
metadata address 169.254.169.254), and the like, also when written inside an IPv6 address
(NAT64, 6to4, Teredo, IPv4-mapped or -compatible). It is vetted when registered and again at
every delivery, and the delivery connects to the address that was vetted, so a name that
resolves elsewhere a second time (DNS rebinding) cannot redirect it.

The blocks refused are listed here from IANA's special-purpose address registries rather than
taken from `ipaddress.is_global`: Python 3.11.7 predates the fix of CVE-2024-4032 and calls
several of them (192.0.0.0/24, fec0::/10, ::/96, 64:ff9b::/96 ...) global.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# IANA IPv4 Special-Purpose Address Registry: the blocks not globally reachable, with multicast
# and the reserved 240/4 (the limited broadcast among them), which no webhook receiver has.
NOT_GLOBAL_V4 = [
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, the cloud metadata address among them
        "172.16.0.0/12",  # private
        # IETF protocol assignments, refused whole: its two anycast services receive no webhooks.
        "192.0.0.0/24",
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast, deprecated (RFC 7526)
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, 255.255.255.255 among them
    )
]
# Unspecified (::), loopback (::1), and IPv4-compatible (deprecated by RFC 4291).
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# IANA IPv6 Special-Purpose Address Registry's blocks not globally reachable, and the
# deprecated or non-unicast parts of the address space (site-local, multicast).
NOT_GLOBAL_V6 = [IPV4_COMPATIBLE] + [
    ipaddress.IPv6Network(n)
    for n in (
        # Local-use NAT64, refused whole: where its IPv4 address sits depends on the prefix
        # length the operator chose (RFC 6052), so it cannot be read out reliably.
        "64:ff9b:1::/48",
        "100::/64",  # discard-only
        "100:0:0:1::/64",  # dummy prefix
        "2001::/23",  # IETF protocol assignments: Teredo (2001::/32), ORCHID, benchmarking ...
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing SIDs
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local, deprecated (RFC 3879)
        "ff00::/8",  # multicast
    )
]
# Native IPv6 is routed on the internet only within global unicast.
GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
# Outside global unicast, but standing for the IPv4 address they carry: a dual-stack socket
# connects to an IPv4-mapped address's IPv4, and a NAT64 translator to the well-known prefix's.
TRANSLATED_V6 = [ipaddress.IPv6Network("::ffff:0:0/96"), NAT64]


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
    """Whether webhooks may go to the address: a public one, or one in `allowed` (development)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        # The same destination: an allowed IPv4 network admits its IPv4-mapped form too.
        address = address.ipv4_mapped
    if any(address in network for network in allowed):
        return True
    if isinstance(address, ipaddress.IPv4Address):
        return _public_v4(address)
    return _public_v6(address)


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries, where a packet to it may end up."""
    found = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    if address in IPV4_COMPATIBLE or address in NAT64:
        # IPv4-compatible and NAT64 (64:ff9b::/96) carry it in the last 32 bits.
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF))
    return [a for a in found if a is not None]


def _public_v4(address: ipaddress.IPv4Address) -> bool:
    return not any(address in network for network in NOT_GLOBAL_V4) and address.is_global


def _public_v6(address: ipaddress.IPv6Address) -> bool:
    if any(address in network for network in NOT_GLOBAL_V6):
        return False
    if not all(_public_v4(v4) for v4 in embedded_ipv4(address)):
        return False
    native = address in GLOBAL_UNICAST_V6 and address.is_global
    return native or any(address in network for network in TRANSLATED_V6)


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
    """Every address of the host. A trailing dot only roots the name (`localhost.` is
    `localhost`), so it is resolved, and checked, as the name without it."""
    host = host.strip("[]")
    name = host[:-1] if host.endswith(".") and not host.endswith("..") else host
    try:
        literal = ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
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

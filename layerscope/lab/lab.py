"""The embedded lab: a CA hierarchy, TLS layers on 127.x.y.z and a DNS responder.

``Lab`` runs everything on its own asyncio loop in a background thread, so the caller
(the CLI, a test, the TUI) keeps its own loop. Start and stop take well under a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import random
import shutil
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from layerscope.lab import pki
from layerscope.lab.dns import DnsResponder
from layerscope.lab.hierarchy import LabPki, make_pki
from layerscope.lab.loop import LoopThread
from layerscope.lab.pki import pem_bundle
from layerscope.lab.repository import Repository
from layerscope.lab.scenarios import make_sites
from layerscope.lab.servers import LayerServer
from layerscope.lab.services import REPOSITORY_HOST, LabServices
from layerscope.lab.site import CDN_ZONE, ZONE, SiteSpec
from layerscope.lab.stapling import StaplingServer


@dataclass(frozen=True)
class LabSite:
    """A running lab site.

    Attributes:
        spec: the scenario.
        origin: the origin's address.
        edges: the edges' addresses, in DNS answer order.
    """

    spec: SiteSpec
    origin: str
    edges: tuple[str, ...]

    @property
    def host(self) -> str:
        """The site's DNS name."""
        return self.spec.host


class Lab:
    """Start with ``with Lab() as lab:``; everything stops on exit and nothing is left running.

    Attributes (after start):
        port: the TLS port every layer listens on.
        dns: ``ip:port`` of the DNS responder.
        sites: the running sites.
        directory: temporary directory holding the CA bundles and the config file.
    """

    def __init__(
        self,
        *,
        now: dt.datetime | None = None,
        octet: int | None = None,
        port: int = 0,
        seed: int | None = None,
        dns_port: int = 0,
        directory: Path | None = None,
    ) -> None:
        """``now`` fixes the certificates' dates, ``octet`` the 127.<octet>.0.0/16 block,
        ``port`` the TLS port (0: any free one) and ``seed`` the keys: together they make
        every run identical, fingerprints included (snapshot tests, screenshots)."""
        self.now = now or dt.datetime.now(dt.UTC)
        self._octet = octet
        self._port = port
        self._seed = seed
        self._dns_port = dns_port
        self._thread = LoopThread("lab")
        self._servers: list[LayerServer | StaplingServer] = []
        self._dns: DnsResponder | None = None
        self._repository: Repository | None = None
        self.repository = ""
        self.port = 0
        self.dns = ""
        self.sites: list[LabSite] = []
        if directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix="layerscope-lab-"))
        else:
            directory.mkdir(parents=True, exist_ok=True)
            self.directory = directory
        self.pki: LabPki | None = None
        self.base = ""

    # lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> Lab:
        """Generate the PKI, start every server and the DNS responder, write the config."""
        self._thread.start()
        last: OSError | None = None
        for _attempt in range(6):
            octet = self._octet or random.randint(20, 250)
            try:
                self._thread.run(self._start(octet))
                break
            except OSError as exc:  # address in use: another lab on this octet
                last = exc
                self._thread.run(self._stop_servers())
                self._octet = None
        else:
            self.stop()
            raise RuntimeError(f"could not start the lab: {last}")
        self._write_files()
        return self

    def stop(self) -> None:
        """Stop every server, the loop and the thread; remove the temporary files."""
        if self._thread.running:
            with contextlib.suppress(Exception):
                self._thread.run(self._stop_servers(), timeout=10)
        self._thread.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    async def _start(self, octet: int) -> None:
        self.base = f"127.{octet}"
        self.sites = []
        self._servers = []
        # the CA repository (AIA and OCSP) first: certificates carry its URLs
        self._repository = Repository()
        repo_host = f"{self.base}.0.80"
        repo_port = await self._repository.start(repo_host, self._port + 2 if self._port else 0)
        seeded = pki.deterministic(self._seed) if self._seed is not None else nullcontext()
        with seeded:
            self.pki = make_pki(self.now)
            services = LabServices(self._repository, self.pki, self.now)
            specs = make_sites(self.pki, self.now, services)
        self.repository = f"http://{repo_host}:{repo_port}"
        records: dict[str, list[tuple[str, str]]] = {}
        port = self._port
        for index, spec in enumerate(specs, start=1):
            origin = f"{self.base}.{index}.1"
            edges = tuple(f"{self.base}.{index}.{n}" for n in range(2, 2 + len(spec.edges)))
            for address, layer in ((origin, spec.origin), *zip(edges, spec.edges, strict=True)):
                server: LayerServer | StaplingServer
                if layer.staple is not None:
                    server = StaplingServer(
                        address, layer.chain, layer.staple, self.directory, page=layer.page
                    )
                else:
                    server = LayerServer(layer, address, spec.host, self.directory)
                self._servers.append(server)
                port = await server.start(port)
            self.sites.append(LabSite(spec, origin, edges))
            name = spec.host
            for target in spec.cname:
                records.setdefault(f"{name}.", []).append(("CNAME", f"{target}."))
                name = target
            records.setdefault(f"{name}.", []).extend(("A", e) for e in edges)
            records.setdefault(f"origin.{spec.host}.", []).append(("A", origin))
        records[f"dangling.{ZONE}."] = [("CNAME", f"gone.{CDN_ZONE}.")]
        records[f"servfail.{ZONE}."] = [("SERVFAIL", "")]
        records[f"{REPOSITORY_HOST}."] = [("A", repo_host)]
        self.port = port
        self._dns = DnsResponder(records)
        dns_host = f"{self.base}.0.53"
        dns_port = await self._dns.start(dns_host, self._dns_port)
        self.dns = f"{dns_host}:{dns_port}"

    async def _stop_servers(self) -> None:
        await asyncio.gather(*(s.stop() for s in self._servers), return_exceptions=True)
        self._servers = []
        if self._repository is not None:
            with contextlib.suppress(Exception):
                await self._repository.stop()
            self._repository = None
        if self._dns is not None:
            with contextlib.suppress(Exception):
                await self._dns.stop()
            self._dns = None

    @property
    def dns_queries(self) -> list[tuple[str, str, str]]:
        """Every query the lab's DNS received so far: (qname, rdtype, transport)."""
        return list(self._dns.queries) if self._dns is not None else []

    # files ------------------------------------------------------------------------------
    @property
    def public_roots(self) -> Path:
        """PEM bundle of the public roots a modern client trusts."""
        return self.directory / "public-roots.pem"

    @property
    def legacy_roots(self) -> Path:
        """PEM bundle of an outdated client: without the new root X3."""
        return self.directory / "legacy-roots.pem"

    @property
    def company_root(self) -> Path:
        """The company's private root, for ``--extra-ca``."""
        return self.directory / "company-root.pem"

    @property
    def config(self) -> Path:
        """A layerscope.toml that checks every lab site with the lab's resolver and stores."""
        return self.directory / "layerscope.toml"

    def _write_files(self) -> None:
        assert self.pki is not None
        ca = self.pki
        added = tuple(root for site in self.sites for root in site.spec.roots)
        self.public_roots.write_bytes(pem_bundle(ca.r1, ca.r2, ca.x3, *added))
        self.legacy_roots.write_bytes(pem_bundle(ca.r1, ca.r2, *added))
        self.company_root.write_bytes(pem_bundle(ca.company))
        q = json.dumps
        lines = [
            "# written by layerscope's embedded lab",
            "[defaults]",
            f"port = {self.port}",
            f"resolver = [{q(self.dns)}]",
            f"ca_bundle = {q(str(self.public_roots))}",
            f"alt_ca_bundle = {q(str(self.legacy_roots))}",
            f"extra_ca = [{q(str(self.company_root))}]",
            "timeout = 5",
            "",
        ]
        for site in self.sites:
            lines += [
                "[[site]]",
                f"host = {q(site.host)}",
                f"origin = {q(f'{site.origin}:{self.port}')}",
                f"# {site.spec.description}",
                "",
            ]
        self.config.write_text("\n".join(lines), encoding="utf-8")

    # lookup -----------------------------------------------------------------------------
    def site(self, name: str) -> LabSite:
        """The running site of scenario ``name`` (or with host ``name``)."""
        for site in self.sites:
            if name in (site.spec.name, site.host):
                return site
        raise KeyError(name)

    def check_args(self, name: str) -> list[str]:
        """CLI arguments that check one lab site exactly as the demo does."""
        site = self.site(name)
        return [
            site.host,
            "--port",
            str(self.port),
            "--origin",
            f"{site.origin}:{self.port}",
            "--resolver",
            self.dns,
            "--ca-bundle",
            str(self.public_roots),
            "--alt-ca-bundle",
            str(self.legacy_roots),
            "--extra-ca",
            str(self.company_root),
        ]

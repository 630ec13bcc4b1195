"""Writes of the client-network table (prefix -> zone or country): one row
from the admin, or a whole BGP-like feed from a CSV file.

Every web process keeps the table as a prefix table in memory (see
edge.selectors.networks); each write here ends by bumping the table's
version in the shared cache, after commit, so every process rebuilds its
copy before its next lookup."""
from __future__ import annotations

import csv
import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from django.db import transaction

from edge.models import ClientNetwork, Zone
from edge.prefixes import prefix_parse
from edge.selectors.networks import client_networks_version_bump
from edge.services.errors import EdgeError
from streaming.core.validators import country_code_is_valid

IMPORT_BATCH = 5000
ERRORS_KEPT = 50
COLUMNS = ("prefix", "zone", "country", "note")
_HEADER_NAMES = {"prefix": "prefix", "cidr": "prefix", "network": "prefix", "zone": "zone",
                 "country": "country", "note": "note"}


def client_networks_changed() -> None:
    """Tell every process its prefix table is stale: now (this process sees
    its own change at once, in or out of a transaction) and again once the
    change commits (a process that rebuilt in between read the old rows)."""
    client_networks_version_bump()
    transaction.on_commit(client_networks_version_bump)


def client_network_save(*, network: ClientNetwork) -> ClientNetwork:
    network.full_clean()
    network.save()
    client_networks_changed()
    return network


def client_network_create(*, cidr: str, zone: Zone | None = None, country: str = "", note: str = "") -> ClientNetwork:
    return client_network_save(network=ClientNetwork(cidr=cidr, zone=zone, country=country.upper(), note=note))


def client_network_delete(*, network: ClientNetwork) -> None:
    network.delete()
    client_networks_changed()


@dataclass(frozen=True)
class ImportProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportResult:
    rows: int = 0  # data rows read (comments and blank lines aside)
    imported: int = 0  # written (inserted or updated)
    removed: int = 0  # rows of the old table dropped by replace
    error_count: int = 0
    errors: list[ImportProblem] = field(default_factory=list)  # the first ERRORS_KEPT


class ClientNetworksImportError(EdgeError):
    """The file had bad rows; nothing was imported. ``result.errors`` names them."""

    def __init__(self, result: ImportResult):
        hidden = result.error_count - len(result.errors)
        more = f" (and {hidden} more)" if hidden > 0 else ""
        super().__init__(f"{result.error_count} bad rows{more}; nothing imported.")
        self.result = result


def _canonical(version: int, network: int, length: int) -> str:
    if version == 4:
        return f"{socket.inet_ntop(socket.AF_INET, network.to_bytes(4, 'big'))}/{length}"
    return str(ipaddress.IPv6Network((network, length)))


def _columns(first_row: list[str]) -> tuple[dict[str, int], bool]:
    """Column positions, and whether the first row was a header."""
    names = [cell.strip().lower() for cell in first_row]
    if names and names[0].lstrip("#").strip() in _HEADER_NAMES:
        names[0] = names[0].lstrip("#").strip()
        mapping = {_HEADER_NAMES[n]: i for i, n in enumerate(names) if n in _HEADER_NAMES}
        if "prefix" in mapping:
            return mapping, True
    return {name: i for i, name in enumerate(COLUMNS)}, False


def client_networks_import(
    *, source: TextIO, replace: bool = False, skip_invalid: bool = False, batch_size: int = IMPORT_BATCH,
    progress: Callable[[ImportResult], None] | None = None, progress_every: int = 100_000,
) -> ImportResult:
    """Load a CSV of ``prefix,zone,country,note`` rows (a header row naming
    the columns is optional; ``zone`` or ``country`` may be empty, not both;
    ``#`` starts a comment line) into the client-network table.

    Streams: rows are parsed and written ``batch_size`` at a time (an
    upsert on the prefix: a prefix already there takes the file's zone and
    country; within the file the last row for a prefix wins), never holding
    the file in memory. ``replace`` empties the table first, for a full feed.
    All in one transaction: with bad rows and not ``skip_invalid``, nothing
    changes and ClientNetworksImportError lists them by line number."""
    zones = dict(Zone.objects.values_list("code", "pk"))
    result = ImportResult()
    reader = csv.reader(source)
    columns: dict[str, int] | None = None
    batch: dict[str, ClientNetwork] = {}

    def problem(line: int, message: str) -> None:
        result.error_count += 1
        if len(result.errors) < ERRORS_KEPT:
            result.errors.append(ImportProblem(line, message))

    def flush() -> None:
        if not batch:
            return
        if not result.error_count or skip_invalid:
            ClientNetwork.objects.bulk_create(
                list(batch.values()), batch_size=batch_size, update_conflicts=True, unique_fields=["cidr"],
                update_fields=["zone", "country", "note"],
            )
            result.imported += len(batch)
        batch.clear()

    def cell(row: list[str], name: str) -> str:
        index = columns.get(name) if columns else None
        return row[index].strip() if index is not None and index < len(row) else ""

    with transaction.atomic():
        if replace:
            result.removed = ClientNetwork.objects.all().delete()[0]
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            if columns is None:
                columns, is_header = _columns(row)
                if is_header:
                    continue
            if row[0].lstrip().startswith("#"):
                continue
            result.rows += 1
            prefix_text, zone_code = cell(row, "prefix"), cell(row, "zone").lower()
            country = cell(row, "country").upper()
            try:
                version, network, length = prefix_parse(prefix_text)
            except ValueError as exc:
                problem(line, f"{prefix_text!r} is not a network in CIDR form: {exc}.")
                continue
            zone_id = zones.get(zone_code) if zone_code else None
            if zone_code and zone_id is None:
                problem(line, f"no zone with code {zone_code!r} (create it first, or leave the zone empty).")
                continue
            if country and not country_code_is_valid(country):
                problem(line, f"{country!r} is not a two-letter ISO 3166 country code.")
                continue
            if zone_id is None and not country:
                problem(line, "give a zone, a country, or both.")
                continue
            cidr = _canonical(version, network, length)
            batch[cidr] = ClientNetwork(cidr=cidr, zone_id=zone_id, country=country, note=cell(row, "note")[:200])
            if len(batch) >= batch_size:
                flush()
            if progress and result.rows % progress_every == 0:
                progress(result)
        flush()
        if result.error_count and not skip_invalid:
            raise ClientNetworksImportError(result)
        client_networks_changed()
    return result

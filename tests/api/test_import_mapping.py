"""File import over HTTP with a profile or the user's YAML mapping; unreadable files and bad
mappings are refused at once with one line naming the file (never the server's path)."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from tests.api.org import ROLES, Org

MAPPING = """\
entity: accounts
source: legacy
columns:
  Acct No: external_id
  Company: name
  Tier:
    field: segment
    values: {Small: smb, Big: enterprise}
"""
# By hand: L1 (Small → smb) and L3 (Big → enterprise) land; L2's "Huge" maps to nothing and
# is not a segment, so it is rejected.
LEGACY_CSV = "Acct No,Company,Tier\nL1,Legacy One,Small\nL2,Legacy Two,Huge\nL3,Legacy Three,big\n"


def _start(client: TestClient, org: Org, who: str = "ops", **files: Any) -> Any:
    return client.post(
        "/api/v1/imports", files=files, data={"entity": "accounts"}, headers=org.headers(who)
    )


def _wait(client: TestClient, org: Org, job_id: str, who: str = "ops") -> dict[str, Any]:
    """Poll as the user who started the job (their token's first-use write is done)."""
    for _ in range(200):
        job: dict[str, Any] = client.get(
            f"/api/v1/imports/{job_id}", headers=org.headers(who)
        ).json()
        if job["status"] in ("finished", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def test_import_with_a_yaml_mapping_and_its_rejects(client: TestClient, org: Org) -> None:
    for who, role in ROLES.items():
        if role not in ("admin", "sales_ops"):
            denied = _start(
                client, org, who, file=("legacy.csv", LEGACY_CSV), mapping=("my.yaml", MAPPING)
            )
            assert denied.status_code == 403, who
    started = _start(client, org, file=("legacy.csv", LEGACY_CSV), mapping=("my.yaml", MAPPING))
    assert started.status_code == 202, started.text
    assert (started.json()["profile"], started.json()["mapping"]) == ("native", "my.yaml")
    job = _wait(client, org, started.json()["id"])
    assert job["status"] == "finished", job["error"]
    report = job["report"]
    assert (report["rows_read"], report["inserted"], report["rejected"]) == (3, 2, 1)
    assert (report["profile"], report["source"]) == ("mapping my.yaml", "legacy")
    rejects = client.get(job["rejects_url"], headers=org.headers("admin")).text
    assert "Legacy Two" in rejects
    assert "Huge" in rejects
    assert "Legacy One" not in rejects
    listed = client.get("/api/v1/accounts", params={"sort": "name"}, headers=org.headers("ops"))
    rows = [(a["name"], a["segment"]) for a in listed.json()["items"]]
    assert rows == [("Legacy One", "smb"), ("Legacy Three", "enterprise")]


def test_an_unreadable_file_is_refused_in_one_line(client: TestClient, org: Org) -> None:
    binary = bytes(range(256)) * 8
    refused = _start(client, org, file=("photo.csv", binary))
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "import_file_error"
    assert error["message"] == "photo.csv: a binary file, not a text table (CSV, XLSX or Parquet)"
    assert client.get("/api/v1/imports", headers=org.headers("ops")).json() == []


def test_a_bad_mapping_or_a_missing_column_is_refused_in_one_line(
    client: TestClient, org: Org
) -> None:
    wrong_field = MAPPING.replace("Company: name", "Company: titel")
    refused = _start(client, org, file=("legacy.csv", LEGACY_CSV), mapping=("my.yaml", wrong_field))
    assert refused.status_code == 422
    message = refused.json()["error"]["message"]
    assert message.startswith("my.yaml: columns.Company: unknown accounts field 'titel'")
    assert "\n" not in message
    assert "/" not in message.split(":")[0]
    not_yaml = _start(client, org, file=("legacy.csv", LEGACY_CSV), mapping=("my.yaml", "a: [b"))
    assert not_yaml.status_code == 422
    assert not_yaml.json()["error"]["message"].startswith("my.yaml: not valid YAML")
    missing = _start(client, org, file=("legacy.csv", "Acct No,Tier\nL1,Small\n"),
                     mapping=("my.yaml", MAPPING))  # fmt: skip
    assert missing.status_code == 422
    assert missing.json()["error"]["message"].startswith(
        "legacy.csv, line 1: column 'Company' named in the mapping is not in the file"
    )
    profile = client.post(
        "/api/v1/imports", files={"file": ("a.csv", "external_id,name\nA,B\n")},
        data={"entity": "accounts", "profile": "zoho"}, headers=org.headers("ops"),
    )  # fmt: skip
    assert profile.status_code == 422
    assert "unknown profile 'zoho'" in profile.json()["error"]["message"]


def test_a_salesforce_export_with_its_profile(client: TestClient, org: Org) -> None:
    csv = "Account ID,Account Name,Industry\n001A,Sales Co,Retail\n"
    started = client.post(
        "/api/v1/imports", files={"file": ("Accounts.csv", csv)},
        data={"entity": "accounts", "profile": "salesforce"}, headers=org.headers("admin"),
    )  # fmt: skip
    assert started.status_code == 202, started.text
    job = _wait(client, org, started.json()["id"], "admin")
    assert job["status"] == "finished", job["error"]
    assert (job["report"]["inserted"], job["report"]["source"]) == (1, "salesforce")

"""Readers find the encoding, the delimiter and the line each record starts on."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from coxswain.core.errors import ImportFileError
from coxswain.imports.engine.readers import open_table


def read_all(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    reader = open_table(path)
    try:
        return reader.headers, list(reader.rows())
    finally:
        reader.close()


def test_semicolon_latin1_file(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes("external_id;company\nL1;Société Générale\nL2;Müller GmbH\n".encode("latin-1"))
    headers, rows = read_all(path)
    assert headers == ["external_id", "company"]
    assert rows == [(2, ["L1", "Société Générale"]), (3, ["L2", "Müller GmbH"])]


def test_utf8_bom_and_multiline_cells_keep_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('\ufeffid,note\n1,"two\nlines"\n2,plain\n\n3,last\n', encoding="utf-8")
    headers, rows = read_all(path)
    assert headers == ["id", "note"]
    assert [line for line, _ in rows] == [2, 4, 6]
    assert rows[0][1] == ["1", "two\nlines"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02\x03binary\x00", "binary"),
        (b"PK\x03\x04not really a zip", "Excel workbook"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        read_all(path)


def test_invalid_utf8_half_way_names_the_line(tmp_path: Path) -> None:
    good = "id,name\n" + "".join(f"{i},name {i}\n" for i in range(1, 20000))
    path = tmp_path / "broken.csv"
    path.write_bytes(good.encode() + b"20000,caf\xe9\n")
    reader = open_table(path)
    with pytest.raises(ImportFileError, match=r"line 20001.*not valid utf-8"):
        list(reader.rows())


def test_xlsx_rows(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["external_id", "amount", "closed_on"])
    sheet.append(["O1", 1250.5, "2024-01-31"])
    sheet.append([None, None, None])
    sheet.append(["O2", 300, None])
    path = tmp_path / "deals.xlsx"
    book.save(path)
    headers, rows = read_all(path)
    assert headers == ["external_id", "amount", "closed_on"]
    assert rows == [(2, ["O1", "1250.5", "2024-01-31"]), (4, ["O2", "300", ""])]

"""Stream rows out of CSV, XLSX and Parquet files with bounded memory.

A reader yields ``(line, cells)``: ``line`` is the 1-based line (CSV: the physical line the
record starts on; XLSX: the sheet row; Parquet: header counted as line 1) so reject files and
errors point at what a user sees in an editor. Anything that makes the whole file unreadable
raises :class:`~coxswain.core.errors.ImportFileError` before the first row is returned.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Protocol

from charset_normalizer import from_bytes

from coxswain.core.errors import ImportFileError

SAMPLE_BYTES = 64 * 1024
csv.field_size_limit(16 * 1024 * 1024)


class TableReader(Protocol):
    path: Path
    headers: list[str]

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Yield ``(line, cells)`` for every data row."""
        ...

    def progress(self) -> tuple[int, int]:
        """``(done, total)`` in the reader's own unit (bytes or rows) for a progress bar."""
        ...

    def close(self) -> None: ...


def open_table(path: Path, *, sheet: str | None = None, encoding: str | None = None) -> TableReader:
    """Open ``path`` by its content (not only its name) and read its header row."""
    if not path.exists():
        raise ImportFileError(str(path), "file not found")
    if not path.is_file():
        raise ImportFileError(str(path), "not a file")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04"):
        return XlsxReader(path, sheet)
    if head.startswith(b"PAR1"):
        return ParquetReader(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise ImportFileError(str(path), "not an Excel workbook (expected an .xlsx file)")
    return CsvReader(path, encoding)


def _clean_header(cells: list[str]) -> list[str]:
    return [cell.replace("\ufeff", "").strip() for cell in cells]


class CsvReader:
    """Delimited text. Encoding by charset-normalizer, dialect by :class:`csv.Sniffer`."""

    def __init__(self, path: Path, encoding: str | None = None) -> None:
        self.path = path
        self.size = path.stat().st_size
        if self.size == 0:
            raise ImportFileError(str(path), "the file is empty (expected a header row)")
        with path.open("rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
        self.encoding = encoding or detect_encoding(path, sample)
        text_sample = sample.decode(self.encoding, errors="ignore")
        self.dialect = sniff_dialect(text_sample)
        self._raw: IO[bytes] = path.open("rb", buffering=1 << 20)
        self._text = io.TextIOWrapper(self._raw, encoding=self.encoding, newline="")
        self._reader = csv.reader(self._text, self.dialect)
        try:
            header = next(self._reader)
        except StopIteration:
            raise ImportFileError(str(path), "the file is empty (expected a header row)") from None
        except UnicodeDecodeError as exc:
            raise self._decode_error() from exc
        except csv.Error as exc:
            raise ImportFileError(str(path), f"not a CSV table ({exc})", line=1) from exc
        self.headers = _clean_header(header)
        if not any(self.headers):
            raise ImportFileError(str(path), "the header row is empty", line=1)

    def _decode_error(self) -> ImportFileError:
        """Find the line holding the first undecodable bytes (only on the error path).

        Text is decoded in large blocks for speed, so the error surfaces before the csv
        reader reaches the line; the file is scanned again, line by line, to name it.
        """
        line = 0
        if not self.encoding.lower().startswith("utf-16"):
            with self.path.open("rb") as handle:
                for line, raw in enumerate(handle, start=1):  # noqa: B007
                    try:
                        raw.decode(self.encoding)
                    except UnicodeDecodeError:
                        break
        return ImportFileError(
            str(self.path), f"bytes that are not valid {self.encoding}", line=line or None
        )

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        reader = self._reader
        last = reader.line_num
        try:
            for cells in reader:
                start = last + 1
                last = reader.line_num
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                yield start, cells
        except UnicodeDecodeError as exc:
            raise self._decode_error() from exc
        except csv.Error as exc:
            raise ImportFileError(str(self.path), f"broken CSV ({exc})", line=last + 1) from exc

    def progress(self) -> tuple[int, int]:
        try:
            return self._raw.tell(), self.size
        except (OSError, ValueError):
            return self.size, self.size

    def close(self) -> None:
        self._text.close()


def detect_encoding(path: Path, sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the sample decodes; otherwise charset-normalizer's guess."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in sample:
        raise ImportFileError(str(path), "a binary file, not a text table (CSV, XLSX or Parquet)")
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:  # a multi-byte character cut by the sample's end
            return "utf-8"
    results = from_bytes(sample)
    try:
        western = sample.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    # Short samples are ambiguous between single-byte code pages; when Windows-1252 reads the
    # sample exactly as one of the detector's candidates does, take it (Excel's Western default).
    if western is not None and any(str(match) == western for match in results):
        return "cp1252"
    best = results.best()
    if best is None:
        raise ImportFileError(str(path), "unknown text encoding (expected UTF-8 or Latin-1 text)")
    return str(best.encoding)


def sniff_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    """The sample's delimiter (``,``, ``;``, tab or ``|``, guessed by :class:`csv.Sniffer`),
    quoted the standard way (RFC 4180: ``"``, doubled inside a value).

    Only the delimiter is taken from the Sniffer: its guesses of the quote character and of
    doubled quotes come from a few rows and go wrong on ordinary values (a value holding a
    quote and a carriage return made it answer "quotes are not doubled", which split that
    row in two and rejected a good one beside it), and the exporters we read (Excel,
    Salesforce, HubSpot, Coxswain's own) all quote the standard way. The sample is cut after
    its last line feed, not at every line break: a carriage return may sit inside a value.
    """
    end = sample.rfind("\n")
    complete = sample[:end] if end > 0 else sample
    try:
        sniffed = csv.Sniffer().sniff(complete, delimiters=",;\t|")
    except csv.Error:
        return csv.excel
    if sniffed.delimiter == csv.excel.delimiter and not sniffed.skipinitialspace:
        return csv.excel
    return type(
        "SniffedDialect",
        (csv.excel,),
        {"delimiter": sniffed.delimiter, "skipinitialspace": sniffed.skipinitialspace},
    )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.isoformat() if value.time() != datetime.min.time() else value.date().isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class XlsxReader:
    """The first (or the named) worksheet of an .xlsx workbook, read row by row (openpyxl)."""

    def __init__(self, path: Path, sheet: str | None) -> None:
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        self.path = path
        self._handle = path.open("rb")  # a handle, so the file's extension does not matter
        try:
            self._book = load_workbook(self._handle, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException) as exc:
            self._handle.close()
            raise ImportFileError(str(path), f"not a readable Excel workbook ({exc})") from exc
        if sheet is not None and sheet not in self._book.sheetnames:
            raise ImportFileError(
                str(path), f"no sheet {sheet!r} (sheets: {', '.join(self._book.sheetnames)})"
            )
        self._sheet = self._book[sheet] if sheet else self._book.worksheets[0]
        self.total = int(self._sheet.max_row or 0)
        self._iter = self._sheet.iter_rows(values_only=True)
        self._done = 0
        header = next(self._iter, None)
        if header is None:
            raise ImportFileError(str(path), "the sheet is empty (expected a header row)")
        self.headers = _clean_header([_cell_text(v) for v in header])
        while self.headers and not self.headers[-1]:
            self.headers.pop()
        if not self.headers:
            raise ImportFileError(str(path), "the header row is empty", line=1)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        for index, values in enumerate(self._iter, start=2):
            self._done = index
            cells = [_cell_text(v) for v in values]
            if not any(cell.strip() for cell in cells):
                continue
            while len(cells) > len(self.headers) and not cells[-1]:
                cells.pop()
            yield index, cells

    def progress(self) -> tuple[int, int]:
        return self._done, max(self.total, self._done)

    def close(self) -> None:
        self._book.close()
        self._handle.close()


class ParquetReader:
    """A Parquet file, one record batch at a time (pyarrow)."""

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        self.path = path
        try:
            self._file = pq.ParquetFile(path)
        except Exception as exc:  # pyarrow raises several unrelated types
            raise ImportFileError(str(path), f"not a readable Parquet file ({exc})") from exc
        self.headers = list(self._file.schema_arrow.names)
        self.total = int(self._file.metadata.num_rows)
        self._done = 0

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        line = 1
        for batch in self._file.iter_batches(batch_size=10_000):
            columns = [[_cell_text(v) for v in col.to_pylist()] for col in batch.columns]
            for cells in zip(*columns, strict=True):
                line += 1
                yield line, list(cells)
            self._done = line - 1

    def progress(self) -> tuple[int, int]:
        return self._done, self.total

    def close(self) -> None:
        self._file.close()

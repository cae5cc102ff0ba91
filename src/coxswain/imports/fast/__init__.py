"""The column-at-a-time import path for large native files (opportunities, stage history).

The row path (writers/) handles every row one by one: clear, but Python-bound at tens of
thousands of rows a second. This path handles a batch as columns: each distinct cell value is
parsed once with the row path's own parsers, references are looked up once per distinct value,
records are assembled as column lists and bulk-inserted. Any row this path is not sure about —
a value that does not parse, a reference that names nothing, a business rule broken, a record
that already exists (an update) — is handed to the row path, which rejects it with the usual
line/field/reason or updates it. The two paths store identical records (tested).
"""

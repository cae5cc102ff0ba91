"""Report renderers: the HTML dashboard, XLSX workbooks, and dashboard sections."""

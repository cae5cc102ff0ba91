"""One writer per entity: resolve references, classify rows (new / changed / unchanged), store."""

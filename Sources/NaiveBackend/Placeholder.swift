// NaiveBackend: populated by the engines/retrieval issues.

// BLASBackend: populated by the engines/retrieval issues.

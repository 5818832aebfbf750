// SIMDBackend: populated by the engines/retrieval issues.

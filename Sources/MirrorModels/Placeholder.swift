// MirrorModels: populated by the engines/retrieval issues.

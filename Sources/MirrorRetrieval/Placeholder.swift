// MirrorRetrieval: populated by the engines/retrieval issues.

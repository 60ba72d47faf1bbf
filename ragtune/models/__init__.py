"""Tuning side: model registry and manifests, dataset curation, training (extras), the sample domain pack."""

"""Tuning side: the behaviour corpus, dataset build and curation, training (the [train] extra), the sample domain
pack. The model registry and the default-model manifests are runtime code: ragtune.appliance.registry and
ragtune.appliance.default_models."""

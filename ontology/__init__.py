"""The city diplomacy ontology: OWL + SKOS sources, their namespace constants and loaders."""

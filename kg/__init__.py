"""The knowledge graph: sources, reference data, build orchestration, dumps and the Oxigraph store."""

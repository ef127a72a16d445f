"""The SHACL gate between the mappings and the published KG."""

"""Turn Persian news statements into RDF: normalize -> recognize -> relate -> map."""

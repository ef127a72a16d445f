"""Drive independent SPARQL clients and servers (Jena, Comunica, Virtuoso, our own endpoint) in federation tests."""

"""The SPARQL 1.1 endpoint: a Flask app over a pluggable store backend."""

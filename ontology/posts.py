"""What the ontology says about posts: the kind of organisation each post (role) class is a post in."""
from collections import defaultdict

from rdflib import URIRef

from cdkg.ontology.namespaces import CDO, ORG, OWL, RDFS


def post_organisation_kinds(graph):
    """Return {post class: organisation class} from the `org:postIn some K` restrictions of each subclass of
    cdo:Post and of its superclasses, the most specific K winning (cdo:DistrictMayor ⊑ cdo:Mayor is a post in
    a cdo:Municipality). The restriction on cdo:Post itself (some cdo:Organization) names no particular kind."""
    parents, fillers = defaultdict(set), defaultdict(set)
    for cls, parent in graph.subject_objects(RDFS.subClassOf):
        if isinstance(parent, URIRef):
            parents[cls].add(parent)
        elif (parent, OWL.onProperty, ORG.postIn) in graph:
            fillers[cls] |= {k for k in graph.objects(parent, OWL.someValuesFrom) if isinstance(k, URIRef)}
    kinds = {}
    for cls in parents:
        ancestors = _superclasses(parents, cls)
        if cls == CDO.Post or CDO.Post not in ancestors:
            continue
        candidates = set().union(*(fillers[c] for c in ({cls} | ancestors) - {CDO.Post}))
        specific = [k for k in candidates if not any(other != k and k in _superclasses(parents, other)
                                                      for other in candidates)]
        if len(specific) == 1:
            kinds[cls] = specific[0]
    return kinds


def _superclasses(parents, cls):
    """Return the named superclasses of a class (transitively)."""
    seen, todo = set(), [cls]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen

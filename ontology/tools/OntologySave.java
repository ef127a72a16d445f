// Open an ontology document and save it again, as Protégé's File > Open + Save does (same OWL API writers).
// Usage: java -cp OWLAPI DIR OntologySave DOCUMENT OUTPUT turtle|rdfxml [IMPORT_IRI=DOCUMENT ...]
// Imports resolve through the IRI=DOCUMENT mappings (the catalog), never over the network.
// Exit 0 = saved, 2 = the document could not be loaded or saved (the reason on stdout).
import java.io.File;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.formats.PrefixDocumentFormat;
import org.semanticweb.owlapi.formats.RDFXMLDocumentFormat;
import org.semanticweb.owlapi.formats.TurtleDocumentFormat;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.util.SimpleIRIMapper;

public class OntologySave {
    public static void main(String[] args) {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        for (int i = 3; i < args.length; i++) {
            String[] mapping = args[i].split("=", 2);
            manager.getIRIMappers().add(new SimpleIRIMapper(IRI.create(mapping[0]), IRI.create(new File(mapping[1]))));
        }
        OWLOntologyLoaderConfiguration config = new OWLOntologyLoaderConfiguration()
            .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.THROW_EXCEPTION);
        try {
            OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new FileDocumentSource(new File(args[0])), config);
            OWLDocumentFormat loaded = manager.getOntologyFormat(ontology);
            PrefixDocumentFormat format = args[2].equals("rdfxml") ? new RDFXMLDocumentFormat() : new TurtleDocumentFormat();
            if (loaded instanceof PrefixDocumentFormat) {  // Protégé keeps the document's prefixes on save
                format.copyPrefixesFrom((PrefixDocumentFormat) loaded);
            }
            // A Turtle document without ":" gets the parser's placeholder as default prefix, which the writer then
            // pairs with the ontology's own namespace (":X" read back as the placeholder's X). Protégé's default
            // namespace is the ontology IRI + "#", the IRI it gives a new entity: use that.
            String defaultPrefix = format.getDefaultPrefix();
            if (defaultPrefix == null || defaultPrefix.startsWith("http://www.semanticweb.org/owl/owlapi/")) {
                ontology.getOntologyID().getOntologyIRI()
                    .ifPresent(iri -> format.setDefaultPrefix(iri.toString() + "#"));
            }
            manager.saveOntology(ontology, format, IRI.create(new File(args[1])));
        } catch (Exception error) {
            System.out.println("error\t" + String.valueOf(error.getMessage()).replace('\n', ' '));
            System.exit(2);
        }
    }
}

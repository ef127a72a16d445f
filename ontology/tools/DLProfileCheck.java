// Check an ontology document against the OWL 2 DL profile with the OWL API (5.x, the writers Protégé saves with).
// Usage: java -cp OWLAPI:DIR DLProfileCheck DOCUMENT [IMPORT_IRI=DOCUMENT ...]
// Prints one "violation<TAB>..." or "unparsed<TAB>..." line per problem; exit 0 = in profile,
// 1 = violations, 2 = the document could not be loaded.
import java.io.File;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.formats.RDFDocumentFormat;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.io.RDFTriple;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.semanticweb.owlapi.util.SimpleIRIMapper;

public class DLProfileCheck {
    public static void main(String[] args) {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        for (int i = 1; i < args.length; i++) {
            String[] mapping = args[i].split("=", 2);
            manager.getIRIMappers().add(new SimpleIRIMapper(IRI.create(mapping[0]), IRI.create(new File(mapping[1]))));
        }
        // An import we cannot resolve locally is an error, never a download.
        OWLOntologyLoaderConfiguration config = new OWLOntologyLoaderConfiguration()
            .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.THROW_EXCEPTION);
        OWLOntology ontology;
        try {
            ontology = manager.loadOntologyFromOntologyDocument(new FileDocumentSource(new File(args[0])), config);
        } catch (Exception error) {
            System.out.println("load-error\t" + String.valueOf(error.getMessage()).replace('\n', ' '));
            System.exit(2);
            return;
        }
        int problems = 0;
        for (OWLOntology loaded : (Iterable<OWLOntology>) ontology.importsClosure()::iterator) {
            OWLDocumentFormat format = manager.getOntologyFormat(loaded);
            if (format instanceof RDFDocumentFormat && ((RDFDocumentFormat) format).getOntologyLoaderMetaData().isPresent()) {
                for (RDFTriple triple : ((RDFDocumentFormat) format).getOntologyLoaderMetaData().get().getUnparsedTriples().toArray(RDFTriple[]::new)) {
                    System.out.println("unparsed\t" + triple);
                    problems++;
                }
            }
        }
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        for (OWLProfileViolation violation : report.getViolations()) {
            System.out.println("violation\t" + violation.toString().replace('\n', ' '));
            problems++;
        }
        System.exit(problems == 0 ? 0 : 1);
    }
}

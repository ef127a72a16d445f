"""Record rejected lines and published-with-warning statements as JSON Lines, and tell the user about them."""
import json
import sys
from collections import Counter

REJECTED_FILE = "rejected.jsonl"
WARNINGS_FILE = "warnings.jsonl"
# Past this many messages of a kind, the console gets a count and a pointer to the file instead.
MAX_PRINTED = 20


class Quarantine:
    """The quarantine directory of one build: rejected lines with their reasons, and warnings."""

    def __init__(self, directory, console=sys.stderr, append=False):
        """Open the two JSON Lines files in the (staging) quarantine directory; append to them for an
        incremental build (the counts are then this build's own)."""
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.console = console
        mode = "a" if append else "w"
        self.rejected = open(directory / REJECTED_FILE, mode, encoding="utf-8")
        self.warned = open(directory / WARNINGS_FILE, mode, encoding="utf-8")
        self.reasons = Counter()
        self.warnings = 0  # statements published with at least one warning

    def reject(self, source_file, line, reason, message, text, **details):
        """Quarantine one line: write it with its reason and report it on the console."""
        self.reasons[reason] += 1
        record = {"file": source_file, "line": line, "reason": reason, "message": message, "text": text, **details}
        self.rejected.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._say(sum(self.reasons.values()), f"{source_file}:{line}: quarantined ({reason}): {message}")

    def warn(self, source_file, line, messages, graph):
        """Note a published statement that looks suspicious, with every remark made about it."""
        self.warnings += 1
        record = {"file": source_file, "line": line, "messages": messages, "graph": str(graph)}
        self.warned.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._say(self.warnings, f"{source_file}:{line}: warning: {'; '.join(messages)}")

    def _say(self, count, message):
        """Print a message unless there have been too many of its kind already."""
        if count <= MAX_PRINTED:
            print(message, file=self.console)
        elif count == MAX_PRINTED + 1:
            print(f"... more in {self.directory.name}/ (listed in the build summary)", file=self.console)

    def close(self):
        """Flush and close both files."""
        self.rejected.close()
        self.warned.close()

    @property
    def quarantined(self):
        """Return how many lines were quarantined."""
        return sum(self.reasons.values())

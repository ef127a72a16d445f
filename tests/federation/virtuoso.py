"""Run a private OpenLink Virtuoso on loopback ports from a generated configuration, in a temporary directory."""
import shutil
import subprocess
from pathlib import Path

from tests.federation.processes import LOOPBACK, ServerProcess, free_port

VIRTUOSO = "virtuoso-t"
ISQL = "isql-vt"

# Only what a throw-away test database needs: loopback ports, small buffers, no plugins, no VAD packages.
INI_TEMPLATE = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = {host}:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 8
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {dir}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = {host}:{http_port}
ServerRoot = {dir}/vsp
MaxClientConnections = 8
ServerThreads = 8
EnabledDavVSP = 0
HTTPProxyEnabled = 0
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


def available():
    """Tell whether the Virtuoso server and its isql client are installed."""
    return shutil.which(VIRTUOSO) is not None and shutil.which(ISQL) is not None


class Virtuoso:
    """A Virtuoso server in `workdir`, listening only on loopback; `stop()` ends it."""

    def __init__(self, workdir, password="dba"):
        """Write the configuration, start the server in the foreground, wait for SPARQL, set the DBA password."""
        self.workdir = Path(workdir)
        (self.workdir / "vsp").mkdir(parents=True, exist_ok=True)
        self.sql_port = free_port()
        self.http_port = free_port()
        ini = self.workdir / "virtuoso.ini"
        ini.write_text(INI_TEMPLATE.format(
            dir=self.workdir, host=LOOPBACK, sql_port=self.sql_port, http_port=self.http_port))
        self.server = ServerProcess(
            [VIRTUOSO, "+foreground", "+configfile", str(ini)], self.workdir / "server.out", cwd=self.workdir)
        self.password = "dba"
        try:
            self.server.wait_until_answering(self.sparql_url + "?query=ASK%7B%7D", timeout=60,
                                             ok=lambda response: response.status_code == 200)
            if password != self.password:
                self.isql(f"user_set_password('dba', '{password}');")
                self.password = password
        except Exception:
            self.stop()
            raise

    @property
    def base_url(self):
        """Return the HTTP server's root URL."""
        return f"http://{LOOPBACK}:{self.http_port}"

    @property
    def sparql_url(self):
        """Return the SPARQL query endpoint."""
        return self.base_url + "/sparql"

    @property
    def graph_store_url(self):
        """Return the authenticated SPARQL 1.1 Graph Store endpoint (HTTP digest)."""
        return self.base_url + "/sparql-graph-crud-auth"

    def isql(self, statements):
        """Run SQL statements as the DBA through isql and return its output; raise if isql reports an error."""
        completed = subprocess.run(
            [ISQL, f"{LOOPBACK}:{self.sql_port}", "dba", self.password, f"exec={statements}"],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )
        if completed.returncode != 0 or "*** Error" in completed.stdout + completed.stderr:
            raise RuntimeError(f"isql failed: {completed.stdout}{completed.stderr}")
        return completed.stdout

    def stop(self):
        """Stop the server."""
        self.server.stop()

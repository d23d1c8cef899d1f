"""A throwaway PostgreSQL for the cluster tests, through Scripts/postgres (a temporary directory, a free loopback
port, run by a user other than root), and psql for looking at what the nodes committed."""

import glob
import os
import subprocess
import urllib.parse

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(REPO, "Scripts", "postgres")


def psql_binary():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"), reverse=True)
    return found[0] if found else "psql"


class PostgresServer:
    """Started by `Scripts/postgres start`; `pause`/`resume` make an outage; `stop` removes it (by its pg_ctl)."""

    def __init__(self):
        out = subprocess.run([SCRIPT, "start"], capture_output=True, text=True, timeout=180, check=True).stdout
        values = dict(line.split("=", 1) for line in out.strip().splitlines() if "=" in line)
        self.dir = values["PUSHBRIDGE_TEST_POSTGRES_DIR"]
        self.url = values["PUSHBRIDGE_TEST_POSTGRES_URL"] + "?sslmode=disable"
        self.password = urllib.parse.urlparse(self.url).password
        self.running = True

    def pause(self):
        subprocess.run([SCRIPT, "pause", self.dir], check=True, timeout=90)
        self.running = False

    def resume(self):
        subprocess.run([SCRIPT, "resume", self.dir], check=True, timeout=90)
        self.running = True

    def stop(self):
        subprocess.run([SCRIPT, "stop", self.dir], check=False, timeout=90)

    def query(self, sql):
        """Rows of `sql` as lists of text fields."""
        url = self.url.split("?")[0]
        out = subprocess.run(
            [psql_binary(), url, "-X", "-A", "-t", "-F", "\t", "-c", sql], capture_output=True, text=True, timeout=30, check=True
        ).stdout
        return [line.split("\t") for line in out.splitlines() if line]


NGINX_SCRIPT = os.path.join(REPO, "Scripts", "nginx")


class LoadBalancer:
    """nginx started by `Scripts/nginx start PORT...` as a round-robin load balancer in front of those ports;
    `stop` stops it by the PID it wrote and removes its directory."""

    def __init__(self, ports):
        out = subprocess.run([NGINX_SCRIPT, "start", *map(str, ports)], capture_output=True, text=True, timeout=180, check=True).stdout
        values = dict(line.split("=", 1) for line in out.strip().splitlines() if "=" in line)
        self.dir = values["PUSHBRIDGE_TEST_NGINX_DIR"]
        self.url = values["PUSHBRIDGE_TEST_NGINX_URL"]
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self):
        subprocess.run([NGINX_SCRIPT, "stop", self.dir], check=False, timeout=90)

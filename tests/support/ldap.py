"""Start a throw-away OpenLDAP server (Debian slapd) for the tests: mdb backend with the ppolicy
overlay, people and groups from an LDIF, on a free loopback port; stopped at the end."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time

from tests.support.postgres import free_port

SUFFIX = "dc=lindenau,dc=example"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PW = "slapd-admin-test"
SERVICE_DN = f"cn=beteiligung,ou=dienste,{SUFFIX}"
SERVICE_PW = "dienstkonto-test"
USER_PW = "Verzeichnis-Passwort-1"
GROUPS = f"ou=groups,{SUFFIX}"
PEOPLE = f"ou=people,{SUFFIX}"

# uid -> (name, mail, groups, locked)
PEOPLE_DATA = {
    "aadmin": ("Armin Admin", "a.admin@verzeichnis.example", ["admins"], False),
    "mmuster": ("Maria Muster", "m.muster@verzeichnis.example", ["sozialplanung-kreis"], False),
    "aahlen": ("Anna Ahlen", "a.ahlen@verzeichnis.example", ["sozialplanung-ahlen"], False),
    "sraum": ("Sven Raum", "s.raum@verzeichnis.example", ["sozialraum-altstadt"], False),
    "ppartner": ("Paula Partner", "p.partner@verzeichnis.example", ["partner-wohlfahrt"], False),
    "ppolitik": ("Peter Politik", "p.politik@verzeichnis.example", ["politik-kreis"], False),
    "wwechsel": ("Wiebke Wechsel", "w.wechsel@verzeichnis.example", ["sozialplanung-ahlen", "politik-kreis"], False),
    "ggesperrt": ("Gerda Gesperrt", "g.gesperrt@verzeichnis.example", ["sozialplanung-kreis"], True),
    "kkonflikt": ("Karl Konflikt", "planung@ahlen.example", ["sozialplanung-ahlen"], False),
    "oohne": ("Olga Ohnegruppe", "o.ohne@verzeichnis.example", [], False),
}
GROUP_NAMES = ["admins", "sozialplanung-kreis", "sozialplanung-ahlen", "sozialraum-altstadt", "partner-wohlfahrt",
               "politik-kreis", "leer"]


def slapd_bin() -> str | None:
    for path in (shutil.which("slapd"), "/usr/sbin/slapd"):
        if path and os.path.exists(path):
            return path
    return None


def available() -> bool:
    return bool(slapd_bin() and (shutil.which("slapadd") or os.path.exists("/usr/sbin/slapadd")))


def group_dn(name: str) -> str:
    return f"cn={name},{GROUPS}"


def user_dn(uid: str) -> str:
    return f"uid={uid},{PEOPLE}"


def _ldif() -> str:
    parts = [f"""dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
dc: lindenau
o: Kreis Lindenau

dn: {PEOPLE}
objectClass: organizationalUnit
ou: people

dn: {GROUPS}
objectClass: organizationalUnit
ou: groups

dn: ou=dienste,{SUFFIX}
objectClass: organizationalUnit
ou: dienste

dn: ou=policies,{SUFFIX}
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,{SUFFIX}
objectClass: device
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdLockout: TRUE

dn: {SERVICE_DN}
objectClass: person
objectClass: simpleSecurityObject
cn: beteiligung
sn: Dienstkonto
userPassword: {SERVICE_PW}
"""]
    for uid, (name, mail, _, locked) in PEOPLE_DATA.items():
        first, last = name.split(" ", 1)
        entry = (f"dn: {user_dn(uid)}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\ngivenName: {first}\n"
                 f"sn: {last}\nmail: {mail}\nuserPassword: {USER_PW}\n")
        if locked:
            entry += "pwdAccountLockedTime: 000001010000Z\n"
        parts.append(entry)
    for group in GROUP_NAMES:
        members = [user_dn(uid) for uid, data in PEOPLE_DATA.items() if group in data[2]] or [SERVICE_DN]
        parts.append(f"dn: {group_dn(group)}\nobjectClass: groupOfNames\ncn: {group}\n"
                     + "".join(f"member: {m}\n" for m in members))
    return "\n".join(parts)


def _conf(base: str) -> str:
    return f"""include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
pidfile {base}/slapd.pid
argsfile {base}/slapd.args

database mdb
suffix "{SUFFIX}"
rootdn "{ADMIN_DN}"
rootpw {ADMIN_PW}
directory {base}/data
maxsize 10485760
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="{SERVICE_DN}" read by self read by anonymous auth by * none

overlay ppolicy
ppolicy_default "cn=default,ou=policies,{SUFFIX}"
ppolicy_use_lockout
"""


class LdapServer:
    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="beteiligung-ldap-")
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def start(self):
        if not available():
            raise RuntimeError("OpenLDAP (slapd, slapadd) nicht gefunden – Debian-Pakete slapd und ldap-utils")
        os.makedirs(os.path.join(self.base, "data"))
        conf = os.path.join(self.base, "slapd.conf")
        with open(conf, "w") as fh:
            fh.write(_conf(self.base))
        ldif = os.path.join(self.base, "data.ldif")
        with open(ldif, "w") as fh:
            fh.write(_ldif())
        slapadd = shutil.which("slapadd") or "/usr/sbin/slapadd"
        subprocess.run([slapadd, "-f", conf, "-l", ldif], check=True, capture_output=True)
        for attempt in range(3):
            self.proc = subprocess.Popen([slapd_bin(), "-f", conf, "-h", self.url, "-d", "0"],
                                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.base, "log"), "w"))
            if self._wait():
                return
            self.stop_process()
            self.port = free_port()
        with open(os.path.join(self.base, "log"), errors="replace") as fh:
            raise RuntimeError("slapd startete nicht:\n" + fh.read()[-2000:])

    def _wait(self, seconds: float = 10) -> bool:
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.1)
        return False

    def stop_process(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def stop(self):
        self.stop_process()
        shutil.rmtree(self.base, ignore_errors=True)

    # --- changes during a test (as the directory administrator) ---------------------------------

    def _admin(self):
        import ldap3
        return ldap3.Connection(ldap3.Server(self.url, get_info=ldap3.NONE), ADMIN_DN, ADMIN_PW, auto_bind=True)

    def modify(self, dn: str, changes: dict) -> None:
        conn = self._admin()
        try:
            assert conn.modify(dn, changes), conn.result
        finally:
            conn.unbind()

    def remove_member(self, group: str, uid: str) -> None:
        import ldap3
        self.modify(group_dn(group), {"member": [(ldap3.MODIFY_DELETE, [user_dn(uid)])]})

    def add_member(self, group: str, uid: str) -> None:
        import ldap3
        self.modify(group_dn(group), {"member": [(ldap3.MODIFY_ADD, [user_dn(uid)])]})

    def lock(self, uid: str) -> None:
        import ldap3
        self.modify(user_dn(uid), {"pwdAccountLockedTime": [(ldap3.MODIFY_REPLACE, ["000001010000Z"])]})

    def unlock(self, uid: str) -> None:
        import ldap3
        self.modify(user_dn(uid), {"pwdAccountLockedTime": [(ldap3.MODIFY_DELETE, [])]})

    def set_mail(self, uid: str, mail: str) -> None:
        import ldap3
        self.modify(user_dn(uid), {"mail": [(ldap3.MODIFY_REPLACE, [mail])]})

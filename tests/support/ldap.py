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
GROUP_NAMES = [
    "admins",
    "sozialplanung-kreis",
    "sozialplanung-ahlen",
    "sozialraum-altstadt",
    "partner-wohlfahrt",
    "politik-kreis",
    "leer",
]


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
    parts = [
        f"""dn: {SUFFIX}
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
"""
    ]
    for uid, (name, mail, _, locked) in PEOPLE_DATA.items():
        first, last = name.split(" ", 1)
        entry = (
            f"dn: {user_dn(uid)}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\ngivenName: {first}\n"
            f"sn: {last}\nmail: {mail}\nuserPassword: {USER_PW}\n"
        )
        if locked:
            entry += "pwdAccountLockedTime: 000001010000Z\n"
        parts.append(entry)
    for group in GROUP_NAMES:
        members = [user_dn(uid) for uid, data in PEOPLE_DATA.items() if group in data[2]] or [SERVICE_DN]
        parts.append(
            f"dn: {group_dn(group)}\nobjectClass: groupOfNames\ncn: {group}\n"
            + "".join(f"member: {m}\n" for m in members)
        )
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


def _make_tls(base: str) -> tuple[str, str, str]:
    """A throw-away CA and a server certificate for 127.0.0.1 (PEM files: ca, cert, key)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test-CA beteiligung")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = tuple(os.path.join(base, n) for n in ("ca.pem", "server.pem", "server.key"))
    with open(paths[0], "wb") as fh:
        fh.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], "wb") as fh:
        fh.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[2], "wb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
            )
        )
    os.chmod(paths[2], 0o600)
    return paths


class LdapServer:
    """ldap:// (with StartTLS) on `port` and ldaps:// on `tls_port`, both with a certificate of a test CA."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="beteiligung-ldap-")
        self.port = free_port()
        self.tls_port = free_port()
        self.proc: subprocess.Popen | None = None
        self.ca_file = None

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://127.0.0.1:{self.tls_port}"

    def start(self):
        if not available():
            raise RuntimeError("OpenLDAP (slapd, slapadd) nicht gefunden – Debian-Pakete slapd und ldap-utils")
        os.makedirs(os.path.join(self.base, "data"))
        self.ca_file, cert, key = _make_tls(self.base)
        conf = os.path.join(self.base, "slapd.conf")
        with open(conf, "w") as fh:
            fh.write(
                f"TLSCACertificateFile {self.ca_file}\nTLSCertificateFile {cert}\n"
                f"TLSCertificateKeyFile {key}\n" + _conf(self.base)
            )
        ldif = os.path.join(self.base, "data.ldif")
        with open(ldif, "w") as fh:
            fh.write(_ldif())
        slapadd = shutil.which("slapadd") or "/usr/sbin/slapadd"
        subprocess.run([slapadd, "-f", conf, "-l", ldif], check=True, capture_output=True)
        for attempt in range(3):
            self.proc = subprocess.Popen(
                [slapd_bin(), "-f", conf, "-h", f"{self.url} {self.ldaps_url}", "-d", "0"],
                stdout=subprocess.DEVNULL,
                stderr=open(os.path.join(self.base, "log"), "w"),
            )
            if self._wait():
                return
            self.stop_process()
            self.port, self.tls_port = free_port(), free_port()
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

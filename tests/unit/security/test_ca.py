"""The local CA: made once, kept private, and its certificates pass a real TLS handshake."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import pytest

from skiff.security.ca import IssuedCertificate, LocalCA


def handshake(tmp_path: Path, issued: IssuedCertificate, trusted: Path, name: str) -> bytes:
    """Serve `issued` on loopback; connect as a client trusting only `trusted`; read 5 bytes."""
    (tmp_path / "leaf.pem").write_bytes(issued.certificate_pem + issued.chain_pem)
    (tmp_path / "leaf.key").write_bytes(issued.private_key_pem)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "leaf.key")
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            with server_context.wrap_socket(conn, server_side=True) as tls:
                tls.sendall(b"hello")
        except (ssl.SSLError, OSError):
            pass  # the client refused the certificate

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        client_context = ssl.create_default_context(cafile=str(trusted))
        with (
            socket.create_connection(listener.getsockname()) as raw,
            client_context.wrap_socket(raw, server_hostname=name) as tls,
        ):
            return tls.recv(5)
    finally:
        thread.join()
        listener.close()


def test_the_ca_is_made_once_and_its_key_is_private(tmp_path: Path) -> None:
    first = LocalCA.for_data_dir(tmp_path)
    second = LocalCA.for_data_dir(tmp_path)
    assert first.certificate_pem == second.certificate_pem
    assert (tmp_path / "ca" / "ca.key").stat().st_mode & 0o777 == 0o600
    assert first.certificate_path.read_bytes() == first.certificate_pem


@pytest.mark.parametrize("name", ["my-lb-1.us-east-1.elb.amazonaws.com", "127.77.0.5", "a.example.com"])
def test_a_client_trusting_the_ca_accepts_an_issued_certificate(tmp_path: Path, name: str) -> None:
    ca = LocalCA.for_data_dir(tmp_path)
    issued = ca.issue(["my-lb-1.us-east-1.elb.amazonaws.com", "127.77.0.5", "*.example.com"])
    assert handshake(tmp_path, issued, ca.certificate_path, name) == b"hello"


def test_a_client_trusting_another_ca_or_another_name_refuses(tmp_path: Path) -> None:
    other = LocalCA.for_data_dir(tmp_path / "other")
    ca = LocalCA.for_data_dir(tmp_path)
    issued = ca.issue(["svc.example"])
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(tmp_path, issued, other.certificate_path, "svc.example")
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(tmp_path, issued, ca.certificate_path, "not-svc.example")

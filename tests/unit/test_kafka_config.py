"""Security settings become the same client arguments everywhere, and no password leaks.

The clients themselves are exercised against a real SASL_SSL broker in
tests/integration/test_security.py; here: the arguments, the errors, the messages and the
logs, without a broker.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from collections.abc import Iterator

import faust
import pytest
from aiokafka import errors as aiokafka_errors
from kafka import errors as kafka_errors

import sitrep.stream.kafka
from sitrep.errors import BrokerError, ConfigError
from sitrep.settings import Settings
from sitrep.stream.kafka import client_kwargs, describe_failure, faust_credentials, is_refusal, preflight

PASSWORD = "s3cret-Pa55word-7f1c"


def settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"bootstrap_servers": "broker-a:9093,broker-b:9093", "app_id": "sitrep-test"}
    return Settings(**{**values, **overrides})


def sasl_ssl(**overrides: object) -> Settings:
    return settings(security_protocol="SASL_SSL", sasl_username="sitrep", sasl_password=PASSWORD, **overrides)


# ---------------------------------------------------------------- client arguments


def test_plaintext_has_no_security_arguments() -> None:
    kwargs = client_kwargs(settings())
    assert kwargs["bootstrap_servers"] == ["broker-a:9093", "broker-b:9093"]
    assert kwargs["security_protocol"] == "PLAINTEXT"
    assert kwargs["client_id"] == "sitrep-test"
    assert not any(key.startswith(("ssl_", "sasl_")) for key in kwargs)
    assert faust_credentials(settings()) is None


@pytest.mark.parametrize("check_hostname", [True, False])
def test_ssl_verifies_the_broker_certificate(check_hostname: bool) -> None:
    s = settings(security_protocol="SSL", ssl_check_hostname=check_hostname)
    context = client_kwargs(s)["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is check_hostname
    assert not any(key.startswith("sasl_") for key in client_kwargs(s))
    creds = faust_credentials(s)
    assert isinstance(creds, faust.SSLCredentials)
    assert creds.context.verify_mode == ssl.CERT_REQUIRED


def test_sasl_ssl_passes_mechanism_user_password_and_tls() -> None:
    kwargs = client_kwargs(sasl_ssl())
    assert kwargs["security_protocol"] == "SASL_SSL"
    assert kwargs["sasl_mechanism"] == "SCRAM-SHA-512"
    assert kwargs["sasl_plain_username"] == "sitrep"
    assert kwargs["sasl_plain_password"] == PASSWORD
    assert isinstance(kwargs["ssl_context"], ssl.SSLContext)

    creds = faust_credentials(sasl_ssl())
    assert isinstance(creds, faust.SASLCredentials)
    assert creds.mechanism.value == "SCRAM-SHA-512"
    assert (creds.username, creds.password) == ("sitrep", PASSWORD)
    assert isinstance(creds.ssl_context, ssl.SSLContext)
    assert PASSWORD not in repr(creds)


def test_sasl_plaintext_has_no_tls() -> None:
    s = settings(security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-256", sasl_username="sitrep", sasl_password=PASSWORD)
    kwargs = client_kwargs(s)
    assert kwargs["sasl_mechanism"] == "SCRAM-SHA-256"
    assert "ssl_context" not in kwargs
    assert faust_credentials(s).ssl_context is None


@pytest.mark.parametrize("protocol", ["SASL_SSL", "SASL_PLAINTEXT"])
@pytest.mark.parametrize("missing", [{"sasl_password": PASSWORD}, {"sasl_username": "sitrep"}, {}])
@pytest.mark.parametrize("build", [client_kwargs, faust_credentials, preflight])
def test_sasl_without_username_or_password_is_a_config_error(protocol: str, missing: dict, build) -> None:
    with pytest.raises(ConfigError, match="SITREP_SASL_USERNAME and SITREP_SASL_PASSWORD"):
        build(settings(security_protocol=protocol, **missing))


def test_an_unreadable_ca_file_is_a_config_error_naming_it(tmp_path) -> None:
    missing = tmp_path / "no-such-ca.pem"
    with pytest.raises(ConfigError, match=f"SITREP_SSL_CAFILE={missing}"):
        client_kwargs(sasl_ssl(ssl_cafile=missing))


# ---------------------------------------------------------------- messages


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            kafka_errors.SaslAuthenticationFailedError("invalid credentials"),
            "authentication failed at broker-a:9093,broker-b:9093 for user 'sitrep' (SCRAM-SHA-512 over SASL_SSL)",
        ),
        (aiokafka_errors.SaslAuthenticationFailed("invalid credentials"), "authentication failed at broker-a:9093,broker-b:9093 for user 'sitrep'"),
        (kafka_errors.UnsupportedSaslMechanismError(), "does not accept SASL mechanism SCRAM-SHA-512"),
        (kafka_errors.TopicAuthorizationFailedError("articles.raw"), "user 'sitrep' has no ACL for Write on topic 'articles.raw'"),
        (kafka_errors.GroupAuthorizationFailedError(), "user 'sitrep' has no ACL for Read on consumer group 'sitrep-test'"),
        (kafka_errors.ClusterAuthorizationFailedError(), "has no ACL for IdempotentWrite on the cluster"),
        (ssl.SSLCertVerificationError("certificate verify failed: self-signed certificate"), "TLS handshake with broker-a:9093,broker-b:9093 failed"),
        (kafka_errors.KafkaTimeoutError("Unable to bootstrap"), "cannot reach Kafka at broker-a:9093,broker-b:9093 over SASL_SSL"),
        (ConnectionRefusedError(111, "Connection refused"), "cannot reach Kafka"),
    ],
)
def test_failures_read_as_one_line_naming_broker_and_user(exc: BaseException, expected: str) -> None:
    message = str(describe_failure(exc, sasl_ssl(), topic="articles.raw", operation="Write"))
    assert expected in message
    assert "\n" not in message


def test_refusals_are_told_from_transient_errors() -> None:
    assert is_refusal(kafka_errors.SaslAuthenticationFailedError())
    assert is_refusal(aiokafka_errors.TopicAuthorizationFailedError())
    assert not is_refusal(kafka_errors.KafkaTimeoutError())
    assert not is_refusal(ConnectionRefusedError())


# ---------------------------------------------------------------- secrets


def test_settings_never_show_the_password() -> None:
    s = sasl_ssl()
    for text in (repr(s), str(s), str(s.model_dump()), s.model_dump_json(), repr(s.sasl_password), f"{s.sasl_password}"):
        assert PASSWORD not in text
    assert s.sasl_password.get_secret_value() == PASSWORD


@pytest.mark.parametrize(
    "exc",
    [
        kafka_errors.SaslAuthenticationFailedError(f"bad password {PASSWORD}"),
        kafka_errors.TopicAuthorizationFailedError(f"topic with {PASSWORD}"),
        kafka_errors.KafkaConnectionError(f"closed after sending {PASSWORD}"),
        aiokafka_errors.KafkaError(f"odd {PASSWORD}"),
        RuntimeError(f"library quoted {PASSWORD}"),
        ssl.SSLError(f"tls {PASSWORD}"),
    ],
)
def test_error_messages_never_carry_the_password(exc: BaseException) -> None:
    for kwargs in ({}, {"topic": "articles.raw", "operation": "Read"}):
        assert PASSWORD not in str(describe_failure(exc, sasl_ssl(), **kwargs))


@pytest.fixture
def closing_server() -> Iterator[str]:
    """A TCP port that accepts connections and closes them at once: a failing broker."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
def test_a_failed_connection_logs_no_password(closing_server: str, protocol: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    from kafka import KafkaProducer

    monkeypatch.setattr(sitrep.stream.kafka, "CONNECT_SECONDS", 1.0)
    s = settings(bootstrap_servers=closing_server, security_protocol=protocol, sasl_username="sitrep", sasl_password=PASSWORD)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(BrokerError) as caught:
        preflight(s, {"articles.raw": "Write"}, group="sitrep")
    assert "cannot reach Kafka" in str(caught.value)
    with pytest.raises(kafka_errors.KafkaError):
        KafkaProducer(**{**client_kwargs(s), "bootstrap_timeout_ms": 1000})
    assert caplog.records, "the failed connections should have been logged"
    assert PASSWORD not in caplog.text
    assert PASSWORD not in str(caught.value)


def test_the_cli_keeps_the_kafka_clients_quiet_at_any_loglevel(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """aiokafka logs every request at DEBUG, a SASL/PLAIN token (user and password) included,
    so the clients' loggers stay at WARNING whatever level the worker runs at."""
    from mode.utils.logging import setup_logging

    from sitrep import cli

    root = logging.getLogger()
    monkeypatch.setattr(root, "level", root.level)
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    for name in ("kafka", "aiokafka"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.NOTSET)
    assert cli.main(["schemas", "export", "-o", str(tmp_path)]) == 0
    setup_logging(loglevel="debug")  # what `sitrep worker --loglevel debug` does through Faust
    for name in ("kafka", "kafka.net.connection", "aiokafka", "aiokafka.conn"):
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING


def test_kafka_python_checksums_batches_in_c() -> None:
    """kafka-python falls back to a pure-Python CRC32C without the crc32c package: replay then
    spends twice the CPU an article, and a checksum in C must give the same value."""
    from kafka.record import util

    assert util.crc32c_c is not None
    data = bytes(range(256)) * 64
    assert util.crc32c_c(data) == util.crc32c_py(data)

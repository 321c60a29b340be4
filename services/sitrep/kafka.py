"""Kafka client settings and topic set-up, shared by replay, tail, topics and the worker.

Security options (SASL/SCRAM, TLS) are turned into client arguments here and nowhere
else, so every command connects the same way. Passwords are read from the settings'
``SecretStr`` only at this edge and never appear in logs or error messages.
"""

from __future__ import annotations

import ssl
from typing import Any

from sitrep.errors import BrokerError, ConfigError
from sitrep.settings import Settings


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    if not settings.kafka_uses_ssl:
        return None
    context = ssl.create_default_context(cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None)
    context.check_hostname = settings.ssl_check_hostname
    if settings.ssl_certfile:
        context.load_cert_chain(str(settings.ssl_certfile), str(settings.ssl_keyfile) if settings.ssl_keyfile else None)
    return context


def _check(settings: Settings) -> None:
    if settings.kafka_uses_sasl and (not settings.sasl_username or settings.sasl_password is None):
        raise ConfigError(f"security_protocol {settings.security_protocol} needs SITREP_SASL_USERNAME and SITREP_SASL_PASSWORD")


def client_kwargs(settings: Settings) -> dict[str, Any]:
    """Connection arguments for kafka-python clients (producer, consumer, admin)."""
    _check(settings)
    kwargs: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers.split(","),
        "security_protocol": settings.security_protocol,
        "client_id": settings.app_id,
    }
    if settings.kafka_uses_ssl:
        kwargs["ssl_context"] = ssl_context(settings)
    if settings.kafka_uses_sasl:
        kwargs["sasl_mechanism"] = settings.sasl_mechanism
        kwargs["sasl_plain_username"] = settings.sasl_username
        kwargs["sasl_plain_password"] = settings.sasl_password.get_secret_value()
    return kwargs


def faust_credentials(settings: Settings) -> Any:
    """``broker_credentials`` for ``faust.App`` (None for plaintext)."""
    import faust

    _check(settings)
    if settings.kafka_uses_sasl:
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password.get_secret_value(),
            mechanism=settings.sasl_mechanism,
            ssl_context=ssl_context(settings),
        )
    if settings.kafka_uses_ssl:
        return faust.SSLCredentials(ssl_context(settings))
    return None


def describe_failure(exc: BaseException, settings: Settings) -> BrokerError:
    """Turn a client exception into one clear line, naming the broker but no secret."""
    name = type(exc).__name__
    text = str(exc)
    if settings.sasl_password is not None:
        text = text.replace(settings.sasl_password.get_secret_value(), "***")
    if "Authentication" in name or "SaslAuthentication" in text or "authentication" in text.lower():
        return BrokerError(f"authentication failed at {settings.bootstrap_servers} as {settings.sasl_username!r} ({settings.sasl_mechanism}): check SITREP_SASL_USERNAME/SITREP_SASL_PASSWORD")
    if "Authorization" in name or "authorization" in text.lower():
        return BrokerError(f"not authorised at {settings.bootstrap_servers} as {settings.sasl_username!r}: {name} {text}".strip())
    if "NoBrokersAvailable" in name or "KafkaConnectionError" in name or "KafkaTimeoutError" in name:
        return BrokerError(f"cannot reach Kafka at {settings.bootstrap_servers} ({settings.security_protocol}): is the broker up? (ops/kafka/kafka.sh up)")
    return BrokerError(f"Kafka error at {settings.bootstrap_servers}: {name}: {text}")


def create_topics(settings: Settings, names: list[str] | None = None, partitions: int | None = None) -> list[str]:
    """Create the public topics (or ``names``) with the configured partition count.

    Returns the topics that were created; existing ones are left as they are.
    """
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    wanted = names or settings.topics.public()
    try:
        admin = KafkaAdminClient(**client_kwargs(settings), request_timeout_ms=15_000)
    except Exception as exc:
        raise describe_failure(exc, settings) from None
    try:
        existing = set(admin.list_topics())
        missing = [n for n in wanted if n not in existing]
        if missing:
            try:
                admin.create_topics(
                    [NewTopic(n, num_partitions=partitions or settings.partitions, replication_factor=settings.replication_factor) for n in missing]
                )
            except TopicAlreadyExistsError:
                pass
        return missing
    except Exception as exc:
        raise describe_failure(exc, settings) from None
    finally:
        admin.close()

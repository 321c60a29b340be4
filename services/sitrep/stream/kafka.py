"""Kafka client settings, a pre-flight access check and topic set-up, for every command.

Security options (SASL/SCRAM, TLS) are turned into client arguments here and nowhere
else, so every command connects the same way. Passwords are read from the settings'
``SecretStr`` only at this edge: the returned arguments are handed straight to a client and
never logged, and every error message is built here without them (docs/security.md).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Mapping, Sequence
from typing import Any

from sitrep.errors import BrokerError, ConfigError
from sitrep.settings import Settings

# How long a command waits for a broker that does not answer (refused, or no reply) before
# it gives up. Refusals by a broker that does answer (bad password, missing ACL, untrusted
# certificate) are reported at once: retrying them cannot help.
CONNECT_SECONDS = 10.0

# Kafka protocol error codes the pre-flight check reads.
_TOPIC_AUTHORIZATION_FAILED = 29
_GROUP_AUTHORIZATION_FAILED = 30


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


def _ssl_context_or_error(settings: Settings) -> ssl.SSLContext | None:
    try:
        return ssl_context(settings)
    except (OSError, ssl.SSLError) as exc:
        files = ", ".join(
            f"{name}={path}"
            for name, path in (
                ("SITREP_SSL_CAFILE", settings.ssl_cafile),
                ("SITREP_SSL_CERTFILE", settings.ssl_certfile),
                ("SITREP_SSL_KEYFILE", settings.ssl_keyfile),
            )
            if path
        )
        raise ConfigError(f"cannot load the TLS files ({files or 'none set'}): {exc}") from None


def client_kwargs(settings: Settings) -> dict[str, Any]:
    """Connection arguments for kafka-python clients (producer, consumer, admin).

    The result holds the password in clear: pass it to the client, never log or print it.
    """
    _check(settings)
    kwargs: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers.split(","),
        "security_protocol": settings.security_protocol,
        "client_id": settings.app_id,
        # kafka-python keeps retrying a refused login until this runs out and then reports
        # only "Unable to bootstrap"; preflight() names the real cause before that.
        "bootstrap_timeout_ms": int(CONNECT_SECONDS * 1000),
    }
    if settings.kafka_uses_ssl:
        kwargs["ssl_context"] = _ssl_context_or_error(settings)
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
            ssl_context=_ssl_context_or_error(settings),
        )
    if settings.kafka_uses_ssl:
        return faust.SSLCredentials(_ssl_context_or_error(settings))
    return None


def _who(settings: Settings) -> str:
    return f"user {settings.sasl_username!r}" if settings.kafka_uses_sasl else "this client"


def _not_authorised(settings: Settings, what: str, more: int = 0) -> str:
    others = f" (and {more} more topic{'s' if more > 1 else ''})" if more else ""
    return f"not authorised at {settings.bootstrap_servers}: {_who(settings)} has no ACL for {what}{others} (see docs/security.md)"


def redact(text: str, settings: Settings) -> str:
    """``text`` with the SASL password, should a library have quoted it, replaced by ***."""
    if settings.sasl_password is not None and settings.sasl_password.get_secret_value():
        text = text.replace(settings.sasl_password.get_secret_value(), "***")
    return text


def is_refusal(exc: BaseException) -> bool:
    """True for a broker's "no" (bad login, missing ACL): retrying cannot change it."""
    name = type(exc).__name__
    return "Authentication" in name or "Authorization" in name or "UnsupportedSaslMechanism" in name


def describe_failure(exc: BaseException, settings: Settings, *, topic: str | None = None, operation: str | None = None, more: int = 0) -> BrokerError:
    """Turn a client exception into one clear line naming the broker and user, never a secret.

    ``topic`` and ``operation`` (``Read``, ``Write``, ``Create``) say what the command was
    doing, so a missing ACL is named exactly; ``more`` counts other topics that failed alike.
    """
    name = type(exc).__name__
    text = redact(str(exc), settings)
    servers = settings.bootstrap_servers
    if "UnsupportedSaslMechanism" in name:
        return BrokerError(f"the broker at {servers} does not accept SASL mechanism {settings.sasl_mechanism}: check SITREP_SASL_MECHANISM")
    if "Authentication" in name or "authentication failed" in text.lower():
        if not settings.kafka_uses_sasl:
            return BrokerError(f"authentication failed at {servers} over {settings.security_protocol}: {text}")
        return BrokerError(
            f"authentication failed at {servers} for {_who(settings)} ({settings.sasl_mechanism} over {settings.security_protocol}): "
            "check SITREP_SASL_USERNAME and SITREP_SASL_PASSWORD"
        )
    if "Authorization" in name:
        if "Group" in name:
            what = f"Read on consumer group {settings.app_id!r}"
        elif "Cluster" in name:
            what = "IdempotentWrite on the cluster (or Write on the topic)"
        else:
            what = f"{operation or 'access'} on topic {topic!r}" if topic else f"access to the topic ({text})"
        return BrokerError(_not_authorised(settings, what, more))
    if isinstance(exc, ssl.SSLError) or "certificate verify failed" in text or "SSL" in name:
        return BrokerError(f"TLS handshake with {servers} failed: {text} (check SITREP_SSL_CAFILE and SITREP_SSL_CHECK_HOSTNAME)")
    if name in ("NoBrokersAvailable", "KafkaConnectionError", "KafkaTimeoutError", "TimeoutError") or isinstance(exc, OSError):
        return BrokerError(
            f"cannot reach Kafka at {servers} over {settings.security_protocol} ({text or name}): "
            "is the broker up (ops/kafka/kafka.sh up), and does that listener speak this protocol?"
        )
    return BrokerError(f"Kafka error at {servers} for {_who(settings)}: {name}: {text}")


def preflight(settings: Settings, topics: Mapping[str, str] | None = None, group: str | None = None, create: Sequence[str] = ()) -> None:
    """Connect once, log in, and check that ``topics`` (name -> operation), ``group`` and
    creating the topics in ``create`` are allowed (a validate-only request: nothing is created).

    Raises :class:`BrokerError` with one clear line within about a second when the broker
    refuses the login, the certificate or an ACL, and within :data:`CONNECT_SECONDS` when no
    broker answers. The Kafka clients themselves retry such refusals: kafka-python until its
    bootstrap timeout, aiokafka under Faust for ever. A topic that does not exist yet passes
    (the command or the broker may create it); a topic the user may not even describe fails,
    since every ACL a command needs on a topic implies Describe.
    """
    _check(settings)
    context = _ssl_context_or_error(settings)
    asyncio.run(_preflight(settings, context, dict(topics or {}), group, list(create)))


async def _preflight(settings: Settings, context: ssl.SSLContext | None, topics: dict[str, str], group: str | None, create: list[str]) -> None:
    from aiokafka.conn import create_conn
    from aiokafka.errors import KafkaError

    servers = [server.strip().rpartition(":") for server in settings.bootstrap_servers.split(",")]
    password = settings.sasl_password.get_secret_value() if settings.sasl_password is not None else None
    deadline = time.monotonic() + CONNECT_SECONDS
    last: BaseException | None = None
    while True:
        for host, _, port in servers:
            remaining = deadline - time.monotonic()
            try:
                conn = await asyncio.wait_for(
                    create_conn(
                        host.strip("[]"),
                        int(port),
                        client_id=f"{settings.app_id}-preflight",
                        request_timeout_ms=max(1000, int(remaining * 1000)),
                        ssl_context=context,
                        security_protocol=settings.security_protocol,
                        sasl_mechanism=settings.sasl_mechanism if settings.kafka_uses_sasl else "PLAIN",
                        sasl_plain_username=settings.sasl_username,
                        sasl_plain_password=password,
                    ),
                    timeout=max(0.5, remaining),
                )
            except ssl.SSLError as exc:
                raise describe_failure(exc, settings) from None
            except KafkaError as exc:
                if is_refusal(exc):
                    raise describe_failure(exc, settings) from None
                last = exc
                continue
            except (TimeoutError, OSError) as exc:
                last = exc
                continue
            try:
                await _check_access(conn, settings, topics, group, create)
            finally:
                conn.close()
            return
        if time.monotonic() >= deadline:
            raise describe_failure(TimeoutError(f"nothing usable within {CONNECT_SECONDS:g} s; last: {last}"), settings) from None
        await asyncio.sleep(0.5)


async def _check_access(conn: Any, settings: Settings, topics: dict[str, str], group: str | None, create: list[str]) -> None:
    from aiokafka.protocol.admin import CreateTopicsRequest
    from aiokafka.protocol.coordination import FindCoordinatorRequest
    from aiokafka.protocol.metadata import MetadataRequest

    if topics:
        # allow_auto_topic_creation=False: looking at a topic must not create it.
        response = await conn.send(MetadataRequest(list(topics), allow_auto_topic_creation=False))
        refused = {entry[1] for entry in response.topics if entry[0] == _TOPIC_AUTHORIZATION_FAILED}
        if refused:
            first = next(name for name in topics if name in refused)
            raise BrokerError(_not_authorised(settings, f"{topics[first]} on topic {first!r}", len(refused) - 1))
    if group is not None:
        response = await conn.send(FindCoordinatorRequest(group, 0))
        if response.error_code == _GROUP_AUTHORIZATION_FAILED:
            raise BrokerError(_not_authorised(settings, f"Read on consumer group {group!r}"))
    if create:
        # Authorisation is decided before existence, so an existing topic is checked too.
        request = [(name, settings.partitions, settings.replication_factor, [], []) for name in create]
        response = await conn.send(CreateTopicsRequest(request, 10_000, True))
        errors = {entry[0]: entry[1] for entry in response.topic_errors}
        refused = [name for name in create if errors.get(name) == _TOPIC_AUTHORIZATION_FAILED]
        if refused:
            raise BrokerError(_not_authorised(settings, f"Create on topic {refused[0]!r}", len(refused) - 1))


def create_topics(settings: Settings, names: list[str] | None = None, partitions: int | None = None,
                  configs: dict[str, dict[str, str]] | None = None) -> list[str]:
    """Create the public topics (or ``names``) with the configured partition count and a
    ``max.message.bytes`` that takes the largest record the worker sends (and, by name,
    any further ``configs``).

    Returns the topics that were created; existing ones are left as they are.
    """
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import for_code

    wanted = names or settings.topics.public()
    try:
        admin = KafkaAdminClient(**client_kwargs(settings), request_timeout_ms=15_000)
    except Exception as exc:
        raise describe_failure(exc, settings) from None
    try:
        existing = set(admin.list_topics())
        missing = [n for n in wanted if n not in existing]
        if not missing:
            return []
        result = admin.create_topics(
            [NewTopic(n, num_partitions=partitions or settings.partitions, replication_factor=settings.replication_factor,
                      topic_configs={"max.message.bytes": str(settings.topic_max_message_bytes), **(configs or {}).get(n, {})})
             for n in missing],
            raise_errors=False,
        )
        errors = {entry["name"]: for_code(entry["error_code"]) for entry in result["topics"] if entry["error_code"]}
        failed = [(name, errors[name]) for name in missing if name in errors and errors[name].__name__ != "TopicAlreadyExistsError"]
        if failed:
            name, error = failed[0]
            raise describe_failure(error(), settings, topic=name, operation="Create", more=len(failed) - 1)
        return [name for name in missing if name not in errors]
    except BrokerError:
        raise
    except Exception as exc:
        raise describe_failure(exc, settings) from None
    finally:
        admin.close()

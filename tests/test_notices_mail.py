"""The e-mail channel against a real SMTP server on loopback (aiosmtpd): plain, STARTTLS, TLS."""

from __future__ import annotations

import logging

import pytest
from notice_servers import MailServer

from smscore.notices.mail import MailError, SmtpConfig, send_mail

PASSWORD = "smtp-pw-5b8e1f"  # distinctive, so a leak is found


@pytest.fixture(params=["none", "starttls", "tls"])
def mail_server(request, tmp_path):
    server = MailServer(tmp_path, request.param, user="alerts", password=PASSWORD)
    yield server
    server.stop()


def _config(server: MailServer, password: str = PASSWORD) -> SmtpConfig:
    return SmtpConfig(
        "localhost",
        server.port,
        "alerts@example.com",
        server.security,
        "alerts",
        password,
        ca_file=str(server.cert),
    )


def test_mail_reaches_the_server_with_each_security(mail_server):
    send_mail(
        _config(mail_server), ["ops@example.com"], "Saldo Twilio baixo: US$ 1,50", "Seu saldo é US$ 1,50."
    )
    [(to, message)] = mail_server.messages
    assert to == ["ops@example.com"]
    assert str(message["Subject"]).startswith("=?utf-8?") or "Saldo" in str(message["Subject"])
    assert "Seu saldo é US$ 1,50." in message.get_payload(decode=True).decode("utf-8")
    assert message["From"] == "alerts@example.com"


def test_a_wrong_password_is_refused_in_one_sentence_without_the_password(mail_server, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(MailError) as refused:
        send_mail(_config(mail_server, "wrong-" + PASSWORD), ["ops@example.com"], "s", "b")
    assert "535" in str(refused.value)
    assert PASSWORD not in str(refused.value) and PASSWORD not in caplog.text
    assert not mail_server.messages


def test_a_refused_recipient_is_a_failure(tmp_path):
    server = MailServer(tmp_path, "none")
    try:
        config = SmtpConfig("localhost", server.port, "alerts@example.com", "none")
        with pytest.raises(MailError, match="refused"):
            send_mail(config, ["gone@refused.example"], "s", "b")
        assert not server.messages
    finally:
        server.stop()


def test_starttls_server_refuses_a_client_that_skips_it(tmp_path):
    server = MailServer(tmp_path, "starttls")
    try:
        plain = SmtpConfig("localhost", server.port, "alerts@example.com", "none")
        with pytest.raises(MailError, match="530"):
            send_mail(plain, ["ops@example.com"], "s", "b")
        send_mail(
            SmtpConfig("localhost", server.port, "alerts@example.com", "starttls", ca_file=str(server.cert)),
            ["ops@example.com"],
            "s",
            "b",
        )
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_smtp_config_from_environment_wins_over_the_secrets_table():
    env = {"SMSCONSOLE_SMTP_HOST": "smtp.example.com", "SMSCONSOLE_SMTP_SECURITY": "tls"}
    table = {
        "host": "other.example.com",
        "user": "u@example.com",
        "password": PASSWORD,
        "from": "n@example.com",
    }
    config = SmtpConfig.from_sources(env, table)
    assert (config.host, config.port, config.security, config.sender) == (
        "smtp.example.com",
        465,
        "tls",
        "n@example.com",
    )
    assert PASSWORD not in repr(config) and PASSWORD not in config.describe()
    assert SmtpConfig.from_sources({}, None) is None
    with pytest.raises(ValueError, match="SMSCONSOLE_SMTP_SECURITY"):
        SmtpConfig.from_sources({"SMSCONSOLE_SMTP_HOST": "h", "SMSCONSOLE_SMTP_SECURITY": "ssl"}, None)


def test_the_cli_reads_the_smtp_table_of_the_consoles_secrets_file(tmp_path):
    from smscore.cli.notices import smtp_table

    assert smtp_table(tmp_path) is None
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        f'TWILIO_ACCOUNT_SID = "x"\n[smtp]\nhost = "smtp.example.com"\nport = 2525\nsecurity = "none"\n'
        f'from = "alerts@example.com"\npassword = "{PASSWORD}"\n'
    )
    config = SmtpConfig.from_sources({}, smtp_table(tmp_path))
    assert (config.host, config.port, config.security, config.password) == (
        "smtp.example.com",
        2525,
        "none",
        PASSWORD,
    )

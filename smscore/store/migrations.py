"""The workspace's schema, as the list of migrations that build it.

Each entry is (version, statements). Append new versions; never edit an old one, since files in
the field already ran it. `smscore.store.database.migrate` applies them on open. A step is an
SQL statement, or a function of the connection where the SQL is generated from data the
statement cannot hold (phonenumbers' metadata, for the number types of version 14).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from smscore import numbertypes

Step = str | Callable[[duckdb.DuckDBPyConnection], None]

MIGRATIONS: list[tuple[int, tuple[Step, ...]]] = [
    (
        1,
        (
            "CREATE SEQUENCE contact_id_seq START 1",
            # contacts and contact_categories carry no index: DuckDB's ART indexes cost seconds
            # on a million-row import (measured: 3-6 s against 2 s without). The importer, the
            # only writer, keeps phone unique and links unique inside its transaction.
            """CREATE TABLE contacts (
                id BIGINT NOT NULL DEFAULT nextval('contact_id_seq'),
                phone VARCHAR NOT NULL,             -- E.164, unique (kept by the importer)
                country VARCHAR,                    -- ISO 3166 alpha-2
                name VARCHAR,
                fields JSON,                        -- extra CSV columns, usable as {placeholders}
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
                updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
            "CREATE SEQUENCE category_id_seq START 1",
            """CREATE TABLE categories (
                id INTEGER PRIMARY KEY DEFAULT nextval('category_id_seq'),
                name VARCHAR NOT NULL UNIQUE,
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
            """CREATE TABLE contact_categories (
                contact_id BIGINT NOT NULL,
                category_id INTEGER NOT NULL        -- (contact_id, category_id) unique
            )""",
            """CREATE TABLE suppressions (
                phone VARCHAR PRIMARY KEY,          -- E.164
                reason VARCHAR NOT NULL,            -- e.g. 'opt-out', 'twilio 21610'
                source VARCHAR,
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
            "CREATE SEQUENCE price_list_id_seq START 1",
            """CREATE TABLE price_lists (
                id INTEGER PRIMARY KEY DEFAULT nextval('price_list_id_seq'),
                source VARCHAR NOT NULL,            -- where the prices came from
                as_of DATE NOT NULL,                -- the date the prices were valid
                loaded_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
            """CREATE TABLE prices (
                list_id INTEGER NOT NULL,
                iso VARCHAR NOT NULL,
                country VARCHAR,
                carrier VARCHAR,
                mcc VARCHAR,
                mnc VARCHAR,
                number_type VARCHAR,                -- sender type; NULL when the source has none
                base_price DECIMAL(18, 6),
                current_price DECIMAL(18, 6) NOT NULL,  -- per outbound segment
                currency VARCHAR NOT NULL
            )""",
            """CREATE TABLE carrier_fees (
                iso VARCHAR NOT NULL,
                carrier VARCHAR NOT NULL,
                sender_type VARCHAR NOT NULL,       -- 'long code', 'toll free', 'short code'
                fee DECIMAL(18, 6) NOT NULL,        -- per outbound segment
                currency VARCHAR NOT NULL,
                as_of DATE NOT NULL,
                source VARCHAR NOT NULL,
                PRIMARY KEY (iso, carrier, sender_type)
            )""",
            """CREATE TABLE settings (
                key VARCHAR PRIMARY KEY,
                value VARCHAR NOT NULL
            )""",
            """CREATE TABLE batches (
                id VARCHAR PRIMARY KEY,             -- deterministic key, see the sender
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
                body VARCHAR NOT NULL,
                selection JSON,
                sender VARCHAR,
                mode VARCHAR NOT NULL,              -- 'sandbox' or 'live'
                status VARCHAR NOT NULL,
                currency VARCHAR NOT NULL,
                recipients INTEGER NOT NULL,
                segments BIGINT NOT NULL,
                estimate_min DECIMAL(18, 6) NOT NULL,
                estimate_max DECIMAL(18, 6) NOT NULL,
                price_list_id INTEGER,
                started_at TIMESTAMP,
                finished_at TIMESTAMP
            )""",
            """CREATE TABLE messages (
                batch_id VARCHAR NOT NULL,
                phone VARCHAR NOT NULL,             -- E.164
                contact_id BIGINT,
                country VARCHAR,
                category VARCHAR,
                body VARCHAR NOT NULL,
                encoding VARCHAR NOT NULL,
                segments INTEGER NOT NULL,
                price_min DECIMAL(18, 6) NOT NULL,  -- estimate for this message
                price_max DECIMAL(18, 6) NOT NULL,
                state VARCHAR NOT NULL,             -- queued, claimed, sent, failed, unknown
                attempts INTEGER NOT NULL DEFAULT 0,
                sid VARCHAR,
                twilio_status VARCHAR,
                error_code INTEGER,
                error_message VARCHAR,
                actual_price DECIMAL(18, 6),        -- positive cost, from Twilio once known
                price_unit VARCHAR,
                claimed_at TIMESTAMP,
                sent_at TIMESTAMP,
                updated_at TIMESTAMP,
                PRIMARY KEY (batch_id, phone)
            )""",
        ),
    ),
    (
        2,
        (
            # The sender (smscore.sending.ledger): `seq` orders a batch's rows so a claim reads one narrow
            # range instead of scanning the batch; `claim_token` names the run holding a claim, so
            # a claim left by a dead run can be told from a live one.
            "ALTER TABLE messages ADD COLUMN seq BIGINT",
            "ALTER TABLE messages ADD COLUMN claim_token VARCHAR",
            # Why a batch is paused or stopped, in words the operator can act on.
            "ALTER TABLE batches ADD COLUMN status_reason VARCHAR",
        ),
    ),
    (
        3,
        (
            # The sandbox account (smscore.twilio.sandbox): a simulated Twilio account kept in the file,
            # so a sandbox balance survives restarts like a real one. One row, id 1.
            """CREATE TABLE sandbox_account (
                id INTEGER PRIMARY KEY,
                sid VARCHAR NOT NULL,               -- a made-up AC... SID; only its last 4 shown
                type VARCHAR NOT NULL,              -- 'Full' or 'Trial'
                status VARCHAR NOT NULL,
                balance DECIMAL(18, 6) NOT NULL,
                currency VARCHAR NOT NULL,
                updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
            """CREATE TABLE sandbox_messages (
                sid VARCHAR PRIMARY KEY,            -- SM + 32 hex, like Twilio's
                to_number VARCHAR NOT NULL,
                sender VARCHAR NOT NULL,
                body VARCHAR NOT NULL,
                status VARCHAR NOT NULL,            -- queued -> sent -> delivered, one step per fetch
                num_segments INTEGER NOT NULL,
                price DECIMAL(18, 6) NOT NULL,      -- positive cost, debited at create
                price_unit VARCHAR NOT NULL,
                error_code INTEGER,
                error_message VARCHAR,
                date_created TIMESTAMP NOT NULL,    -- naive UTC
                date_updated TIMESTAMP NOT NULL
            )""",
        ),
    ),
    (
        4,
        (
            # Operator access (smscore.access.accounts): local accounts, stored only as Argon2id hashes.
            # `failures` counts consecutive bad passwords; `lockouts` how often the account was
            # locked, so each lock-out lasts longer than the one before.
            """CREATE TABLE users (
                email VARCHAR PRIMARY KEY,          -- lower-case; also the OIDC match key
                role VARCHAR NOT NULL,              -- 'viewer', 'operator' or 'admin'
                password_hash VARCHAR,              -- Argon2id; NULL for OIDC-only users
                disabled BOOLEAN NOT NULL DEFAULT false,
                failures INTEGER NOT NULL DEFAULT 0,
                lockouts INTEGER NOT NULL DEFAULT 0,
                locked_until TIMESTAMP,             -- naive UTC
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
                updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
            # The audit trail (smscore.access.audit): rows are only ever inserted.
            "CREATE SEQUENCE audit_id_seq START 1",
            """CREATE TABLE audit (
                id BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
                occurred_at TIMESTAMP NOT NULL,     -- naive UTC
                actor VARCHAR NOT NULL,             -- e-mail, 'local' or 'cli:<os user>'
                via VARCHAR NOT NULL,               -- 'console', 'cli' or 'oidc'
                action VARCHAR NOT NULL,            -- e.g. 'sign-in', 'import', 'batch.confirm'
                target VARCHAR,                     -- what it acted on: a batch id, an e-mail
                detail JSON                         -- counts, file names; never a secret
            )""",
            # Who confirmed each batch, so Reports can group cost by operator.
            "ALTER TABLE batches ADD COLUMN confirmed_by VARCHAR",
            # Two-person approval (smscore.access.approvals): the admin who let a held batch go.
            "ALTER TABLE batches ADD COLUMN approved_by VARCHAR",
        ),
    ),
    (
        7,  # 5 and 6 were left unused by parallel work; versions only need to grow
        (
            # Twilio's webhooks (smscore.twilio.webhooks): each event applied once, by a key of
            # what the event is (keys changed in version 11).
            """CREATE TABLE webhook_events (
                key VARCHAR PRIMARY KEY,
                kind VARCHAR NOT NULL,              -- 'status' or 'inbound'
                received_at TIMESTAMP NOT NULL
            )""",
            # Replies from recipients: the inbox on Reports, and where opt-outs came from.
            """CREATE TABLE inbound_messages (
                sid VARCHAR PRIMARY KEY,            -- Twilio's MessageSid (SM...)
                from_number VARCHAR NOT NULL,
                to_number VARCHAR,
                body VARCHAR NOT NULL,
                keyword VARCHAR,                    -- 'stop', 'start', 'help' or NULL (a reply)
                received_at TIMESTAMP NOT NULL
            )""",
            # Scheduling (smscore.sending.schedule): when a batch, and each of its messages, is to go
            # out (naive UTC); NULL means at once. Twilio's scheduler holds them until then.
            "ALTER TABLE batches ADD COLUMN send_at TIMESTAMP",
            "ALTER TABLE messages ADD COLUMN send_at TIMESTAMP",
            "ALTER TABLE sandbox_messages ADD COLUMN send_at TIMESTAMP",
        ),
    ),
    (
        8,
        (
            # What the operator calls a batch ("Promoção de verão · clientes"); the id stays
            # the key. NULL for batches frozen before names existed: shown by their id.
            "ALTER TABLE batches ADD COLUMN name VARCHAR",
        ),
    ),
    (
        9,
        (
            # Why a batch stopped as a code of smscore.problems with its parameters (JSON), next
            # to the English status_reason, so the console words it in the operator's language.
            # NULL for rows written before codes existed: their English text is shown.
            "ALTER TABLE batches ADD COLUMN status_code VARCHAR",
            "ALTER TABLE batches ADD COLUMN status_params VARCHAR",
        ),
    ),
    (
        10,
        (
            # Console sign-in sessions (smscore.access.sessions): the browser keeps a random token in an
            # HttpOnly cookie; only its SHA-256 is stored, so this table cannot sign anyone in.
            """CREATE TABLE sessions (
                id VARCHAR PRIMARY KEY,             -- hex SHA-256 of the cookie's token
                email VARCHAR NOT NULL,
                via VARCHAR NOT NULL,               -- 'console' (local account)
                created_at TIMESTAMP NOT NULL,      -- naive UTC
                last_seen TIMESTAMP NOT NULL,
                ended_at TIMESTAMP,                 -- signed out or revoked; NULL while valid
                end_reason VARCHAR                  -- 'sign-out', 'role change', 'disabled', ...
            )""",
        ),
    ),
    (
        11,
        (
            # Webhook events are keyed by what Twilio signs (smscore.twilio.webhooks), no longer by
            # the unsigned I-Twilio-Idempotency-Token: an incoming message already in the inbox
            # gets its new key, so a replay of it after the upgrade is still a repeat. Token
            # keys can never match again. (Status callbacks need no key to stay safe: a status
            # only moves forward.)
            """INSERT INTO webhook_events (key, kind, received_at)
               SELECT 'inbound:' || sid, 'inbound', received_at FROM inbound_messages
               ON CONFLICT DO NOTHING""",
            "DELETE FROM webhook_events WHERE key LIKE 'token:%'",
        ),
    ),
    (
        12,
        (
            # The headers files named their columns by (smscore.contacts.importer), so a message
            # says {Nome} or {Cidade} as the operator's file did: `key` is the placeholder's
            # field ('name', 'phone', or a contacts.fields key), `header` the header as written.
            # Workspaces imported before have none: their fields are shown by their keys.
            """CREATE TABLE field_headers (
                key VARCHAR NOT NULL,
                header VARCHAR NOT NULL,
                seen_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
                PRIMARY KEY (key, header)
            )""",
            # Category names are now compared without case or accents (smscore.contacts.book):
            # categories that differ only so (`VIP`, `vip`) become the first one created, with
            # every contact of the others, so each name means one category.
            """UPDATE contact_categories SET category_id = m.keep
               FROM (SELECT id, min(id) OVER (PARTITION BY lower(strip_accents(name))) AS keep
                     FROM categories) m
               WHERE contact_categories.category_id = m.id AND m.id <> m.keep""",
            """DELETE FROM contact_categories WHERE rowid IN (
                   SELECT rowid FROM (
                       SELECT rowid, row_number() OVER (PARTITION BY contact_id, category_id
                                                        ORDER BY rowid) AS n
                       FROM contact_categories WHERE category_id IN (
                           SELECT min(id) FROM categories GROUP BY lower(strip_accents(name))
                           HAVING count(*) > 1))
                   WHERE n > 1)""",
            """DELETE FROM categories WHERE id NOT IN (
                   SELECT min(id) FROM categories GROUP BY lower(strip_accents(name)))""",
        ),
    ),
    (
        13,
        (
            # A session's language choice (ui.shell.setup), kept on the server so a reload or a
            # second tab of the same sign-in keeps the language the person picked.
            "ALTER TABLE sessions ADD COLUMN language VARCHAR",
        ),
    ),
    (
        14,
        (
            # Each contact's number type (smscore.numbertypes: mobile, fixed_line, toll_free ...,
            # phonenumbers' names in lower case), set by the importer; batches leave out the
            # types that cannot receive SMS. Existing contacts are typed here, in SQL generated
            # from phonenumbers' metadata (bench/bench_number_type_migration.py: 10^6 contacts).
            "ALTER TABLE contacts ADD COLUMN number_type VARCHAR",
            numbertypes.type_contacts,
            # The contacts a batch left out because their number cannot receive SMS, with the
            # reason (`fixed line: cannot receive SMS`): the send log lists them beside the
            # messages, so the operator sees who was not sent to and why.
            """CREATE TABLE batch_left_out (
                batch_id VARCHAR NOT NULL,
                contact_id BIGINT,
                phone VARCHAR NOT NULL,             -- E.164
                country VARCHAR,
                number_type VARCHAR,
                reason VARCHAR NOT NULL
            )""",
        ),
    ),
    (
        16,  # 15 is the low-balance watch's
        (
            # Consent as the operator can prove it (LGPD art. 8; smscore.contacts.consent): where
            # it came from ("formulário do site, 2025"), and the date the file's consent column
            # gave, as YYYY-MM-DD when it reads as a date, else as written. NULL when not given.
            "ALTER TABLE contacts ADD COLUMN consent_source VARCHAR",
            "ALTER TABLE contacts ADD COLUMN consent_date VARCHAR",
            # A per-workspace key (smscore.contacts.erased): an erased number stays blocked as
            # HMAC(key, E.164) on the opt-out list, never as the number. Never shown or exported.
            """CREATE TABLE workspace_keys (
                name VARCHAR PRIMARY KEY,
                secret BLOB NOT NULL,
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
        ),
    ),
    (
        17,  # written as 15 beside 14 and 16; numbered after them so no workspace skips it
        (
            # The balance watch (smscore.notices): one row, id 1, saying whether the next fall
            # below the low-balance threshold is still to be told (`armed`), and when the
            # balance was last read. A notice is claimed by a conditional UPDATE of this row,
            # so the console's watch and `smscore balance --notify` never tell one crossing twice.
            """CREATE TABLE balance_watch (
                id INTEGER PRIMARY KEY,
                armed BOOLEAN NOT NULL DEFAULT true,
                crossing INTEGER NOT NULL DEFAULT 0,    -- how many falls below were told
                notified_at TIMESTAMP,                   -- naive UTC: the last notice or reminder
                checked_at TIMESTAMP,                    -- naive UTC: the last balance read
                checked_by VARCHAR,                      -- 'console' or 'cli'
                balance DECIMAL(18, 6),
                currency VARCHAR,
                threshold DECIMAL(18, 6),
                problem VARCHAR                          -- why the last read failed, if it did
            )""",
            "CREATE SEQUENCE notice_id_seq START 1",
            # Every notice sent (a fall below, a daily reminder, a spend alert) ...
            """CREATE TABLE notices (
                id BIGINT PRIMARY KEY DEFAULT nextval('notice_id_seq'),
                kind VARCHAR NOT NULL,                   -- 'low', 'reminder', 'usage'
                created_at TIMESTAMP NOT NULL,           -- naive UTC
                language VARCHAR NOT NULL,
                subject VARCHAR NOT NULL,
                body VARCHAR NOT NULL,                   -- the text every channel carries
                facts JSON                               -- balance, threshold, next batch (strings)
            )""",
            # ... and what became of it on each channel and recipient: a failed delivery is
            # claimed again by the next check (`token` names the check that holds it).
            """CREATE TABLE notice_deliveries (
                notice_id BIGINT NOT NULL,
                channel VARCHAR NOT NULL,                -- 'email', 'sms', 'webhook'
                target VARCHAR NOT NULL,                 -- an address, a number, 'webhook'
                state VARCHAR NOT NULL,                  -- 'pending', 'sending', 'sent', 'failed'
                attempts INTEGER NOT NULL DEFAULT 0,
                error VARCHAR,                           -- one sentence, never a secret
                token VARCHAR,
                updated_at TIMESTAMP NOT NULL,
                PRIMARY KEY (notice_id, channel, target)
            )""",
            # Twilio Usage Triggers the console made for the spend limits (smscore.twilio.usage);
            # in sandbox mode the sandbox keeps and fires them itself (`fired_for`: the day or
            # month it last fired for).
            """CREATE TABLE usage_triggers (
                recurring VARCHAR PRIMARY KEY,           -- 'daily' or 'monthly'
                sid VARCHAR NOT NULL,                    -- UT... (Twilio's, or the sandbox's)
                mode VARCHAR NOT NULL,                   -- 'live' or 'sandbox'
                trigger_value DECIMAL(18, 6) NOT NULL,
                currency VARCHAR NOT NULL,
                callback_url VARCHAR,
                fired_for VARCHAR,
                updated_at TIMESTAMP NOT NULL
            )""",
            "INSERT INTO balance_watch (id) VALUES (1)",
        ),
    ),
]

LATEST_VERSION = MIGRATIONS[-1][0]

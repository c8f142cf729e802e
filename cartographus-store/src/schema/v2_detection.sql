-- Migration 2: what the detection engine finds and how much each user is trusted.

CREATE TYPE severity_t AS ENUM ('info', 'warning', 'critical');

CREATE TABLE alerts (
    alert_id        UUID NOT NULL PRIMARY KEY,
    rule            VARCHAR NOT NULL,
    severity        severity_t NOT NULL,
    user_id         BIGINT NOT NULL,
    username        VARCHAR,
    server_id       VARCHAR,
    event_ids       UUID[] NOT NULL,
    session_keys    VARCHAR[] NOT NULL,
    evidence        JSON NOT NULL,
    message         VARCHAR NOT NULL,
    occurred_at     TIMESTAMP NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    acknowledged_by VARCHAR,
    acknowledged_at TIMESTAMP
);

CREATE TABLE trust_scores (
    user_id         BIGINT NOT NULL PRIMARY KEY,
    score           DOUBLE NOT NULL,
    restricted      BOOLEAN NOT NULL,
    exempt          BOOLEAN NOT NULL DEFAULT false,
    last_finding_at TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL
);

CREATE SEQUENCE trust_ledger_seq;
CREATE TABLE trust_ledger (
    entry_id    BIGINT NOT NULL PRIMARY KEY DEFAULT nextval('trust_ledger_seq'),
    user_id     BIGINT NOT NULL,
    changed_at  TIMESTAMP NOT NULL,
    delta       DOUBLE NOT NULL,
    score_after DOUBLE NOT NULL,
    restricted  BOOLEAN NOT NULL,
    exempt      BOOLEAN NOT NULL,
    reason      VARCHAR NOT NULL,
    alert_id    UUID,
    actor       VARCHAR,
    note        VARCHAR
);

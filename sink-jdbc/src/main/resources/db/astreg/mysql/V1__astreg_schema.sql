-- astreg schema v1 for MariaDB 10.5+ and MySQL 8.0+.
-- Applied by io.github.astreg.sink.jdbc.JdbcSchema.migrate(...), or by Flyway with the placeholder
-- prefix=astreg_ (flyway.placeholders.prefix). Idempotent: every statement may run twice.
-- Times are UTC (DATETIME(6), microseconds); (observed_at, seq) is the version of a row (R3).
-- Text is utf8mb4 with binary collation, so 'PJSIP/Alice' and 'PJSIP/alice' are different
-- endpoints and ordering matches Java's. Node ids are ASCII by definition.
-- InnoDB keys are limited to 3072 bytes, too few for (node, endpoint, uri) in utf8mb4, so the
-- contact key uses uri_hash = UNHEX(SHA2(uri, 256)), written by the sink and checked by a
-- constraint (MariaDB and MySQL refuse a primary key on a generated column; Galera needs one).

-- One row per Asterisk node: status and heartbeat (R5). Version: (heartbeat_at, seq).
CREATE TABLE IF NOT EXISTS ${prefix}node (
    node            VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    status          VARCHAR(16) NOT NULL,
    collector       VARCHAR(128),
    heartbeat_at    DATETIME(6) NOT NULL,
    seq             BIGINT      NOT NULL,
    connected_since DATETIME(6),
    updated_at      DATETIME(6) NOT NULL,
    PRIMARY KEY (node)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per registered contact per node (R1); status REMOVED rows are tombstones (R3).
CREATE TABLE IF NOT EXISTS ${prefix}contact (
    node          VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    endpoint      VARCHAR(300) NOT NULL,
    uri           VARCHAR(512) NOT NULL,
    uri_hash      BINARY(32)   NOT NULL,
    aor           VARCHAR(255),
    host          VARCHAR(255),
    port          INTEGER,
    user_agent    VARCHAR(512),
    status        VARCHAR(16)  NOT NULL,
    rtt_us        BIGINT,
    jitter_us     BIGINT,
    expires_at    DATETIME(6),
    registered_at DATETIME(6),
    observed_at   DATETIME(6)  NOT NULL,
    seq           BIGINT       NOT NULL,
    PRIMARY KEY (node, endpoint, uri_hash),
    KEY ${prefix}contact_endpoint_ix (endpoint),
    CONSTRAINT ${prefix}contact_uri_hash CHECK (uri_hash = UNHEX(SHA2(uri, 256)))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per endpoint per node: endpoint state (version observed_at, seq) and device state
-- (version device_observed_at, device_seq) are separate observation keys. endpoint_state REMOVED
-- is a tombstone.
CREATE TABLE IF NOT EXISTS ${prefix}endpoint (
    node               VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    endpoint           VARCHAR(300) NOT NULL,
    endpoint_state     VARCHAR(16),
    channels           INTEGER,
    observed_at        DATETIME(6)  NOT NULL,
    seq                BIGINT       NOT NULL,
    device_state       VARCHAR(16),
    device_observed_at DATETIME(6)  NOT NULL,
    device_seq         BIGINT       NOT NULL,
    PRIMARY KEY (node, endpoint),
    KEY ${prefix}endpoint_endpoint_ix (endpoint)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Optional append-only history (EventJson), written only when history is enabled.
CREATE TABLE IF NOT EXISTS ${prefix}event (
    id          BIGINT       NOT NULL AUTO_INCREMENT,
    recorded_at DATETIME(6)  NOT NULL,
    node        VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    kind        VARCHAR(16)  NOT NULL,
    endpoint    VARCHAR(300),
    uri         VARCHAR(512),
    observed_at DATETIME(6)  NOT NULL,
    seq         BIGINT       NOT NULL,
    event_json  MEDIUMTEXT   NOT NULL,
    PRIMARY KEY (id),
    KEY ${prefix}event_recorded_ix (recorded_at),
    KEY ${prefix}event_endpoint_ix (endpoint, observed_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Settings the view reads: stale_after_ms is R5's staleAfter (JdbcSinkConfig.staleAfter; the
-- collector that starts last writes it).
CREATE TABLE IF NOT EXISTS ${prefix}setting (
    id             INTEGER NOT NULL,
    stale_after_ms BIGINT  NOT NULL,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
INSERT IGNORE INTO ${prefix}setting (id, stale_after_ms) VALUES (1, 30000);

-- R2 in SQL: one row per endpoint with a live contact. Live: status not REMOVED/UNREACHABLE and not
-- expired (R4). Nodes that are not stale first (a node is stale when its row says DOWN or its
-- heartbeat is staleAfter old; a node without row is not stale, R5), then newest registration,
-- then node id, then URI (binary collation).
-- SELECT node FROM ${prefix}location WHERE endpoint = ? uses ${prefix}contact_endpoint_ix.
CREATE OR REPLACE VIEW ${prefix}location AS
SELECT endpoint, node, uri, host, port, rtt_us, registered_at
FROM (
    SELECT c.endpoint, c.node, c.uri, c.host, c.port, c.rtt_us, c.registered_at,
           ROW_NUMBER() OVER (
               PARTITION BY c.endpoint
               ORDER BY CASE WHEN n.node IS NOT NULL
                              AND (n.status = 'DOWN'
                                   OR n.heartbeat_at <= UTC_TIMESTAMP(6) - INTERVAL (COALESCE(s.stale_after_ms, 30000) * 1000) MICROSECOND)
                             THEN 1 ELSE 0 END,
                        COALESCE(c.registered_at, TIMESTAMP '1970-01-01 00:00:00') DESC,
                        c.node,
                        c.uri) AS rank_no
    FROM ${prefix}contact c
    LEFT JOIN ${prefix}node n ON n.node = c.node
    LEFT JOIN ${prefix}setting s ON s.id = 1
    WHERE c.status NOT IN ('REMOVED', 'UNREACHABLE')
      AND (c.expires_at IS NULL OR c.expires_at > UTC_TIMESTAMP(6))
) ranked
WHERE rank_no = 1;

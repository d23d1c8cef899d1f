/// The tables every node of a cluster shares, as migrations.
///
/// As in the SQLite journal, every table has a `seq` (a `bigserial`): upserts update in place, so `ORDER BY seq`
/// is creation order (buses, rules, targets) or acceptance order (messages, dead letters). Times the runtime
/// computes (ingest, due, dead-lettered) are Unix milliseconds from the accepting node's clock; times that decide
/// between nodes (heartbeats, leases) are PostgreSQL's own `now()`, so nodes' clocks never have to agree.
///
/// A message belongs to the node in `lease_owner`, and that node's lease (`nodes.lease_until`, pushed forward by
/// its heartbeat) is the message's lease: renewing one row keeps every message of a node, however long its backlog.
enum PostgresSchema {
    /// The key of the advisory lock that serialises migrations between nodes starting together.
    static let migrationLockKey: Int64 = 0x5075_7368_4272_6467  // "PushBrdg"

    static let migrations: [Migration] = [
        Migration(
            version: 1,
            name: "events, messages with leases, dead letters, configuration, nodes",
            sql: """
                CREATE TABLE nodes (
                    id text PRIMARY KEY,
                    started_at timestamptz NOT NULL DEFAULT now(),
                    heartbeat_at timestamptz NOT NULL DEFAULT now(),
                    lease_until timestamptz NOT NULL,
                    address text
                );
                -- One row: bumped by every transaction that changes buses, rules or targets, so a node can tell
                -- that it missed a notification.
                CREATE TABLE cluster_config (
                    id integer PRIMARY KEY CHECK (id = 1),
                    version bigint NOT NULL
                );
                INSERT INTO cluster_config (id, version) VALUES (1, 0);
                CREATE TABLE buses (
                    seq bigserial PRIMARY KEY,
                    name text NOT NULL UNIQUE,
                    arn text NOT NULL,
                    description text,
                    created_at bigint NOT NULL
                );
                CREATE TABLE rules (
                    seq bigserial PRIMARY KEY,
                    bus text NOT NULL,
                    name text NOT NULL,
                    arn text NOT NULL,
                    pattern text,
                    state text NOT NULL,
                    description text,
                    UNIQUE (bus, name)
                );
                CREATE TABLE targets (
                    seq bigserial PRIMARY KEY,
                    bus text NOT NULL,
                    rule text NOT NULL,
                    id text NOT NULL,
                    json text NOT NULL,
                    UNIQUE (bus, rule, id)
                );
                CREATE TABLE events (
                    seq bigserial PRIMARY KEY,
                    id text NOT NULL UNIQUE,
                    bus text NOT NULL,
                    json text NOT NULL
                );
                -- attempts: JSON of [DeliveryAttempt], NULL while there are none (most messages).
                CREATE TABLE messages (
                    seq bigserial PRIMARY KEY,
                    event_id text NOT NULL,
                    bus text NOT NULL,
                    rule text NOT NULL,
                    target_id text NOT NULL,
                    ingested_at bigint NOT NULL,
                    routing_key text,
                    attempts text,
                    due_at bigint,
                    lease_owner text NOT NULL,
                    UNIQUE (event_id, bus, rule, target_id)
                );
                CREATE INDEX messages_by_owner ON messages (lease_owner, seq);
                CREATE TABLE dead_letters (
                    seq bigserial PRIMARY KEY,
                    id text NOT NULL UNIQUE,
                    dead_lettered_at bigint NOT NULL,
                    entry text NOT NULL
                );
                """
        ),
        Migration(
            version: 2,
            name: "connections with their node, pushes too large for a notification",
            sql: """
                -- Every node's sockets, so @connections calls work on any node.
                CREATE TABLE connections (
                    id text PRIMARY KEY,
                    node text NOT NULL,
                    connected_at bigint NOT NULL,
                    source_ip text NOT NULL,
                    user_agent text NOT NULL,
                    user_id text
                );
                CREATE INDEX connections_by_node ON connections (node);
                -- A push record over NOTIFY's limit; the notification names its id. Deleted after a few minutes.
                CREATE TABLE push_payloads (
                    id bigserial PRIMARY KEY,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    record bytea NOT NULL
                );
                """
        ),
        Migration(
            version: 3,
            name: "settings and tags of buses and rules",
            sql: """
                -- Kept for the tools that set them; rows written before have none (NULL). tags: JSON text
                -- [{"Key":…,"Value":…}], as the SQLite journal keeps it.
                ALTER TABLE buses ADD COLUMN modified_at bigint;
                ALTER TABLE buses ADD COLUMN kms_key_identifier text;
                ALTER TABLE buses ADD COLUMN dead_letter_arn text;
                ALTER TABLE buses ADD COLUMN log_include_detail text;
                ALTER TABLE buses ADD COLUMN log_level text;
                ALTER TABLE buses ADD COLUMN tags text;
                ALTER TABLE rules ADD COLUMN role_arn text;
                ALTER TABLE rules ADD COLUMN tags text;
                """
        ),
        Migration(
            version: 4,
            name: "scheduled rules and their firings",
            sql: """
                -- `rate(…)` or `cron(…)` as PutRule received it; NULL for a rule that only matches events.
                ALTER TABLE rules ADD COLUMN schedule_expression text;
                -- One row per firing of a scheduled rule, inserted by the node that fires it: every node computes the
                -- same firing times, and the one whose insert wins is the only one to send the event.
                CREATE TABLE schedule_firings (
                    rule_arn text NOT NULL,
                    fire_at bigint NOT NULL,
                    node text NOT NULL,
                    PRIMARY KEY (rule_arn, fire_at)
                );
                CREATE INDEX schedule_firings_by_time ON schedule_firings (fire_at);
                """
        ),
    ]
}

import GRDB

/// The tables, created by GRDB's migrator: a later version adds a migration here and never edits one that
/// shipped.
///
/// Every table has an explicit `seq INTEGER PRIMARY KEY` (SQLite's rowid under a stable name: VACUUM may
/// renumber an implicit rowid). New rows get a larger `seq` than any existing one, and upserts update in place,
/// so `ORDER BY seq` is creation order (buses, rules, targets) or acceptance order (messages, dead letters), kept
/// across updates. Timestamps are Unix milliseconds.
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE buses (
                        seq INTEGER PRIMARY KEY,
                        name TEXT NOT NULL UNIQUE,
                        arn TEXT NOT NULL,
                        description TEXT,
                        created_at INTEGER NOT NULL
                    );
                    CREATE TABLE rules (
                        seq INTEGER PRIMARY KEY,
                        bus TEXT NOT NULL,
                        name TEXT NOT NULL,
                        arn TEXT NOT NULL,
                        pattern TEXT,
                        state TEXT NOT NULL,
                        description TEXT,
                        UNIQUE (bus, name)
                    );
                    CREATE TABLE targets (
                        seq INTEGER PRIMARY KEY,
                        bus TEXT NOT NULL,
                        rule TEXT NOT NULL,
                        id TEXT NOT NULL,
                        json TEXT NOT NULL,
                        UNIQUE (bus, rule, id)
                    );
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        bus TEXT NOT NULL,
                        json TEXT NOT NULL
                    );
                    -- attempts: JSON of [DeliveryAttempt], NULL while there are none (most messages): recovery
                    -- decodes only what is there. The unique key also serves lookups by event_id (its prefix).
                    CREATE TABLE messages (
                        seq INTEGER PRIMARY KEY,
                        event_id TEXT NOT NULL,
                        bus TEXT NOT NULL,
                        rule TEXT NOT NULL,
                        target_id TEXT NOT NULL,
                        ingested_at INTEGER NOT NULL,
                        routing_key TEXT,
                        attempts TEXT,
                        due_at INTEGER
                    );
                    CREATE UNIQUE INDEX messages_key ON messages (event_id, bus, rule, target_id);
                    CREATE TABLE dead_letters (
                        seq INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        dead_lettered_at INTEGER NOT NULL,
                        entry TEXT NOT NULL
                    );
                    """
            )
        }
        // Settings and tags of buses and rules that PushBridge keeps for the tools that set them. Rows written
        // before have none (NULL). tags: JSON `[{"Key":…,"Value":…}]` (``ResourceTag/storedJSON(_:)``).
        migrator.registerMigration("v2-bus-and-rule-settings") { db in
            try db.execute(
                sql: """
                    ALTER TABLE buses ADD COLUMN modified_at INTEGER;
                    ALTER TABLE buses ADD COLUMN kms_key_identifier TEXT;
                    ALTER TABLE buses ADD COLUMN dead_letter_arn TEXT;
                    ALTER TABLE buses ADD COLUMN log_include_detail TEXT;
                    ALTER TABLE buses ADD COLUMN log_level TEXT;
                    ALTER TABLE buses ADD COLUMN tags TEXT;
                    ALTER TABLE rules ADD COLUMN role_arn TEXT;
                    ALTER TABLE rules ADD COLUMN tags TEXT;
                    """
            )
        }
        // Scheduled rules: `rate(…)` or `cron(…)` as PutRule received it; NULL for a rule that only matches events.
        migrator.registerMigration("v3-rule-schedules") { db in
            try db.execute(sql: "ALTER TABLE rules ADD COLUMN schedule_expression TEXT")
        }
        return migrator
    }
}

namespace Twinforge.Registry.Migrations;

/// <summary>
/// The registry's schema as its migrations, oldest first. A released migration is never edited: a change is a new
/// migration with the next number. Lists (source files, audit ids) are JSON text; recipes and metrics are kept as
/// the exact text given, so a recipe reads back byte for byte.
/// </summary>
internal static class RegistrySchema
{
    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "creators, consent, datasets and base models",
        [
            """
            CREATE TABLE creators (
                id {id},
                name TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                CONSTRAINT creators_name_key UNIQUE (name))
            """,
            """
            CREATE TABLE consents (
                id {id},
                creator_id BIGINT NOT NULL REFERENCES creators (id),
                scope TEXT NOT NULL,
                given_at {timestamp} NOT NULL,
                withdrawn_at {timestamp},
                note TEXT)
            """,
            "CREATE INDEX consents_creator ON consents (creator_id)",
            """
            CREATE TABLE datasets (
                id {id},
                creator_id BIGINT NOT NULL REFERENCES creators (id),
                content_hash TEXT NOT NULL,
                consent_scope TEXT NOT NULL,
                source_files TEXT NOT NULL,
                statistics TEXT NOT NULL,
                stored_artifact_hash TEXT,
                created_at {timestamp} NOT NULL,
                CONSTRAINT datasets_content_hash_key UNIQUE (content_hash))
            """,
            "CREATE INDEX datasets_creator ON datasets (creator_id)",
            """
            CREATE TABLE base_models (
                id {id},
                name TEXT NOT NULL,
                path TEXT,
                content_hash TEXT,
                architecture TEXT NOT NULL,
                parameter_count BIGINT NOT NULL,
                created_at {timestamp} NOT NULL,
                CONSTRAINT base_models_name_key UNIQUE (name),
                CONSTRAINT base_models_located CHECK (path IS NOT NULL OR content_hash IS NOT NULL))
            """,
        ]),
        new(2, "twins, versions with their datasets and artifacts, aliases with history",
        [
            """
            CREATE TABLE twins (
                id {id},
                creator_id BIGINT NOT NULL REFERENCES creators (id),
                name TEXT NOT NULL,
                latest_version BIGINT NOT NULL DEFAULT 0,
                row_version BIGINT NOT NULL DEFAULT 1,
                created_at {timestamp} NOT NULL,
                CONSTRAINT twins_creator_name_key UNIQUE (creator_id, name))
            """,
            """
            CREATE TABLE twin_versions (
                id {id},
                twin_id BIGINT NOT NULL REFERENCES twins (id),
                version BIGINT NOT NULL,
                parent_version_id BIGINT REFERENCES twin_versions (id),
                base_model_id BIGINT NOT NULL REFERENCES base_models (id),
                recipe TEXT NOT NULL,
                seed BIGINT NOT NULL,
                code_version TEXT NOT NULL,
                metrics TEXT,
                status TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                deleted_at {timestamp},
                CONSTRAINT twin_versions_twin_version_key UNIQUE (twin_id, version),
                CONSTRAINT twin_versions_number CHECK (version >= 1),
                CONSTRAINT twin_versions_status CHECK (status IN ('pending', 'training', 'succeeded', 'failed', 'deleted')))
            """,
            "CREATE INDEX twin_versions_parent ON twin_versions (parent_version_id)",
            """
            CREATE TABLE version_datasets (
                version_id BIGINT NOT NULL REFERENCES twin_versions (id),
                position BIGINT NOT NULL,
                dataset_id BIGINT NOT NULL REFERENCES datasets (id),
                role TEXT NOT NULL,
                PRIMARY KEY (version_id, position))
            """,
            "CREATE INDEX version_datasets_dataset ON version_datasets (dataset_id)",
            """
            CREATE TABLE version_artifacts (
                version_id BIGINT NOT NULL REFERENCES twin_versions (id),
                position BIGINT NOT NULL,
                kind TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                PRIMARY KEY (version_id, position))
            """,
            "CREATE INDEX version_artifacts_hash ON version_artifacts (content_hash)",
            """
            CREATE TABLE aliases (
                twin_id BIGINT NOT NULL REFERENCES twins (id),
                name TEXT NOT NULL,
                version_id BIGINT NOT NULL REFERENCES twin_versions (id),
                row_version BIGINT NOT NULL,
                updated_at {timestamp} NOT NULL,
                updated_by TEXT NOT NULL,
                PRIMARY KEY (twin_id, name))
            """,
            """
            CREATE TABLE alias_history (
                id {id},
                twin_id BIGINT NOT NULL REFERENCES twins (id),
                alias_name TEXT NOT NULL,
                kind TEXT NOT NULL,
                version_id BIGINT REFERENCES twin_versions (id),
                previous_version_id BIGINT REFERENCES twin_versions (id),
                changed_at {timestamp} NOT NULL,
                changed_by TEXT NOT NULL)
            """,
            "CREATE INDEX alias_history_alias ON alias_history (twin_id, alias_name)",
        ]),
        new(3, "audit records and the artifact deletion journal",
        [
            """
            CREATE TABLE audit_records (
                id {id},
                action TEXT NOT NULL,
                creator_id BIGINT NOT NULL REFERENCES creators (id),
                scope TEXT NOT NULL,
                reason TEXT NOT NULL,
                performed_by TEXT NOT NULL,
                performed_at {timestamp} NOT NULL,
                deleted_dataset_ids TEXT NOT NULL,
                deleted_dataset_hashes TEXT NOT NULL,
                deleted_version_ids TEXT NOT NULL,
                removed_alias_count BIGINT NOT NULL,
                artifact_hashes TEXT NOT NULL)
            """,
            """
            CREATE TABLE deletion_journal (
                id {id},
                audit_record_id BIGINT NOT NULL REFERENCES audit_records (id),
                content_hash TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                completed_at {timestamp},
                outcome TEXT)
            """,
            "CREATE INDEX deletion_journal_pending ON deletion_journal (completed_at)",
        ]),
        new(4, "exports of versions outside the store; audit records of twin deletions and of exported copies",
        [
            """
            CREATE TABLE exports (
                id {id},
                twin_id BIGINT NOT NULL REFERENCES twins (id),
                version_id BIGINT NOT NULL REFERENCES twin_versions (id),
                path TEXT NOT NULL,
                exported_at {timestamp} NOT NULL,
                exported_by TEXT NOT NULL)
            """,
            "CREATE INDEX exports_twin ON exports (twin_id)",
            "CREATE INDEX exports_version ON exports (version_id)",
            // The twin a deletion removed (no reference: the twin is gone) and the exported copies it could not delete.
            "ALTER TABLE audit_records ADD COLUMN twin_id BIGINT",
            "ALTER TABLE audit_records ADD COLUMN twin_name TEXT",
            "ALTER TABLE audit_records ADD COLUMN exported_copies TEXT NOT NULL DEFAULT '[]'",
        ]),
        // Why here and not in tables of the service's own: a consent withdrawal must delete the files of the datasets
        // it deletes in its own transaction (and erase them with the rest), and scoping creators to an organisation
        // must be part of the very queries that read them; both need the registry's tables, lock order and dialects.
        new(5, "organisations, their API keys (hashes only) and creators; uploaded files as names of datasets",
        [
            """
            CREATE TABLE organisations (
                id {id},
                public_id TEXT NOT NULL,
                name TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                CONSTRAINT organisations_public_id_key UNIQUE (public_id))
            """,
            // Null for the command line's creators. The name the organisation chose is display_name: an organisation's
            // creator is named by its public id, since creator names are unique across the registry.
            "ALTER TABLE creators ADD COLUMN organisation_id BIGINT REFERENCES organisations (id)",
            "ALTER TABLE creators ADD COLUMN display_name TEXT",
            "CREATE INDEX creators_organisation ON creators (organisation_id)",
            """
            CREATE TABLE api_keys (
                id {id},
                public_id TEXT NOT NULL,
                organisation_id BIGINT REFERENCES organisations (id),
                name TEXT NOT NULL,
                key_hash TEXT NOT NULL,
                hint TEXT NOT NULL,
                default_creator_id BIGINT REFERENCES creators (id),
                created_at {timestamp} NOT NULL,
                revoked_at {timestamp},
                CONSTRAINT api_keys_public_id_key UNIQUE (public_id),
                CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash))
            """,
            "CREATE INDEX api_keys_organisation ON api_keys (organisation_id)",
            """
            CREATE TABLE files (
                id {id},
                public_id TEXT NOT NULL,
                organisation_id BIGINT NOT NULL REFERENCES organisations (id),
                dataset_id BIGINT NOT NULL REFERENCES datasets (id),
                filename TEXT NOT NULL,
                bytes BIGINT NOT NULL,
                purpose TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                CONSTRAINT files_public_id_key UNIQUE (public_id))
            """,
            "CREATE INDEX files_organisation ON files (organisation_id, id)",
            "CREATE INDEX files_dataset ON files (dataset_id)",
        ]),
        // The service's fine-tuning jobs: their state lives here, beside the version each trains, so that a withdrawal or
        // a twin deletion deletes them in its own transaction (and erases them), and so that every worker and API
        // process sharing the database sees one state; the job queue (Hangfire) only queues and runs them.
        new(6, "fine-tuning jobs with their events and checkpoints",
        [
            """
            CREATE TABLE fine_tuning_jobs (
                id {id},
                public_id TEXT NOT NULL,
                organisation_id BIGINT NOT NULL REFERENCES organisations (id),
                creator_id BIGINT NOT NULL REFERENCES creators (id),
                version_id BIGINT NOT NULL REFERENCES twin_versions (id),
                model TEXT NOT NULL,
                training_file TEXT NOT NULL,
                validation_file TEXT,
                suffix TEXT,
                seed BIGINT NOT NULL,
                settings TEXT NOT NULL,
                status TEXT NOT NULL,
                error_code TEXT,
                error_message TEXT,
                error_param TEXT,
                fine_tuned_model TEXT,
                trained_tokens BIGINT,
                cancel_requested_at {timestamp},
                attempts BIGINT NOT NULL,
                created_at {timestamp} NOT NULL,
                started_at {timestamp},
                finished_at {timestamp},
                CONSTRAINT fine_tuning_jobs_public_id_key UNIQUE (public_id),
                CONSTRAINT fine_tuning_jobs_status CHECK (status IN ('validating_files', 'queued', 'running', 'succeeded', 'failed', 'cancelled')))
            """,
            "CREATE INDEX fine_tuning_jobs_organisation ON fine_tuning_jobs (organisation_id, id)",
            "CREATE INDEX fine_tuning_jobs_version ON fine_tuning_jobs (version_id)",
            """
            CREATE TABLE fine_tuning_job_events (
                id {id},
                public_id TEXT NOT NULL,
                job_id BIGINT NOT NULL REFERENCES fine_tuning_jobs (id),
                level TEXT NOT NULL,
                type TEXT NOT NULL,
                message TEXT NOT NULL,
                data TEXT,
                created_at {timestamp} NOT NULL,
                CONSTRAINT fine_tuning_job_events_public_id_key UNIQUE (public_id))
            """,
            "CREATE INDEX fine_tuning_job_events_job ON fine_tuning_job_events (job_id, id)",
            """
            CREATE TABLE fine_tuning_job_checkpoints (
                id {id},
                public_id TEXT NOT NULL,
                job_id BIGINT NOT NULL REFERENCES fine_tuning_jobs (id),
                step BIGINT NOT NULL,
                metrics TEXT NOT NULL,
                created_at {timestamp} NOT NULL,
                CONSTRAINT fine_tuning_job_checkpoints_public_id_key UNIQUE (public_id))
            """,
            "CREATE INDEX fine_tuning_job_checkpoints_job ON fine_tuning_job_checkpoints (job_id, id)",
        ]),
        // Provenance of the service's completions: here, beside the versions that answered, so that a withdrawal or a
        // twin deletion marks the records (and drops the stored prompt and text) in its own transaction and erases them
        // with the rest. The signed record is kept as sent; the other columns repeat it for queries. The twin and
        // version references are cleared when a twin is deleted: a record outlives what it names.
        new(7, "signed provenance records of completions; whether an organisation's are stored with their prompt and text",
        [
            "ALTER TABLE organisations ADD COLUMN record_completion_content BIGINT NOT NULL DEFAULT 0",
            """
            CREATE TABLE completion_provenance (
                id {id},
                public_id TEXT NOT NULL,
                organisation_id BIGINT NOT NULL REFERENCES organisations (id),
                completion_id TEXT NOT NULL,
                model TEXT NOT NULL,
                twin_id BIGINT REFERENCES twins (id),
                version_id BIGINT REFERENCES twin_versions (id),
                twin_name TEXT,
                version_number BIGINT,
                adapter_hash TEXT,
                base_model_hash TEXT,
                sampling TEXT NOT NULL,
                prompt_tokens BIGINT NOT NULL,
                completion_tokens BIGINT NOT NULL,
                watermark_key_id TEXT,
                key_id TEXT NOT NULL,
                record TEXT NOT NULL,
                prompt TEXT,
                completion_text TEXT,
                created_at {timestamp} NOT NULL,
                erased_at {timestamp},
                CONSTRAINT completion_provenance_public_id_key UNIQUE (public_id))
            """,
            "CREATE INDEX completion_provenance_organisation ON completion_provenance (organisation_id, id)",
            "CREATE INDEX completion_provenance_twin ON completion_provenance (twin_id)",
            "CREATE INDEX completion_provenance_version ON completion_provenance (version_id)",
        ]),
        // The service watermarks every completion with its organisation's key unless the organisation's admin switches it
        // off: on (1) for every organisation, existing ones included.
        new(8, "whether an organisation's completions are watermarked",
        [
            "ALTER TABLE organisations ADD COLUMN watermark_completions BIGINT NOT NULL DEFAULT 1",
        ]),
        // Content identity per creator: two creators (of different organisations, say) may hold the same text, each as
        // a dataset of their own under their own consent, sharing the stored copy (a withdrawal deletes it only when no
        // other dataset records it). Unique across the registry, a second organisation's upload of it was refused,
        // which told that organisation the text was registered.
        new(9, "datasets unique per creator and content, no longer per content alone",
        [
            "ALTER TABLE datasets DROP CONSTRAINT datasets_content_hash_key",
            "ALTER TABLE datasets ADD CONSTRAINT datasets_creator_content_key UNIQUE (creator_id, content_hash)",
            "CREATE INDEX datasets_content ON datasets (content_hash)",
        ])
        {
            // SQLite keeps a table constraint for the table's life: the table is rebuilt. Copied aside, dropped and
            // created again under its own name, so the files and versions that reference it keep their references; the
            // drop's implicit delete leaves their rows orphaned until the copy comes back, so the checks wait for commit.
            SqliteStatements =
            [
                "PRAGMA defer_foreign_keys = ON",
                "CREATE TABLE datasets_before_9 AS SELECT * FROM datasets",
                "DROP TABLE datasets",
                """
                CREATE TABLE datasets (
                    id {id},
                    creator_id BIGINT NOT NULL REFERENCES creators (id),
                    content_hash TEXT NOT NULL,
                    consent_scope TEXT NOT NULL,
                    source_files TEXT NOT NULL,
                    statistics TEXT NOT NULL,
                    stored_artifact_hash TEXT,
                    created_at {timestamp} NOT NULL,
                    CONSTRAINT datasets_creator_content_key UNIQUE (creator_id, content_hash))
                """,
                """
                INSERT INTO datasets (id, creator_id, content_hash, consent_scope, source_files, statistics, stored_artifact_hash, created_at)
                SELECT id, creator_id, content_hash, consent_scope, source_files, statistics, stored_artifact_hash, created_at FROM datasets_before_9
                """,
                "DROP TABLE datasets_before_9",
                "CREATE INDEX datasets_creator ON datasets (creator_id)",
                "CREATE INDEX datasets_content ON datasets (content_hash)",
            ],
        },
    ];

    public static int NewestVersion => Migrations[^1].Number;
}

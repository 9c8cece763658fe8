"""The SQLite schema's migrations, in order (applied by `schema.migrate`)."""

from __future__ import annotations

# Append-only: each entry moves the schema from user_version N to N+1. Never edit one
# that has shipped; add a new one.
MIGRATIONS: list[str] = [
    # 1: articles, their per-language texts, editors, and the change log
    """
    CREATE TABLE articles (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        slug          TEXT UNIQUE,
        category      TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('draft', 'published')),
        published_at  TEXT NOT NULL,     -- RFC 3339 as the editor gave it
        published_us  INTEGER NOT NULL,  -- the same instant, microseconds since the epoch
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL,
        original_lang TEXT NOT NULL,
        hits          INTEGER NOT NULL DEFAULT 0,
        version       INTEGER NOT NULL DEFAULT 1  -- bumped by every editorial write: the ETag
    );
    CREATE INDEX articles_newest ON articles (published_us DESC, id DESC);
    CREATE INDEX articles_category_newest ON articles (category, published_us DESC, id DESC);
    CREATE TABLE translations (
        article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        lang       TEXT NOT NULL,
        title      TEXT NOT NULL,
        summary    TEXT NOT NULL DEFAULT '',
        body       TEXT NOT NULL DEFAULT '',
        author     TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (article_id, lang)
    );
    CREATE INDEX translations_lang ON translations (lang, article_id);
    CREATE TABLE editors (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        role       TEXT NOT NULL CHECK (role IN ('editor', 'translator')),
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
    -- One row per editorial write, naming the languages and categories it touched, so
    -- that every worker process can drop exactly the cached feeds and pages it affects.
    CREATE TABLE changes (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        article_id INTEGER NOT NULL,
        langs      TEXT NOT NULL,       -- comma separated
        categories TEXT NOT NULL,       -- comma separated
        changed_at TEXT NOT NULL
    );
    """,
    # 2: full-text search over each language's title, summary and body. The trigram
    # tokenizer matches any substring of 3+ characters, which Korean needs (재생의학 in
    # 첨단재생의학). The rowid is derived from (article_id, lang) so triggers can find a
    # row again without a scan, and VACUUM (which renumbers implicit rowids) cannot
    # break it: article_id * 32768 + the lang code read as a base-27 number.
    """
    CREATE VIRTUAL TABLE search_texts USING fts5(
        article_id UNINDEXED, lang UNINDEXED, title, summary, body, tokenize = 'trigram'
    );
    CREATE TRIGGER search_texts_insert AFTER INSERT ON translations BEGIN
        INSERT INTO search_texts (rowid, article_id, lang, title, summary, body)
        VALUES (
            new.article_id * 32768 + (unicode(substr(new.lang, 1, 1)) - 96) * 729
                + (unicode(substr(new.lang, 2, 1)) - 96) * 27
                + coalesce(unicode(substr(new.lang, 3, 1)) - 96, 0),
            new.article_id, new.lang, new.title, new.summary, new.body
        );
    END;
    CREATE TRIGGER search_texts_delete AFTER DELETE ON translations BEGIN
        DELETE FROM search_texts WHERE rowid = old.article_id * 32768
            + (unicode(substr(old.lang, 1, 1)) - 96) * 729
            + (unicode(substr(old.lang, 2, 1)) - 96) * 27
            + coalesce(unicode(substr(old.lang, 3, 1)) - 96, 0);
    END;
    CREATE TRIGGER search_texts_update AFTER UPDATE ON translations BEGIN
        DELETE FROM search_texts WHERE rowid = old.article_id * 32768
            + (unicode(substr(old.lang, 1, 1)) - 96) * 729
            + (unicode(substr(old.lang, 2, 1)) - 96) * 27
            + coalesce(unicode(substr(old.lang, 3, 1)) - 96, 0);
        INSERT INTO search_texts (rowid, article_id, lang, title, summary, body)
        VALUES (
            new.article_id * 32768 + (unicode(substr(new.lang, 1, 1)) - 96) * 729
                + (unicode(substr(new.lang, 2, 1)) - 96) * 27
                + coalesce(unicode(substr(new.lang, 3, 1)) - 96, 0),
            new.article_id, new.lang, new.title, new.summary, new.body
        );
    END;
    INSERT INTO search_texts (rowid, article_id, lang, title, summary, body)
    SELECT article_id * 32768 + (unicode(substr(lang, 1, 1)) - 96) * 729
            + (unicode(substr(lang, 2, 1)) - 96) * 27
            + coalesce(unicode(substr(lang, 3, 1)) - 96, 0),
        article_id, lang, title, summary, body
    FROM translations;
    """,
    # 3: what the public sees, in board order, as covering indexes: counting the public
    # articles (the board's total) reads only the index, and pages stay index-ordered.
    """
    CREATE INDEX articles_public ON articles (status, published_us, id);
    CREATE INDEX articles_public_category ON articles (status, category, published_us, id);
    """,
    # 4: the number of the last batch of hits each running process added, committed with
    # the batch, so that a reader's snapshot tells which batches it holds (hits.py).
    """
    CREATE TABLE hit_flushes (
        process TEXT PRIMARY KEY,   -- a random token per running process
        batch   INTEGER NOT NULL
    );
    """,
    # 5: each text's body rendered and sanitized at write time (bodies.py), so a page view
    # only reads it; NULL until rendered. The search index follows only the texts it
    # indexes, so filling the column leaves it alone.
    """
    ALTER TABLE translations ADD COLUMN body_html TEXT;
    DROP TRIGGER search_texts_update;
    CREATE TRIGGER search_texts_update AFTER UPDATE OF title, summary, body ON translations
    BEGIN
        DELETE FROM search_texts WHERE rowid = old.article_id * 32768
            + (unicode(substr(old.lang, 1, 1)) - 96) * 729
            + (unicode(substr(old.lang, 2, 1)) - 96) * 27
            + coalesce(unicode(substr(old.lang, 3, 1)) - 96, 0);
        INSERT INTO search_texts (rowid, article_id, lang, title, summary, body)
        VALUES (
            new.article_id * 32768 + (unicode(substr(new.lang, 1, 1)) - 96) * 729
                + (unicode(substr(new.lang, 2, 1)) - 96) * 27
                + coalesce(unicode(substr(new.lang, 3, 1)) - 96, 0),
            new.article_id, new.lang, new.title, new.summary, new.body
        );
    END;
    """,
    # 6: values fixed when the site is made, e.g. the authority of its feed ids.
    """
    CREATE TABLE site_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 7: bodies are rendered with their headings one level down (render.py: the page
    # title is the one <h1>); forget the ones rendered before, so that `serve` renders
    # them again (fill_bodies) and pages render them on the fly until then.
    """
    UPDATE translations SET body_html = NULL;
    """,
    # 8: the translation workflow. Each text has a version and, unless it is the
    # original, the original's version it was translated from (its source). A text's
    # `major_version` is its last version that concerns translations (not marked minor),
    # so a translation is stale when its source's major_version is past its
    # source_version: read in the same statement as the text, by a join on the source.
    # Every version of every text is kept in `text_revisions` (the current one too).
    # `audit` has no foreign key: its entries outlive their article. Existing texts
    # become version 1, translated from the original's version 1.
    """
    ALTER TABLE translations ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE translations ADD COLUMN source_lang TEXT;
    ALTER TABLE translations ADD COLUMN source_version INTEGER;
    ALTER TABLE translations ADD COLUMN major_version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE translations ADD COLUMN major_at TEXT;
    ALTER TABLE translations ADD COLUMN updated_by TEXT;
    UPDATE translations SET major_at = updated_at;
    UPDATE translations SET source_lang = (
            SELECT a.original_lang FROM articles a WHERE a.id = translations.article_id),
        source_version = 1
    WHERE lang <> (SELECT a.original_lang FROM articles a WHERE a.id = translations.article_id);
    CREATE TABLE text_revisions (
        article_id     INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        lang           TEXT NOT NULL,
        version        INTEGER NOT NULL,
        title          TEXT NOT NULL,
        summary        TEXT NOT NULL,
        body           TEXT NOT NULL,
        author         TEXT NOT NULL,
        created_at     TEXT NOT NULL,
        editor         TEXT,                -- the editor's name; NULL: written before names
        minor          INTEGER NOT NULL DEFAULT 0,
        source_lang    TEXT,
        source_version INTEGER,
        fields         TEXT NOT NULL,       -- comma separated: what changed from the last
        PRIMARY KEY (article_id, lang, version)
    );
    INSERT INTO text_revisions (article_id, lang, version, title, summary, body, author,
        created_at, editor, minor, source_lang, source_version, fields)
    SELECT article_id, lang, 1, title, summary, body, author, updated_at, NULL, 0,
        source_lang, source_version,
        'title' || iif(summary <> '', ',summary', '') || iif(body <> '', ',body', '')
            || iif(author <> '', ',author', '')
    FROM translations;
    CREATE TABLE audit (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        at         TEXT NOT NULL,
        editor     TEXT,
        action     TEXT NOT NULL,
        article_id INTEGER NOT NULL,
        lang       TEXT,
        version    INTEGER
    );
    CREATE INDEX audit_article ON audit (article_id, id);
    CREATE INDEX audit_editor ON audit (editor, id);
    -- Idempotency-Key of POST /api/v1/articles: reserved (status NULL) in a transaction
    -- of its own before the create, completed with the answer in the create's.
    CREATE TABLE idempotency_keys (
        editor      TEXT NOT NULL,
        key         TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        created_us  INTEGER NOT NULL,
        status      INTEGER,
        body        TEXT,
        location    TEXT,
        etag        TEXT,
        PRIMARY KEY (editor, key)
    );
    CREATE INDEX idempotency_keys_age ON idempotency_keys (created_us);
    ALTER TABLE editors ADD COLUMN langs TEXT;  -- a translator's languages; NULL: all
    """,
    # 9: the editor's desk's sessions (store/sqlite/sessions.py). Only a hash of the
    # session id is kept. `token_hash` is the editor's token hash at login: a session is
    # found only while its editor still holds that token, unrevoked, so rotating or
    # revoking the token ends every session of it at once.
    """
    CREATE TABLE IF NOT EXISTS sessions (
        id_hash    TEXT PRIMARY KEY,   -- SHA-256 of the session id in the cookie
        editor_id  INTEGER NOT NULL REFERENCES editors (id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL,
        created_us INTEGER NOT NULL,
        used_us    INTEGER NOT NULL    -- last use; idle past the limit = ended
    );
    CREATE INDEX IF NOT EXISTS sessions_used ON sessions (used_us);
    """,
    # 10: partner feeds. The change log also names the publication instants a write
    # touched (the article's now, and before when it was re-dated), so exactly the month
    # archives holding them are rebuilt, and whether the public could see it. WebSub:
    # verified subscriptions, the version of each topic last announced, and one pending
    # delivery per subscription.
    """
    ALTER TABLE changes ADD COLUMN published_us INTEGER;
    ALTER TABLE changes ADD COLUMN published_was_us INTEGER;
    -- 1 when the public saw the article before or after the write: only those move a
    -- feed's Last-Modified (a draft's edits do not)
    ALTER TABLE changes ADD COLUMN visible INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE websub_subscriptions (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        topic         TEXT NOT NULL,
        callback      TEXT NOT NULL,
        secret        TEXT,              -- HMAC key for X-Hub-Signature; NULL: unsigned
        lease_seconds INTEGER NOT NULL,
        created_at    TEXT NOT NULL,
        expires_us    INTEGER NOT NULL,
        etag          TEXT NOT NULL,     -- the topic's version this subscriber has
        UNIQUE (topic, callback)
    );
    CREATE INDEX websub_subscriptions_expiry ON websub_subscriptions (expires_us);
    -- The version of each topic last announced, and the change-log position it was
    -- built at: a process whose caches are behind never announces an older version.
    CREATE TABLE websub_topics (
        topic TEXT PRIMARY KEY,
        etag  TEXT NOT NULL,
        seq   INTEGER NOT NULL
    );
    -- At most one pending delivery per subscription; it sends the topic as it is then.
    CREATE TABLE websub_deliveries (
        subscription_id  INTEGER PRIMARY KEY
                         REFERENCES websub_subscriptions (id) ON DELETE CASCADE,
        etag             TEXT NOT NULL,  -- the version that made it pending
        attempts         INTEGER NOT NULL DEFAULT 0,
        due_us           INTEGER NOT NULL,
        queued_us        INTEGER NOT NULL,
        claim            TEXT,           -- the token of the worker holding it
        claimed_until_us INTEGER NOT NULL DEFAULT 0,
        last_error       TEXT
    );
    CREATE INDEX websub_deliveries_due ON websub_deliveries (due_us);
    """,
    # 11: the status board ordered by hits walks an index instead of sorting every
    # article (0.2 s at 100,000); each hit flush keeps it up to date.
    """
    CREATE INDEX articles_hits ON articles (hits DESC, id DESC);
    """,
]

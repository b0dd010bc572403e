package io.github.astreg.examples.run;

/** The stores a runner config can name under {@code sinks:}. */
public enum StoreKind {
    /** {@code sinks.jdbc}: PostgreSQL, MariaDB/MySQL or H2 through sink-jdbc. */
    JDBC,
    /** {@code sinks.redis}: standalone Redis, Sentinel or Cluster through sink-redis. */
    REDIS
}

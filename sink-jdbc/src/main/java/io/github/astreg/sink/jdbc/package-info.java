/**
 * The cluster-wide view in SQL: {@link io.github.astreg.sink.jdbc.JdbcEndpointSink} writes the
 * registry's changes into PostgreSQL, MariaDB/MySQL or H2 with version-guarded upserts,
 * {@link io.github.astreg.sink.jdbc.JdbcEndpointRegistry} reads them back by the registry's rules,
 * {@link io.github.astreg.sink.jdbc.JdbcSchema} creates the tables and the {@code astreg_location}
 * view that dialplans query through func_odbc. The user brings the {@link javax.sql.DataSource}.
 *
 * <p>Nothing in this package returns {@code null}; optional values are {@link java.util.Optional}.
 * The {@code .internal} package is not API.
 */
package io.github.astreg.sink.jdbc;
